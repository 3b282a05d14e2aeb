/**
 * Creating the initial state, and the small kernel helpers over it (to_shadow_page,
 * is_obsolete_sp, ...). Pure: no I/O, no clocks.
 */
import {
  INVALID_PAGE, KVM_MMU_NUM_PREV_ROOTS, PAGE_SIZE, SPT_HPA_BASE,
} from './constants'
import type { kvm, kvm_mmu, kvm_mmu_page, kvm_mmu_root_info, kvm_vcpu, VmParams } from './types'

/** KVM_MMU_ROOT_INFO_INVALID: pgd and hpa both INVALID_PAGE. */
export function root_info_invalid(): kvm_mmu_root_info {
  return { pgd: INVALID_PAGE, hpa: INVALID_PAGE }
}

function mmu_create(): kvm_mmu {
  const prev_roots: kvm_mmu_root_info[] = []
  for (let i = 0; i < KVM_MMU_NUM_PREV_ROOTS; i++) prev_roots.push(root_info_invalid())
  return { root: root_info_invalid(), prev_roots }
}

function vcpu_create(vcpu_id: number): kvm_vcpu {
  return {
    vcpu_id, cr3: 0, requests: 0, in_guest: false,
    root_mmu: mmu_create(), guest_mmu: mmu_create(),
  }
}

/**
 * An empty table keyed by sparse integers (shadow page ids, gfns). Ids only grow (next_sp) while
 * about n_max_mmu_pages of them are live, so V8 would turn such an object from an array-like
 * into a hash table partway through a run, and every optimized function that had read it
 * (to_shadow_page, kvm_mmu_get_page, ...: 26 of them in a 1M-transition recording) would be
 * thrown away and compiled again. A key at or above 2^29, added and deleted, makes it a hash
 * table from the start, for good. Contents, key order and JSON are the same.
 */
function sparse_table<T>(): Record<number, T> {
  const t: Record<number, T> = {}
  t[2 ** 29] = undefined as T
  delete t[2 ** 29]
  return t
}

/** A new VM: no shadow pages, every root slot INVALID, mmu_valid_gen 0. */
export function kvm_create(params: VmParams): kvm {
  const vcpus: kvm_vcpu[] = []
  for (let i = 0; i < params.vcpus; i++) vcpus.push(vcpu_create(i))
  return {
    mmu_valid_gen: 0,
    mmu_pages: sparse_table(),
    mmu_page_hash: sparse_table(),
    active_mmu_pages: [],
    n_used_mmu_pages: 0,
    n_max_mmu_pages: params.n_max_mmu_pages,
    indirect_shadow_pages: 0,
    next_sp: 1,
    stat: {
      mmu_shadow_zapped: 0, mmu_pte_write: 0, mmu_flooded: 0, mmu_cache_miss: 0,
      mmu_recycled: 0, mmu_unsync: 0, remote_tlb_flush: 0,
    },
    counters: {
      root_loads: 0, vcpu_unloads: 0, roots_freed: 0, fast_pgd_switch_hits: 0,
      fast_pgd_switch_misses: 0, stale_faults: 0, findings: 0,
    },
    vcpus,
  }
}

function clone_mmu(m: kvm_mmu): kvm_mmu {
  return { root: { ...m.root }, prev_roots: m.prev_roots.map((r) => ({ ...r })) }
}

function clone_page(p: kvm_mmu_page): kvm_mmu_page {
  return { ...p, role: { ...p.role }, spt: { ...p.spt } }
}

/** A deep copy (states are plain data; this is faster than a generic structured clone). */
export function clone_kvm(k: kvm): kvm {
  const mmu_pages: Record<number, kvm_mmu_page> = {}
  for (const id in k.mmu_pages) mmu_pages[id as unknown as number] = clone_page(k.mmu_pages[id]!)
  const mmu_page_hash: Record<number, number[]> = {}
  for (const gfn in k.mmu_page_hash) mmu_page_hash[gfn as unknown as number] = [...k.mmu_page_hash[gfn]!]
  return {
    ...k,
    mmu_pages,
    mmu_page_hash,
    active_mmu_pages: [...k.active_mmu_pages],
    stat: { ...k.stat },
    counters: { ...k.counters },
    vcpus: k.vcpus.map((v) => ({ ...v, root_mmu: clone_mmu(v.root_mmu), guest_mmu: clone_mmu(v.guest_mmu) })),
  }
}

export const VALID_PAGE = (hpa: number): boolean => hpa !== INVALID_PAGE

/** __pa(sp->spt) for shadow page id `sp`. */
export function sp_hpa(sp: number): number {
  return SPT_HPA_BASE + sp * PAGE_SIZE
}

/** The id of the shadow page whose table is at `hpa` (the inverse of sp_hpa). */
export function hpa_sp(hpa: number): number {
  return (hpa - SPT_HPA_BASE) / PAGE_SIZE
}

/** mmu.c to_shadow_page(): the shadow page of a valid root hpa, or undefined. */
export function to_shadow_page(k: kvm, hpa: number): kvm_mmu_page | undefined {
  if (hpa === INVALID_PAGE) return undefined
  return k.mmu_pages[hpa_sp(hpa)]
}

/** mmu.c is_obsolete_sp(): invalid, or from the previous mmu_valid_gen. */
export function is_obsolete_sp(k: kvm, sp: kvm_mmu_page): boolean {
  return sp.role.invalid || sp.mmu_valid_gen !== k.mmu_valid_gen
}

/**
 * A root slot by number: 0 = mmu->root, 1 + i = mmu->prev_roots[i] (the bit positions of
 * KVM_MMU_ROOT_CURRENT and KVM_MMU_ROOT_PREVIOUS(i)).
 */
export function mmu_slot(mmu: kvm_mmu, slot: number): kvm_mmu_root_info {
  return slot === 0 ? mmu.root : mmu.prev_roots[slot - 1]!
}

/** Name of a slot for messages: "root", "prev_roots[1]". */
export function slot_name(slot: number): string {
  return slot === 0 ? 'root' : `prev_roots[${slot - 1}]`
}

/** vcpu->arch.root_mmu (mmu 0) or vcpu->arch.guest_mmu (mmu 1). */
export function vcpu_mmu(v: kvm_vcpu, mmu: number): kvm_mmu {
  return mmu === 0 ? v.root_mmu : v.guest_mmu
}

/** Hex with 0x, as the kernel's tracepoints and the CLI print addresses. */
export function hex(n: number): string {
  return '0x' + n.toString(16)
}

/**
 * kvm->arch.active_mmu_pages as the kernel's list holds it: the ids of the pages on it, oldest
 * first (skipping ids whose page was taken off; see kvm.active_mmu_pages).
 */
export function active_list(k: kvm): number[] {
  return k.active_mmu_pages.filter((id) => k.mmu_pages[id]?.on_active_list === true)
}

/**
 * Sweeps ids of pages no longer on the list out of kvm.active_mmu_pages once they outnumber the
 * pages that may be on it (n_used_mmu_pages bounds those). Deterministic, so a replay sweeps at
 * the same transitions as the model.
 */
export function compact_active_list(k: kvm): void {
  if (k.active_mmu_pages.length > 2 * k.n_used_mmu_pages + 64) k.active_mmu_pages = active_list(k)
}
