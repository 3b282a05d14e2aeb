/**
 * The x86.c side: kvm_set_cr3() and vcpu_enter_guest()'s request handling and root reload.
 */
import { emit, type Ctx } from './context'
import { check_entry_root, check_no_obsolete_roots } from './findings'
import { kvm_mmu_free_obsolete_roots, kvm_mmu_load, kvm_mmu_new_pgd, kvm_mmu_unload } from './mmu/roots'
import { REQUEST_BIT, type Request } from './requests'
import { VALID_PAGE } from './state'

/**
 * x86.c kvm_set_cr3() for a 64-bit guest with CR4.PCIDE = 0: a new CR3 goes through
 * kvm_mmu_new_pgd(); then kvm_invalidate_pcid(vcpu, 0) requests KVM_REQ_MMU_SYNC and
 * KVM_REQ_TLB_FLUSH_CURRENT (PCID 0 is the active PCID), and frees no prev root (PCIDE = 0).
 * The vCPU exits guest mode to do this, if it was in it.
 */
export function kvm_set_cr3(ctx: Ctx, vcpu: number, cr3: number): void {
  const v = ctx.kvm.vcpus[vcpu]!
  if (v.in_guest) emit(ctx, { seq: 0, op: 0, kind: 'kvm_exit', vcpu, reason: 'cr3' })
  const changed = cr3 !== v.cr3
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_set_cr3', vcpu, cr3 })
  if (changed) kvm_mmu_new_pgd(ctx, vcpu, cr3)
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_request', vcpu, request: 'KVM_REQ_MMU_SYNC' })
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_request', vcpu, request: 'KVM_REQ_TLB_FLUSH_CURRENT' })
}

/** kvm_check_request(): true (and the bit cleared, as a transition) if `request` was pending. */
function kvm_check_request(ctx: Ctx, vcpu: number, request: Request): boolean {
  if (!(ctx.kvm.vcpus[vcpu]!.requests & REQUEST_BIT[request])) return false
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_check_request', vcpu, request })
  return true
}

/**
 * The request block of x86.c vcpu_enter_guest(), in kernel order, for the requests the lab
 * models: the roots request (KVM_REQ_MMU_RELOAD -> kvm_mmu_unload() in v5.17;
 * KVM_REQ_MMU_FREE_OBSOLETE_ROOTS -> kvm_mmu_free_obsolete_roots() since v5.18), then
 * KVM_REQ_MMU_SYNC (kvm_mmu_sync_roots: nothing is unsync in the lab), KVM_REQ_LOAD_MMU_PGD
 * (kvm_mmu_load_pgd), KVM_REQ_TLB_FLUSH (which also clears KVM_REQ_TLB_FLUSH_CURRENT with
 * kvm_clear_request) and KVM_REQ_TLB_FLUSH_CURRENT.
 */
function handle_requests(ctx: Ctx, vcpu: number): void {
  if (ctx.policy === 'reload-all') {
    if (kvm_check_request(ctx, vcpu, 'KVM_REQ_MMU_RELOAD')) kvm_mmu_unload(ctx, vcpu)
  } else if (kvm_check_request(ctx, vcpu, 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS')) {
    kvm_mmu_free_obsolete_roots(ctx, vcpu)
    check_no_obsolete_roots(ctx, vcpu)
  }
  kvm_check_request(ctx, vcpu, 'KVM_REQ_MMU_SYNC')
  kvm_check_request(ctx, vcpu, 'KVM_REQ_LOAD_MMU_PGD')
  if (kvm_check_request(ctx, vcpu, 'KVM_REQ_TLB_FLUSH')) {
    // "Flushing all ASIDs flushes the current ASID... Note, the flush is done unconditionally":
    // kvm_clear_request(KVM_REQ_TLB_FLUSH_CURRENT), so its handler below does not run.
    if (ctx.kvm.vcpus[vcpu]!.requests & REQUEST_BIT.KVM_REQ_TLB_FLUSH_CURRENT) {
      emit(ctx, { seq: 0, op: 0, kind: 'kvm_clear_request', vcpu, request: 'KVM_REQ_TLB_FLUSH_CURRENT' })
    }
  }
  kvm_check_request(ctx, vcpu, 'KVM_REQ_TLB_FLUSH_CURRENT') // kvm_service_local_tlb_flush_requests()
}

/** Bound on re-runs of the request block when entry itself raises requests (vcpu_run's loop). */
const MAX_ENTRY_ATTEMPTS = 8

/**
 * x86.c vcpu_run() -> vcpu_enter_guest() for operation `run`: handle pending requests, then
 * kvm_mmu_reload() (kvm_mmu_load() if root.hpa is INVALID), then enter guest mode. If loading
 * raised new requests for this vCPU (recycling flushes remote TLBs), entry is cancelled and
 * retried, as kvm_vcpu_exit_request() makes vcpu_run() loop. Returns false if the root could not
 * be loaded (-ENOSPC): the vCPU stays out of the guest.
 */
export function vcpu_enter_guest(ctx: Ctx, vcpu: number): boolean {
  const v = ctx.kvm.vcpus[vcpu]!
  for (let attempt = 0; attempt < MAX_ENTRY_ATTEMPTS; attempt++) {
    handle_requests(ctx, vcpu)
    if (!VALID_PAGE(v.root_mmu.root.hpa) && kvm_mmu_load(ctx, vcpu)) return false
    if (v.requests === 0) break
  }
  check_entry_root(ctx, vcpu)
  emit(ctx, { seq: 0, op: 0, kind: 'vcpu_enter_guest', vcpu })
  return true
}
