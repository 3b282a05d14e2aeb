/**
 * Finding and creating shadow pages: mmu.c kvm_mmu_get_page() and the hash walks.
 */
import { emit, type Ctx } from '../context'
import { PG_LEVEL_4K } from '../constants'
import { is_obsolete_sp } from '../state'
import type { kvm, kvm_mmu_page } from '../types'

/**
 * for_each_valid_sp / for_each_gfn_indirect_valid_sp: the shadow pages of `gfn` that are not
 * obsolete, in the kernel's hash order (newest first). A snapshot, so zapping while walking is safe.
 */
export function gfn_valid_pages(k: kvm, gfn: number): kvm_mmu_page[] {
  const ids = k.mmu_page_hash[gfn]
  if (!ids) return []
  const out: kvm_mmu_page[] = []
  for (let i = ids.length - 1; i >= 0; i--) {
    const sp = k.mmu_pages[ids[i]!]!
    if (!is_obsolete_sp(k, sp)) out.push(sp)
  }
  return out
}

/**
 * Is `gfn` write-tracked (KVM_PAGE_TRACK_WRITE)? account_shadowed() tracks the gfn of every valid
 * indirect page above PG_LEVEL_4K ("the non-leaf shadow pages are keeping readonly"); a gfn
 * shadowed only by level-1 pages is write-protected through its SPTEs instead, and a guest write
 * to it unsyncs the page (not modelled) rather than being emulated.
 */
export function gfn_write_tracked(k: kvm, gfn: number): boolean {
  const ids = k.mmu_page_hash[gfn]
  if (!ids) return false
  for (const id of ids) {
    const sp = k.mmu_pages[id]!
    if (!sp.role.invalid && sp.role.level > PG_LEVEL_4K) return true
  }
  return false
}

/**
 * mmu.c kvm_mmu_get_page(vcpu, gfn, level): the valid page for (gfn, role) if there is one (a
 * hit clears its write_flooding_count), otherwise a new one (++mmu_cache_miss, write-tracks gfn).
 * Roles in the lab differ only in level, so a role match is a level match; pages of another role
 * are never unsync here, so the kernel's zap of an unsync mismatch does not arise.
 * Emits kvm_mmu_get_page with the fields the tracepoint prints.
 */
export function kvm_mmu_get_page(ctx: Ctx, vcpu: number, gfn: number, level: number): kvm_mmu_page {
  const k = ctx.kvm
  const ids = k.mmu_page_hash[gfn]
  // for_each_valid_sp, newest first (hlist order), without building a list: this runs on every
  // root load and fault walk.
  for (let i = ids ? ids.length - 1 : -1; i >= 0; i--) {
    const sp = k.mmu_pages[ids![i]!]!
    if (sp.role.level !== level || is_obsolete_sp(k, sp)) continue
    emit(ctx, {
      seq: 0, op: 0, kind: 'kvm_mmu_get_page', vcpu, sp: sp.sp, gfn, level, mmu_valid_gen: sp.mmu_valid_gen,
      root_count: sp.root_count, invalid: false, unsync: sp.unsync, created: false,
    })
    return sp
  }
  const id = k.next_sp
  emit(ctx, {
    seq: 0, op: 0, kind: 'kvm_mmu_get_page', vcpu, sp: id, gfn, level, mmu_valid_gen: k.mmu_valid_gen,
    root_count: 0, invalid: false, unsync: false, created: true,
  })
  return k.mmu_pages[id]!
}
