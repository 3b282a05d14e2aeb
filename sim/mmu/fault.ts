/**
 * Guest page faults under a shadow root: paging_tmpl.h FNAME(page_fault) -> is_page_fault_stale()
 * -> make_mmu_pages_available() -> FNAME(fetch), which builds the non-root shadow pages.
 */
import { emit, type Ctx } from '../context'
import { PG_LEVEL_4K, PT64_ROOT_4LEVEL } from '../constants'
import { guest_table_gfn, pt_index } from '../guest_page_tables'
import { is_obsolete_sp, to_shadow_page } from '../state'
import type { kvm_mmu_page } from '../types'
import { kvm_mmu_get_page } from './page'
import { make_mmu_pages_available } from './zap'

/**
 * mmu.c is_page_fault_stale(): the current root is obsolete (a fault that raced with a zap), or
 * (no shadow page and a pending request to drop roots; never the case in the lab).
 */
function is_page_fault_stale(ctx: Ctx, vcpu: number): boolean {
  const k = ctx.kvm
  const sp = to_shadow_page(k, k.vcpus[vcpu]!.root_mmu.root.hpa)
  return sp !== undefined && is_obsolete_sp(k, sp)
}

/**
 * A guest page fault by `vcpu` at `gva`.
 * - root.hpa INVALID: kvm_mmu_page_fault() returns RET_PF_RETRY (it WARNs: a guest cannot fault
 *   without a root; the lab allows a script to try). Not stale, not fixed.
 * - is_page_fault_stale(): RET_PF_RETRY; the guest faults again after its next entry.
 * - Otherwise FNAME(fetch) walks from the root down to the level-1 shadow page: each page on the
 *   way is "used" (clear_sp_write_flooding_count()), and a missing child is found or created
 *   with kvm_mmu_get_page() for the guest's table at that level and linked (link_shadow_page()).
 *   A link whose child was zapped or freed is not present (kvm_mmu_unlink_parents() cleared it).
 *   Leaf SPTEs are not modelled.
 */
export function guest_page_fault(ctx: Ctx, vcpu: number, gva: number): void {
  const k = ctx.kvm
  const v = k.vcpus[vcpu]!
  if (v.in_guest) emit(ctx, { seq: 0, op: 0, kind: 'kvm_exit', vcpu, reason: 'page_fault' })
  const root = to_shadow_page(k, v.root_mmu.root.hpa)
  if (!root) {
    emit(ctx, { seq: 0, op: 0, kind: 'page_fault', vcpu, gva, stale: false, fixed: false })
    return
  }
  const stale = is_page_fault_stale(ctx, vcpu)
  emit(ctx, { seq: 0, op: 0, kind: 'page_fault', vcpu, gva, stale, fixed: !stale })
  if (stale) return
  if (make_mmu_pages_available(ctx, vcpu)) return
  // make_mmu_pages_available() never recycles a page with root_count > 0, so the root is intact.
  let sp: kvm_mmu_page = to_shadow_page(k, v.root_mmu.root.hpa)!
  for (let level = PT64_ROOT_4LEVEL; level > PG_LEVEL_4K; level--) {
    if (sp.write_flooding_count !== 0) emit(ctx, { seq: 0, op: 0, kind: 'clear_sp_write_flooding_count', vcpu, sp: sp.sp })
    const index = pt_index(gva, level)
    const linked: number | undefined = sp.spt[index]
    const child: kvm_mmu_page | undefined = linked === undefined ? undefined : k.mmu_pages[linked]
    if (child && !is_obsolete_sp(k, child)) {
      sp = child
      continue
    }
    const next = kvm_mmu_get_page(ctx, vcpu, guest_table_gfn(sp.gfn, level, index), level - 1)
    emit(ctx, { seq: 0, op: 0, kind: 'link_shadow_page', vcpu, sp: sp.sp, index, child: next.sp })
    sp = next
  }
}
