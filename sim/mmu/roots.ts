/**
 * Root management: mmu.c kvm_mmu_free_roots(), mmu_free_root_page(), fast_pgd_switch() with
 * cached_root_find_and_keep_current() / cached_root_find_without_current(), kvm_mmu_new_pgd(),
 * kvm_mmu_load() / mmu_alloc_shadow_roots() / mmu_alloc_root(), kvm_mmu_unload() and
 * kvm_mmu_free_obsolete_roots() (the patch, in its buggy and fixed forms).
 */
import { emit, type Ctx } from '../context'
import {
  KVM_MMU_NUM_PREV_ROOTS, KVM_MMU_ROOT_CURRENT, KVM_MMU_ROOT_PREVIOUS, KVM_MMU_ROOTS_ALL,
  PAGE_SHIFT, PT64_ROOT_4LEVEL,
} from '../constants'
import { check_root_count } from '../findings'
import { hpa_sp, is_obsolete_sp, mmu_slot, to_shadow_page, VALID_PAGE, vcpu_mmu } from '../state'
import type { kvm, kvm_mmu_root_info } from '../types'
import { kvm_mmu_get_page } from './page'
import { kvm_mmu_commit_zap_page, kvm_mmu_prepare_zap_page, make_mmu_pages_available, type InvalidList } from './zap'

/**
 * mmu.c mmu_free_root_page(): drop one root reference. If that was the last one and the page is
 * invalid (a zapped root), zap it again, onto invalid_list, to be freed by the commit. A VALID page
 * at root_count 0 is not freed: it stays on active_mmu_pages and in the hash, reusable by
 * kvm_mmu_get_page() and recyclable. The slot's hpa becomes INVALID_PAGE; a prev slot keeps its
 * stale pgd.
 */
function mmu_free_root_page(ctx: Ctx, vcpu: number, mmu: number, slot: number, invalid_list: InvalidList): void {
  const k = ctx.kvm
  const r = mmu_slot(vcpu_mmu(k.vcpus[vcpu]!, mmu), slot)
  if (!VALID_PAGE(r.hpa)) return
  const sp = k.mmu_pages[hpa_sp(r.hpa)]!
  emit(ctx, { seq: 0, op: 0, kind: 'mmu_free_root_page', vcpu, mmu, slot, sp: sp.sp, root_count: sp.root_count - 1 })
  check_root_count(ctx, vcpu, sp.sp, -1)
  if (sp.root_count === 0 && sp.role.invalid) kvm_mmu_prepare_zap_page(ctx, vcpu, sp, invalid_list, 'free_root')
}

/**
 * mmu.c kvm_mmu_free_roots(kvm, mmu, roots_to_free). Nothing happens unless a selected slot holds
 * a VALID hpa. Otherwise the selected prev_roots[i] are freed first, then the current root (whose
 * pgd becomes 0), then the invalid_list is committed.
 */
export function kvm_mmu_free_roots(ctx: Ctx, vcpu: number, mmu: number, roots_to_free: number): void {
  const m = vcpu_mmu(ctx.kvm.vcpus[vcpu]!, mmu)
  const free_active_root = (roots_to_free & KVM_MMU_ROOT_CURRENT) !== 0 && VALID_PAGE(m.root.hpa)
  if (!free_active_root) {
    let i = 0
    for (; i < KVM_MMU_NUM_PREV_ROOTS; i++) {
      if ((roots_to_free & KVM_MMU_ROOT_PREVIOUS(i)) && VALID_PAGE(m.prev_roots[i]!.hpa)) break
    }
    if (i === KVM_MMU_NUM_PREV_ROOTS) return
  }
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_free_roots', vcpu, mmu, roots_to_free })
  const invalid_list: InvalidList = []
  for (let i = 0; i < KVM_MMU_NUM_PREV_ROOTS; i++) {
    if (roots_to_free & KVM_MMU_ROOT_PREVIOUS(i)) mmu_free_root_page(ctx, vcpu, mmu, 1 + i, invalid_list)
  }
  if (free_active_root) mmu_free_root_page(ctx, vcpu, mmu, 0, invalid_list)
  kvm_mmu_commit_zap_page(ctx, vcpu, invalid_list)
}

/**
 * mmu.c is_root_usable(): (role.direct || pgd == root->pgd) && VALID_PAGE(root->hpa) &&
 * role.word == to_shadow_page(root->hpa)->role.word. role.invalid is part of role.word, so a
 * zapped root never matches; a page of the old generation whose invalid bit is still clear would,
 * but kvm_mmu_zap_all_fast() is atomic in the lab, so none exists.
 */
