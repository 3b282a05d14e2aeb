/**
 * Zapping shadow pages: mmu.c __kvm_mmu_prepare_zap_page(), kvm_mmu_commit_zap_page(),
 * kvm_mmu_zap_oldest_mmu_pages(), make_mmu_pages_available(), kvm_mmu_zap_all_fast(),
 * kvm_zap_obsolete_pages() and kvm_mmu_unprotect_page().
 */
import { emit, type Ctx } from '../context'
import { ENOSPC, KVM_MIN_FREE_MMU_PAGES, KVM_REFILL_PAGES } from '../constants'
import { check_freed_page } from '../findings'
import type { Request } from '../requests'
import { active_list, is_obsolete_sp } from '../state'
import type { ZapReason } from '../transitions'
import type { kvm_mmu_page } from '../types'
import { gfn_valid_pages } from './page'

/** A local LIST_HEAD(invalid_list): pages prepared for zapping, freed by the commit. */
export type InvalidList = number[]

/** The request a zapped in-use root makes of every vCPU, per policy. */
export function zap_root_request(ctx: Ctx): Request {
  return ctx.policy === 'reload-all' ? 'KVM_REQ_MMU_RELOAD' : 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'
}

/**
 * mmu.c __kvm_mmu_prepare_zap_page(). On entry `sp` exists. In order:
 *  - trace + ++mmu_shadow_zapped (also for a second zap of an invalid root: double counting);
 *  - children unlinked (they stay alive, parentless), the gfn unaccounted unless already invalid;
 *  - root_count == 0: onto `invalid_list`, n_used_mmu_pages--;
 *    root_count > 0: off active_mmu_pages, freed when its last root reference drops
 *    (mmu_free_root_page), and zapped_root = !is_obsolete_sp();
 *  - role.invalid = 1;
 *  - only then, if zapped_root, the request to all vCPUs: "Make the request to free obsolete
 *    roots after marking the root invalid, otherwise other vCPUs may not see it as invalid."
 *    (v5.17 made KVM_REQ_MMU_RELOAD just before setting invalid; in a sequential model the two
 *    orders have the same effect.)
 * Returns the number of pages put on the invalid_list (nr_zapped: the page itself or nothing;
 * the lab has no unsync children to zap).
 */
export function kvm_mmu_prepare_zap_page(
  ctx: Ctx, vcpu: number | null, sp: kvm_mmu_page, invalid_list: InvalidList, reason: ZapReason,
): number {
  const root_count = sp.root_count
  const zapped_root = root_count > 0 && !is_obsolete_sp(ctx.kvm, sp)
  emit(ctx, {
    seq: 0, op: 0, kind: 'kvm_mmu_prepare_zap_page', vcpu, sp: sp.sp, gfn: sp.gfn, level: sp.role.level,
    mmu_valid_gen: sp.mmu_valid_gen, root_count, invalid: sp.role.invalid, unsync: sp.unsync,
    reason, zapped_root,
  })
  if (zapped_root) emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_all_cpus_request', vcpu, request: zap_root_request(ctx) })
  if (root_count === 0) {
    invalid_list.push(sp.sp)
    return 1
  }
  return 0
}

/**
 * mmu.c kvm_mmu_commit_zap_page(): if the list is not empty, kvm_flush_remote_tlbs() (which
 * requests KVM_REQ_TLB_FLUSH of every vCPU) and then kvm_mmu_free_page() of each page, each of
 * which must be invalid with root_count 0.
 */
export function kvm_mmu_commit_zap_page(ctx: Ctx, vcpu: number | null, invalid_list: InvalidList): void {
  if (invalid_list.length === 0) return
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_commit_zap_page', vcpu, nr: invalid_list.length })
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_all_cpus_request', vcpu, request: 'KVM_REQ_TLB_FLUSH' })
  for (const id of invalid_list) {
    emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_free_page', vcpu, sp: id })
    check_freed_page(ctx, id)
  }
  invalid_list.length = 0
}

/**
 * mmu.c kvm_mmu_zap_oldest_mmu_pages(): walks active_mmu_pages oldest first, skipping pages with
 * root_count != 0 ("Don't zap active root pages"), until nr_to_zap are zapped; commits; then
 * mmu_recycled += total_zapped. A valid ex-root at root_count 0 is fair game and makes no request.
 */
