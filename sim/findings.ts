/**
 * Findings: the lab's WARN_ONs. Each check runs right after the transitions that could break its
 * invariant, and a violation is emitted as a `finding` transition instead of a crash, so the user
 * can rewind to it. Checks look only at the objects the transitions touched, so they cost
 * O(vCPUs) at most.
 */
import { emit, type Ctx } from './context'
import { KVM_MMU_NUM_PREV_ROOTS } from './constants'
import { hex, hpa_sp, is_obsolete_sp, slot_name, sp_hpa, to_shadow_page, VALID_PAGE } from './state'
import type { FindingRule } from './transitions'
import type { kvm, kvm_mmu } from './types'

function finding(ctx: Ctx, vcpu: number | null, rule: FindingRule, message: string, sp: number, slot: number): void {
  emit(ctx, { seq: 0, op: 0, kind: 'finding', vcpu, rule, message, sp, slot })
}

/**
 * Number of root slots, over every vCPU, whose hpa is shadow page `sp`. Only root_mmu is scanned:
 * guest_mmu never holds a root in the lab (shadow paging without nesting; a unit test pins this),
 * and this check runs after every root allocation and free, so it must stay cheap.
 */
export function count_root_slots(k: kvm, sp: number): number {
  const hpa = sp_hpa(sp)
  const vcpus = k.vcpus
  let n = 0
  for (let i = 0; i < vcpus.length; i++) {
    const mmu = vcpus[i]!.root_mmu
    const prev = mmu.prev_roots
    if (mmu.root.hpa === hpa) n++
    if (prev[0]!.hpa === hpa) n++
    if (prev[1]!.hpa === hpa) n++
    if (prev[2]!.hpa === hpa) n++
  }
  return n
}

function holders_of(ctx: Ctx): Map<number, number> {
  if (ctx.holders) return ctx.holders
  const holders = new Map<number, number>()
  for (const id in ctx.kvm.mmu_pages) {
    const n = count_root_slots(ctx.kvm, Number(id))
    if (n) holders.set(Number(id), n)
  }
  return (ctx.holders = holders)
}

/**
 * root_count of shadow page `sp` equals the number of root slots holding it. Runs after
 * mmu_alloc_root (delta +1) and mmu_free_root_page (delta -1), the only transitions that change
 * either side. The slot count is kept incrementally from those slot changes, so the check is O(1)
 * for any number of vCPUs; on a mismatch the slots are counted for real for the message. (The
 * property tests count every slot of every vCPU after every operation.)
 */
export function check_root_count(ctx: Ctx, vcpu: number | null, sp: number, delta: 1 | -1): void {
  const holders = holders_of(ctx)
  const held = (holders.get(sp) ?? 0) + delta
  if (held) holders.set(sp, held)
  else holders.delete(sp)
  const page = ctx.kvm.mmu_pages[sp]
  if (!page || held === page.root_count) return
  const real = count_root_slots(ctx.kvm, sp)
  holders.set(sp, real)
  if (real !== page.root_count) {
    finding(ctx, vcpu, 'root_count_mismatch',
      `sp ${sp} (gfn ${hex(page.gfn)}) has root_count ${page.root_count} but ${real} root slot(s) hold it`, sp, -1)
  }
}

/** A freed shadow page is referenced by no slot. Runs after kvm_mmu_free_page; O(1) unless it fires. */
export function check_freed_page(ctx: Ctx, sp: number): void {
  // The incremental slot count (see check_root_count) says whether any slot still holds the page;
  // only then are the slots scanned, to name them.
  const holders = holders_of(ctx)
  if (!holders.get(sp)) return
  holders.delete(sp)
  if (count_root_slots(ctx.kvm, sp) === 0) return
  const hpa = sp_hpa(sp)
  for (const v of ctx.kvm.vcpus) {
    const mmu = v.root_mmu
    for (let slot = 0; slot <= KVM_MMU_NUM_PREV_ROOTS; slot++) {
      const r = slot === 0 ? mmu.root : mmu.prev_roots[slot - 1]!
      if (r.hpa === hpa) {
        finding(ctx, v.vcpu_id, 'freed_page_referenced',
          `vCPU ${v.vcpu_id} ${slot_name(slot)} still points at freed sp ${sp}`, sp, slot)
      }
    }
  }
}

function first_obsolete_slot(k: kvm, mmu: kvm_mmu): number {
  for (let slot = 0; slot <= KVM_MMU_NUM_PREV_ROOTS; slot++) {
    const r = slot === 0 ? mmu.root : mmu.prev_roots[slot - 1]!
    const sp = to_shadow_page(k, r.hpa)
    if (VALID_PAGE(r.hpa) && (!sp || is_obsolete_sp(k, sp))) return slot
  }
  return -1
}

/**
 * After a vCPU handled KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, none of its root slots holds an obsolete
 * root. v5.18.0's prev-roots loop tests the current root, so a zapped prev root survives here.
 */
export function check_no_obsolete_roots(ctx: Ctx, vcpu: number): void {
  const k = ctx.kvm
  const v = k.vcpus[vcpu]!
  for (const mmu of [v.root_mmu, v.guest_mmu]) {
    const slot = first_obsolete_slot(k, mmu)
    if (slot < 0) continue
    const hpa = slot === 0 ? mmu.root.hpa : mmu.prev_roots[slot - 1]!.hpa
    const sp = hpa_sp(hpa)
    const page = k.mmu_pages[sp]
    const what = page?.role.invalid ? 'invalid' : 'obsolete (old mmu_valid_gen)'
    finding(ctx, vcpu, 'obsolete_root_kept',
      `vCPU ${vcpu} kept ${what} sp ${sp}${page ? ` (gfn ${hex(page.gfn)})` : ''} in ${slot_name(slot)} ` +
      `after kvm_mmu_free_obsolete_roots()`, sp, slot)
  }
}

/** A vCPU never enters the guest with an INVALID, invalid or obsolete current root. */
export function check_entry_root(ctx: Ctx, vcpu: number): void {
  const k = ctx.kvm
  const root = k.vcpus[vcpu]!.root_mmu.root
  const sp = to_shadow_page(k, root.hpa)
  if (!sp) {
    finding(ctx, vcpu, 'entered_with_bad_root', `vCPU ${vcpu} entered the guest with root.hpa INVALID_PAGE`, -1, 0)
  } else if (is_obsolete_sp(k, sp)) {
    finding(ctx, vcpu, 'entered_with_bad_root',
      `vCPU ${vcpu} entered the guest with ${sp.role.invalid ? 'invalid' : 'obsolete'} root sp ${sp.sp}`, sp.sp, 0)
  }
}