function is_root_usable(k: kvm, root: kvm_mmu_root_info, pgd: number): boolean {
  if (pgd !== root.pgd || !VALID_PAGE(root.hpa)) return false
  const sp = to_shadow_page(k, root.hpa)!
  return sp.role.level === PT64_ROOT_4LEVEL && !sp.role.invalid
}

/**
 * mmu.c cached_root_find_and_keep_current() (current root VALID). The swaps rotate the cache:
 *
 *     C 0 1 2   (on entry)
 *     0 C 1 2   hit at prev_roots[0]
 *     1 C 0 2   hit at prev_roots[1]
 *     2 C 0 1   hit at prev_roots[2], or a miss: the old LRU is current and is freed
 *
 * so on a hit the old current becomes MRU (prev_roots[0]). Returns the hit index (-1 when the
 * current root itself is usable) or KVM_MMU_NUM_PREV_ROOTS on a miss; the rotation itself is
 * applied by the fast_pgd_switch transition.
 */
function cached_root_find_and_keep_current(k: kvm, vcpu: number, pgd: number): number {
  const mmu = k.vcpus[vcpu]!.root_mmu
  if (is_root_usable(k, mmu.root, pgd)) return -1
  // Simulate the swaps without mutating: after swap i, current holds old prev_roots[i].
  for (let i = 0; i < KVM_MMU_NUM_PREV_ROOTS; i++) {
    if (is_root_usable(k, mmu.prev_roots[i]!, pgd)) return i
  }
  return KVM_MMU_NUM_PREV_ROOTS
}

/** mmu.c cached_root_find_without_current() (current root INVALID): hit index, or 3 on a miss. */
function cached_root_find_without_current(k: kvm, vcpu: number, pgd: number): number {
  const mmu = k.vcpus[vcpu]!.root_mmu
  for (let i = 0; i < KVM_MMU_NUM_PREV_ROOTS; i++) {
    if (is_root_usable(k, mmu.prev_roots[i]!, pgd)) return i
  }
  return KVM_MMU_NUM_PREV_ROOTS
}

/**
 * mmu.c fast_pgd_switch(): looks for `pgd` among the cached roots, rotating the LRU. On a miss
 * with a VALID current root, the evicted LRU root (now current) is freed with
 * kvm_mmu_free_roots(KVM_MMU_ROOT_CURRENT), leaving root.hpa INVALID for kvm_mmu_reload().
 * (Every root in the lab has a shadow page, so the special-root free at the top never runs.)
 */
function fast_pgd_switch(ctx: Ctx, vcpu: number, pgd: number): boolean {
  const k = ctx.kvm
  const keep_current = VALID_PAGE(k.vcpus[vcpu]!.root_mmu.root.hpa)
  const index = keep_current
    ? cached_root_find_and_keep_current(k, vcpu, pgd)
    : cached_root_find_without_current(k, vcpu, pgd)
  const hit = index < KVM_MMU_NUM_PREV_ROOTS
  emit(ctx, { seq: 0, op: 0, kind: 'fast_pgd_switch', vcpu, pgd, hit, index, keep_current })
  if (!hit && keep_current) kvm_mmu_free_roots(ctx, vcpu, 0, KVM_MMU_ROOT_CURRENT)
  return hit
}

/**
 * mmu.c kvm_mmu_new_pgd(): fast_pgd_switch(); on a miss return (the new root is loaded at the
 * next entry); on a hit request KVM_REQ_LOAD_MMU_PGD and clear the new root's flooding count.
 * "It's possible that the cached previous root page is obsolete because of a change in the MMU
 * generation number. However, changing the generation number is accompanied by
 * KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, which will free the root set here and allocate a new one."
 */
export function kvm_mmu_new_pgd(ctx: Ctx, vcpu: number, pgd: number): void {
  const hit = fast_pgd_switch(ctx, vcpu, pgd)
  if (hit) emit(ctx, { seq: 0, op: 0, kind: 'kvm_make_request', vcpu, request: 'KVM_REQ_LOAD_MMU_PGD' })
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_new_pgd', vcpu, pgd, hit })
}

