/**
 * vCPU requests (include/linux/kvm_host.h, arch/x86/include/asm/kvm_host.h): bits in
 * vcpu->requests. Requests between vCPUs are data, never calls: kvm_make_request() sets a bit,
 * vcpu_enter_guest() tests and clears it with kvm_check_request() in kernel order.
 */

/** The requests the model uses. A request's bit in `kvm_vcpu.requests` is its index here. */
export const REQUESTS = [
  /** Generic: flush all of the vCPU's TLB (kvm_flush_remote_tlbs() sends it to every vCPU). */
  'KVM_REQ_TLB_FLUSH',
  /** v5.17 and before: drop every root (kvm_mmu_unload). Removed by the patch series. */
  'KVM_REQ_MMU_RELOAD',
  /** Sync unsync children of the current root (kvm_mmu_sync_roots). */
  'KVM_REQ_MMU_SYNC',
  /** Load the current root into hardware (kvm_mmu_load_pgd) after a cached-root hit. */
  'KVM_REQ_LOAD_MMU_PGD',
  /** Flush the current TLB context (a CR3 write without PCID NOFLUSH). */
  'KVM_REQ_TLB_FLUSH_CURRENT',
  /** v5.18+: free the roots that are obsolete (kvm_mmu_free_obsolete_roots). */
  'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
] as const

export type Request = (typeof REQUESTS)[number]

export const REQUEST_BIT: Record<Request, number> = Object.fromEntries(
  REQUESTS.map((name, i) => [name, 1 << i]),
) as Record<Request, number>

/** The names of the requests set in a `requests` bit mask, in bit order. */
export function request_names(requests: number): Request[] {
  const out: Request[] = []
  for (let i = 0; i < REQUESTS.length; i++) if (requests & (1 << i)) out.push(REQUESTS[i]!)
  return out
}

export function is_request(name: string): name is Request {
  return (REQUESTS as readonly string[]).includes(name)
}