export function kvm_mmu_zap_oldest_mmu_pages(ctx: Ctx, vcpu: number | null, nr_to_zap: number): number {
  const k = ctx.kvm
  const list = k.active_mmu_pages
  if (list.length === 0) return 0
  const invalid_list: InvalidList = []
  let total_zapped = 0
  // The ids before `scan.from` are known to be off the list (see Ctx.oldest_scan).
  let scan = ctx.oldest_scan
  if (!scan || scan.list !== list) scan = ctx.oldest_scan = { list, from: 0 }
  let head = true
  // Zapping only clears on_active_list, and a sweep replaces the array rather than changing it,
  // so walking the array we started with is safe; skip pages no longer on the list.
  for (let i = scan.from; i < list.length; i++) {
    const sp = k.mmu_pages[list[i]!]
    if (!sp || !sp.on_active_list) {
      if (head) scan.from = i + 1
      continue
    }
    head = false
    if (sp.root_count) continue
    total_zapped += kvm_mmu_prepare_zap_page(ctx, vcpu, sp, invalid_list, 'recycled')
    if (total_zapped >= nr_to_zap) break
  }
  kvm_mmu_commit_zap_page(ctx, vcpu, invalid_list)
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_zap_oldest_mmu_pages', vcpu, nr_to_zap, total_zapped })
  return total_zapped
}

/** kvm_mmu_available_pages(). */
function available_pages(ctx: Ctx): number {
  const k = ctx.kvm
  return k.n_max_mmu_pages > k.n_used_mmu_pages ? k.n_max_mmu_pages - k.n_used_mmu_pages : 0
}

/**
 * mmu.c make_mmu_pages_available(), before every root allocation and shadow-page fault: with
 * fewer than KVM_MIN_FREE_MMU_PAGES available, recycle up to KVM_REFILL_PAGES - avail of the
 * oldest pages. Returns 0, or -ENOSPC if not even one page is available afterwards.
 */
export function make_mmu_pages_available(ctx: Ctx, vcpu: number): number {
  const avail = available_pages(ctx)
  if (avail >= KVM_MIN_FREE_MMU_PAGES) return 0
  kvm_mmu_zap_oldest_mmu_pages(ctx, vcpu, KVM_REFILL_PAGES - avail)
  const result = available_pages(ctx) ? 0 : -ENOSPC
  emit(ctx, { seq: 0, op: 0, kind: 'make_mmu_pages_available', vcpu, avail, result })
  return result
}

/**
 * mmu.c kvm_mmu_zap_all_fast() (memslot DELETE/MOVE): trace (old generation), toggle
 * mmu_valid_gen so every existing page is obsolete, request every vCPU to drop its roots
 * (KVM_REQ_MMU_FREE_OBSOLETE_ROOTS; v5.17: KVM_REQ_MMU_RELOAD), then kvm_zap_obsolete_pages().
 */
export function kvm_mmu_zap_all_fast(ctx: Ctx): void {
  const k = ctx.kvm
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_zap_all_fast', vcpu: null, mmu_valid_gen: k.mmu_valid_gen, used_pages: k.n_used_mmu_pages })
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_all_cpus_request', vcpu: null, request: zap_root_request(ctx) })
  kvm_zap_obsolete_pages(ctx)
}

/**
 * mmu.c kvm_zap_obsolete_pages(): zap pages oldest first while they are obsolete ("No obsolete
 * valid page exists before a newly created page since active_mmu_pages is a FIFO list"). In-use
 * roots take the root_count > 0 branch and, being obsolete already, make no further request.
 * The lock breaks of the kernel (BATCH_ZAP_PAGES) are not modelled: the zap is atomic here.
 */
function kvm_zap_obsolete_pages(ctx: Ctx): void {
  const k = ctx.kvm
  const zapped_obsolete_pages: InvalidList = []
  for (const id of active_list(k)) {
    const sp = k.mmu_pages[id]!
    if (!is_obsolete_sp(k, sp)) break
    kvm_mmu_prepare_zap_page(ctx, null, sp, zapped_obsolete_pages, 'obsolete')
  }
  kvm_mmu_commit_zap_page(ctx, null, zapped_obsolete_pages)
}

/** mmu.c kvm_mmu_unprotect_page(): zap every valid indirect shadow page of `gfn`, then commit. */
export function kvm_mmu_unprotect_page(ctx: Ctx, gfn: number): void {
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_unprotect_page', vcpu: null, gfn })
  const invalid_list: InvalidList = []
  for (const sp of gfn_valid_pages(ctx.kvm, gfn)) kvm_mmu_prepare_zap_page(ctx, null, sp, invalid_list, 'unprotect')
  kvm_mmu_commit_zap_page(ctx, null, invalid_list)
}