/**
 * mmu.c kvm_mmu_load() for a shadow-paging vCPU (via kvm_mmu_reload() when root.hpa is INVALID):
 * mmu_alloc_shadow_roots() = make_mmu_pages_available(), then mmu_alloc_root() for the guest's
 * CR3: kvm_mmu_get_page(root_gfn, level 4) and ++root_count, root = {cr3, hpa}. The sync,
 * kvm_mmu_load_pgd() and the TLB flush that follow change nothing the lab models.
 * Returns 0 or -ENOSPC.
 */
export function kvm_mmu_load(ctx: Ctx, vcpu: number): number {
  const k = ctx.kvm
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_load', vcpu })
  const r = make_mmu_pages_available(ctx, vcpu)
  if (r) return r
  const root_pgd = k.vcpus[vcpu]!.cr3
  const sp = kvm_mmu_get_page(ctx, vcpu, Math.floor(root_pgd / 2 ** PAGE_SHIFT), PT64_ROOT_4LEVEL)
  emit(ctx, { seq: 0, op: 0, kind: 'mmu_alloc_root', vcpu, sp: sp.sp, pgd: root_pgd })
  check_root_count(ctx, vcpu, sp.sp, 1)
  return 0
}

/**
 * mmu.c kvm_mmu_unload(): v5.17's handler of KVM_REQ_MMU_RELOAD. Frees every root of both MMUs:
 * each cached root's root_count drops, every slot becomes INVALID.
 */
export function kvm_mmu_unload(ctx: Ctx, vcpu: number): void {
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_unload', vcpu })
  kvm_mmu_free_roots(ctx, vcpu, 0, KVM_MMU_ROOTS_ALL)
  kvm_mmu_free_roots(ctx, vcpu, 1, KVM_MMU_ROOTS_ALL)
}

/**
 * mmu.c is_obsolete_root(): VALID_PAGE(hpa) && (!sp || is_obsolete_sp(sp)). Every root in the
 * lab has a shadow page, so the sp-less false positive does not arise.
 */
function is_obsolete_root(k: kvm, hpa: number): boolean {
  if (!VALID_PAGE(hpa)) return false
  const sp = to_shadow_page(k, hpa)
  return !sp || is_obsolete_sp(k, sp)
}

/**
 * mmu.c __kvm_mmu_free_obsolete_roots(): the mask of obsolete slots of one MMU.
 * free-obsolete-buggy (v5.18.0, 527d5cd7eece) tests `mmu->root.hpa` in the prev-roots loop:
 *     if (is_obsolete_root(kvm, mmu->root.hpa)) roots_to_free |= KVM_MMU_ROOT_PREVIOUS(i);
 * so a zapped prev root is kept while the current root is fine, and all three prev roots are
 * dropped when the current root is obsolete. free-obsolete has the fix cf4a8693d97a:
 *     if (is_obsolete_root(kvm, mmu->prev_roots[i].hpa)) ...
 */
function obsolete_roots_mask(ctx: Ctx, vcpu: number, mmu: number): number {
  const k = ctx.kvm
  const m = vcpu_mmu(k.vcpus[vcpu]!, mmu)
  const buggy = ctx.policy === 'free-obsolete-buggy'
  let roots_to_free = 0
  if (is_obsolete_root(k, m.root.hpa)) roots_to_free |= KVM_MMU_ROOT_CURRENT
  for (let i = 0; i < KVM_MMU_NUM_PREV_ROOTS; i++) {
    if (is_obsolete_root(k, buggy ? m.root.hpa : m.prev_roots[i]!.hpa)) roots_to_free |= KVM_MMU_ROOT_PREVIOUS(i)
  }
  return roots_to_free
}

/**
 * mmu.c kvm_mmu_free_obsolete_roots(): for root_mmu, then guest_mmu, free the slots the mask
 * selects. It does not reload: if the current root was freed, kvm_mmu_reload() loads a new one
 * later in the same vcpu_enter_guest().
 */
export function kvm_mmu_free_obsolete_roots(ctx: Ctx, vcpu: number): void {
  const root_mask = obsolete_roots_mask(ctx, vcpu, 0)
  emit(ctx, { seq: 0, op: 0, kind: 'kvm_mmu_free_obsolete_roots', vcpu, roots_to_free: root_mask })
  if (root_mask) kvm_mmu_free_roots(ctx, vcpu, 0, root_mask)
  const guest_mask = obsolete_roots_mask(ctx, vcpu, 1)
  if (guest_mask) kvm_mmu_free_roots(ctx, vcpu, 1, guest_mask)
}
