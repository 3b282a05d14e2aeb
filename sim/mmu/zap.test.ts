/**
 * Zapping shadow pages: __kvm_mmu_prepare_zap_page(), kvm_mmu_commit_zap_page(),
 * kvm_mmu_zap_all_fast() + kvm_zap_obsolete_pages(), kvm_mmu_unprotect_page(),
 * make_mmu_pages_available() + kvm_mmu_zap_oldest_mmu_pages(). Expected values come from mmu.c at
 * v5.18 (kvm-reference.md §2.5, §2.8, §2.9), with v5.17's KVM_REQ_MMU_RELOAD for reload-all.
 */
import { describe, expect, it } from 'vitest'
import { apply_transition } from '../apply'
import { KVM_MIN_ALLOC_MMU_PAGES, KVM_REFILL_PAGES } from '../constants'
import { active_list, kvm_create } from '../state'
import type { Transition } from '../transitions'
import { POLICIES, type Policy } from '../types'
import {
  create_lab, fault, fill_cache, findings, flood, gfn, kinds, memslot, of_kind, page_of, pending,
  root_counts, root_page, run, slots, switch_to, unprotect,
} from '../testing'

const ROOTS_REQUEST: Record<Policy, string> = {
  'reload-all': 'KVM_REQ_MMU_RELOAD',
  'free-obsolete-buggy': 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
  'free-obsolete': 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
}

/** A gva whose walk uses PML4 entry `i` (user half for i < 256). */
const pml4_gva = (i: number): number => i * 2 ** 39

/** vCPU 0: cur A, prev [B, C, D]; vCPU 1 runs E; vCPU 2 never ran. */
function three_vcpus(policy: Policy) {
  const lab = create_lab(policy, { vcpus: 3 })
  lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']), switch_to(1, 'E'))
  return lab
}

describe.each(POLICIES)('mmu.c __kvm_mmu_prepare_zap_page() [%s]', (policy) => {
  it('an in-use root (root_count > 0) leaves active_mmu_pages, stays counted, and every vCPU is asked to drop it', () => {
    const lab = three_vcpus(policy)
    const sC = root_page(lab.kvm, 'C')
    const ts = lab.ops(flood(1, 'C'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{
      sp: sC.sp, gfn: gfn('C'), level: 4, root_count: 1, invalid: false, reason: 'flooded', zapped_root: true,
    }])
    expect(of_kind(ts, 'kvm_make_all_cpus_request').map((t) => t.request)).toEqual([ROOTS_REQUEST[policy]])
    // ALL vCPUs get it, including one that never ran and one that does not hold the root.
    for (const v of [0, 1, 2]) expect(pending(lab.kvm, v, ROOTS_REQUEST[policy] as never)).toBe(true)
    const page = lab.kvm.mmu_pages[sC.sp]!
    expect(page).toMatchObject({ root_count: 1, on_active_list: false, role: { invalid: true } })
    expect(active_list(lab.kvm)).not.toContain(sC.sp)
    expect(lab.kvm.mmu_page_hash[gfn('C')]).toEqual([sC.sp])
    // n_used_mmu_pages drops only on the root_count == 0 branch.
    expect(lab.kvm.n_used_mmu_pages).toBe(5)
    expect(lab.kvm.stat.mmu_shadow_zapped).toBe(1)
    // unaccount_shadowed(): the gfn is no longer write-tracked.
    expect(lab.kvm.indirect_shadow_pages).toBe(4)
    // Nothing went to the invalid_list, so there is no commit and no remote TLB flush.
    expect(kinds(ts)).not.toContain('kvm_mmu_commit_zap_page')
    expect(lab.kvm.stat.remote_tlb_flush).toBe(0)
  })

  it('a page at root_count 0 goes to the invalid_list: n_used_mmu_pages drops, it is freed at the commit, no roots request', () => {
    const lab = three_vcpus(policy)
    lab.ops(switch_to(0, 'F')) // evicts D: a valid ex-root at root_count 0
    const sD = root_page(lab.kvm, 'D')
    const used = lab.kvm.n_used_mmu_pages
    const ts = lab.ops(unprotect('D'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: sD.sp, root_count: 0, zapped_root: false }])
    expect(of_kind(ts, 'kvm_make_all_cpus_request').map((t) => t.request)).toEqual(['KVM_REQ_TLB_FLUSH'])
    expect(kinds(ts).slice(-3)).toEqual(['kvm_mmu_commit_zap_page', 'kvm_make_all_cpus_request', 'kvm_mmu_free_page'])
    expect(lab.kvm.n_used_mmu_pages).toBe(used - 1)
    expect(lab.kvm.mmu_pages[sD.sp]).toBeUndefined()
  })
})

describe.each(['free-obsolete-buggy', 'free-obsolete'] as const)('mmu.c __kvm_mmu_prepare_zap_page() request ordering [%s]', (policy) => {
  it('makes KVM_REQ_MMU_FREE_OBSOLETE_ROOTS only after the root is marked invalid', () => {
    // "Make the request to free obsolete roots after marking the root invalid, otherwise other
    // vCPUs may not see it as invalid." Replay the stream and look at the state just before it.
    const lab = three_vcpus(policy)
    const sC = root_page(lab.kvm, 'C')
    lab.ops(flood(1, 'C'))
    const replay = kvm_create({ vcpus: 3, n_max_mmu_pages: lab.kvm.n_max_mmu_pages })
    let checked = false
    for (const t of lab.transitions) {
      if (t.kind === 'kvm_make_all_cpus_request' && t.request === 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS') {
        expect(replay.mmu_pages[sC.sp]!.role.invalid).toBe(true)
        checked = true
      }
      apply_transition(replay, t)
    }
    expect(checked).toBe(true)
  })
})

describe('mmu.c kvm_mmu_commit_zap_page()', () => {
  it('flushes remote TLBs once, asks every vCPU for KVM_REQ_TLB_FLUSH, kicks those in guest mode, and frees the pages', () => {
    const lab = create_lab('free-obsolete', { vcpus: 2 })
    lab.ops(switch_to(0, 'A'), fault(0, pml4_gva(1)), switch_to(1, 'B'), run(0))
    const l3 = lab.kvm.mmu_pages[root_page(lab.kvm, 'A').spt[1]!]!
    expect(l3.role.level).toBe(3)
    expect(lab.kvm.vcpus.map((v) => v.in_guest)).toEqual([true, true])
    const ts = lab.ops(unprotect(l3.gfn))
    expect(of_kind(ts, 'kvm_mmu_commit_zap_page')).toMatchObject([{ nr: 1 }])
    expect(lab.kvm.stat.remote_tlb_flush).toBe(1)
    expect([0, 1].map((v) => pending(lab.kvm, v, 'KVM_REQ_TLB_FLUSH'))).toEqual([true, true])
    expect(lab.kvm.vcpus.map((v) => v.in_guest)).toEqual([false, false])
    expect(lab.kvm.mmu_pages[l3.sp]).toBeUndefined()
    expect(lab.kvm.mmu_page_hash[l3.gfn]).toBeUndefined()
    expect(active_list(lab.kvm)).not.toContain(l3.sp)
  })

  // virt/kvm/kvm_main.c kvm_flush_remote_tlbs() (v5.18):
  //     ++kvm->stat.generic.remote_tlb_flush_requests;
  //     if (!kvm_arch_flush_remote_tlb(kvm) || kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH))
  //             ++kvm->stat.generic.remote_tlb_flush;
  // On x86 without Hyper-V kvm_arch_flush_remote_tlb() is -ENOTSUPP, so remote_tlb_flush counts
  // only when kvm_make_all_cpus_request() kicked someone: kvm_kick_many_cpus() returns false for an
  // empty mask, and a vCPU is put in the mask only if kvm_request_needs_ipi() (not
  // OUTSIDE_GUEST_MODE, for a KVM_REQUEST_WAIT request). The request bits are still set on all
  // vCPUs.
  it('a commit while no vCPU is in guest mode kicks nobody, so remote_tlb_flush does not count it', () => {
    const lab = create_lab('free-obsolete', { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']), switch_to(0, 'E'), switch_to(1, 'F'))
    lab.ops({ op: 'cr3', vcpu: 0, pgd: 0xa000 }, { op: 'cr3', vcpu: 1, pgd: 0xa000 }) // both exit
    expect(lab.kvm.vcpus.map((v) => v.in_guest)).toEqual([false, false])
    lab.ops(unprotect('D')) // D: root_count 0, goes to the invalid_list
    expect([0, 1].map((v) => pending(lab.kvm, v, 'KVM_REQ_TLB_FLUSH'))).toEqual([true, true])
    expect(lab.kvm.stat.remote_tlb_flush).toBe(0)
  })

  it('with an empty invalid_list it does nothing (no flush)', () => {
    const lab = three_vcpus('free-obsolete')
    const ts = lab.ops(flood(1, 'C')) // an in-use root: not put on the invalid_list
    expect(kinds(ts)).not.toContain('kvm_mmu_commit_zap_page')
    expect(pending(lab.kvm, 0, 'KVM_REQ_TLB_FLUSH')).toBe(false)
  })
})

describe.each(POLICIES)('mmu.c kvm_mmu_zap_all_fast() + kvm_zap_obsolete_pages() [%s]', (policy) => {
  /** vCPU 0: cur A (with a walk built under it), prev [B]; vCPU 1 runs C. */
  function with_pages() {
    const lab = create_lab(policy, { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B']), fault(0, pml4_gva(1)), switch_to(1, 'C'), fault(1, pml4_gva(2)))
    expect(slots(lab.kvm, 0)).toBe('A | B - -')
    return lab
  }

  it('toggles mmu_valid_gen between 0 and 1; the trace prints the old generation and n_used_mmu_pages', () => {
    const lab = with_pages()
    const used = lab.kvm.n_used_mmu_pages
    const first = lab.ops(memslot('delete'))
    expect(of_kind(first, 'kvm_mmu_zap_all_fast')).toMatchObject([{ mmu_valid_gen: 0, used_pages: used }])
    expect(lab.kvm.mmu_valid_gen).toBe(1)
    const second = lab.ops(memslot('move'))
    expect(of_kind(second, 'kvm_mmu_zap_all_fast')).toMatchObject([{ mmu_valid_gen: 1 }])
    expect(lab.kvm.mmu_valid_gen).toBe(0)
  })

  it('zaps every page oldest first with one roots request; in-use roots wait for their last reference', () => {
    const lab = with_pages()
    const created = of_kind(lab.transitions, 'kvm_mmu_get_page').filter((t) => t.created).map((t) => t.sp)
    const ts = lab.ops(memslot())
    const zaps = of_kind(ts, 'kvm_mmu_prepare_zap_page')
    expect(zaps.map((t) => t.sp)).toEqual(created)
    expect(zaps.every((t) => t.reason === 'obsolete' && !t.zapped_root)).toBe(true)
    // The only roots request is kvm_mmu_zap_all_fast()'s own: an obsolete root makes none.
    expect(of_kind(ts, 'kvm_make_all_cpus_request').map((t) => t.request))
      .toEqual([ROOTS_REQUEST[policy], 'KVM_REQ_TLB_FLUSH'])
    expect(of_kind(ts, 'kvm_mmu_commit_zap_page')).toHaveLength(1)
    // Roots A, B and C are held by slots: invalid, alive, still counted. Everything else is gone.
    expect(root_counts(lab.kvm)).toEqual({ 'A!': 1, 'B!': 1, 'C!': 1 })
    expect(Object.keys(lab.kvm.mmu_pages)).toHaveLength(3)
    expect(lab.kvm.n_used_mmu_pages).toBe(3)
    expect(active_list(lab.kvm)).toEqual([])
  })

  it('every vCPU drops every root on its next run and loads a fresh one', () => {
    const lab = with_pages()
    lab.ops(memslot())
    expect(slots(lab.kvm, 0)).toBe('A! | B! - -')
    lab.ops(run(0), run(1))
    expect(slots(lab.kvm, 0)).toBe('A | (B) - -')
    expect(slots(lab.kvm, 1)).toBe('C | - - -')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, C: 1 })
    expect(Object.values(lab.kvm.mmu_pages).every((p) => p.mmu_valid_gen === 1 && !p.role.invalid)).toBe(true)
    expect(lab.kvm.n_used_mmu_pages).toBe(2)
    expect(findings(lab.transitions)).toEqual([])
  })
})

describe('mmu.c kvm_mmu_unprotect_page()', () => {
  it('zaps the valid page of the gfn and skips an invalid (zombie) page of the same gfn', () => {
    const lab = three_vcpus('free-obsolete-buggy')
    lab.ops(flood(1, 'C'), run(0)) // v5.18.0 keeps sC as a zombie in vCPU 0's prev_roots[1]
    const zombie = Object.values(lab.kvm.mmu_pages).find((p) => p.gfn === gfn('C'))!
    lab.ops(switch_to(2, 'C'))
    const fresh = root_page(lab.kvm, 'C')
    expect(fresh.sp).not.toBe(zombie.sp)
    const ts = lab.ops(unprotect('C'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: fresh.sp, reason: 'unprotect', zapped_root: true }])
    expect(lab.kvm.mmu_pages[zombie.sp]).toMatchObject({ root_count: 1, role: { invalid: true } })
  })

  it('zaps every valid page of the gfn at once: an in-use root is zapped and every vCPU asked to drop it', () => {
    const lab = three_vcpus('free-obsolete')
    const sA = root_page(lab.kvm, 'A')
    const ts = lab.ops(unprotect('A'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: sA.sp, root_count: 1, reason: 'unprotect' }])
    expect(lab.kvm.mmu_pages[sA.sp]!.role.invalid).toBe(true)
    expect(lab.kvm.stat.mmu_flooded).toBe(0)
    expect([0, 1, 2].map((v) => pending(lab.kvm, v, 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'))).toEqual([true, true, true])
  })

  it('a gfn with no valid shadow page: nothing is zapped', () => {
    const lab = three_vcpus('free-obsolete')
    const ts = lab.ops(unprotect(0x5))
    expect(kinds(ts)).toEqual(['kvm_mmu_unprotect_page'])
  })
})

describe.each(POLICIES)('mmu.c make_mmu_pages_available() / kvm_mmu_zap_oldest_mmu_pages() [%s]', (policy) => {
  it('recycles the oldest pages first, never one with root_count > 0, and counts mmu_recycled', () => {
    const lab = create_lab(policy, { vcpus: 1, n_max_mmu_pages: KVM_MIN_ALLOC_MMU_PAGES })
    // A..E in turn: A is evicted from the cache (root_count 0, still valid); B..E are cached.
    lab.ops(['A', 'B', 'C', 'D', 'E'].flatMap((l) => switch_to(0, l)))
    expect(slots(lab.kvm, 0)).toBe('E | D C B')
    expect(root_counts(lab.kvm)).toEqual({ A: 0, B: 1, C: 1, D: 1, E: 1 })
    // Each fault through a new PML4 entry builds levels 3, 2 and 1. Fill to n_used 62 (avail 2).
    let i = 1
    while (lab.kvm.n_max_mmu_pages - lab.kvm.n_used_mmu_pages >= 5) lab.ops(fault(0, pml4_gva(i++)))
    const avail = lab.kvm.n_max_mmu_pages - lab.kvm.n_used_mmu_pages
    expect(lab.kvm.n_used_mmu_pages).toBe(62)
    // Allocation order, from the kvm_mmu_get_page "new" events: the FIFO order of active_mmu_pages.
    const created = of_kind(lab.transitions, 'kvm_mmu_get_page').filter((t) => t.created).map((t) => t.sp)
    const pinned = new Set(['B', 'C', 'D', 'E'].map((l) => root_page(lab.kvm, l).sp))
    const nr_to_zap = KVM_REFILL_PAGES - avail
    const expected = created.filter((sp) => !pinned.has(sp)).slice(0, nr_to_zap)
    expect(expected[0]).toBe(root_page(lab.kvm, 'A').sp)

    const ts = lab.ops(fault(0, pml4_gva(i)))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page').map((t) => t.sp)).toEqual(expected)
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page').every((t) => t.reason === 'recycled' && t.root_count === 0)).toBe(true)
    expect(of_kind(ts, 'kvm_mmu_zap_oldest_mmu_pages')).toMatchObject([{ nr_to_zap, total_zapped: nr_to_zap }])
    expect(of_kind(ts, 'make_mmu_pages_available')).toMatchObject([{ avail, result: 0 }])
    expect(lab.kvm.stat.mmu_recycled).toBe(nr_to_zap)
    // Recycling a valid ex-root makes no roots request; one commit, one remote flush.
    expect(of_kind(ts, 'kvm_make_all_cpus_request').map((t) => t.request)).toEqual(['KVM_REQ_TLB_FLUSH'])
    expect(root_counts(lab.kvm)).toEqual({ B: 1, C: 1, D: 1, E: 1 })
    expect(slots(lab.kvm, 0)).toBe('E | D C B')
    // The fault then built its three pages.
    expect(lab.kvm.n_used_mmu_pages).toBe(62 - nr_to_zap + 3)
  })

  it('returns -ENOSPC when every page is a root in use: kvm_mmu_load() fails and the vCPU does not enter', () => {
    // 16 vCPUs x 4 root slots pin 64 = n_max_mmu_pages root pages; nothing is recyclable.
    const lab = create_lab(policy, { vcpus: 17, n_max_mmu_pages: KVM_MIN_ALLOC_MMU_PAGES })
    const pgd_of = (n: number): number => (0x100 + n) * 0x1000
    for (let v = 0; v < 16; v++) {
      for (let j = 0; j < 4; j++) lab.ops({ op: 'cr3', vcpu: v, pgd: pgd_of(v * 4 + j) }, run(v))
    }
    expect(lab.kvm.n_used_mmu_pages).toBe(64)
    expect(Object.values(lab.kvm.mmu_pages).every((p) => p.root_count === 1)).toBe(true)
    const ts = lab.ops({ op: 'cr3', vcpu: 16, pgd: pgd_of(64) }, run(16))
    expect(of_kind(ts, 'kvm_mmu_zap_oldest_mmu_pages')).toMatchObject([{ total_zapped: 0 }])
    expect(of_kind(ts, 'make_mmu_pages_available')).toMatchObject([{ avail: 0, result: -28 }])
    expect(kinds(ts)).not.toContain('kvm_mmu_get_page')
    expect(kinds(ts)).not.toContain('vcpu_enter_guest')
    expect(lab.kvm.vcpus[16]!.in_guest).toBe(false)
    expect(lab.kvm.vcpus[16]!.root_mmu.root.hpa).toBe(-1)
  })

  it('does nothing while at least KVM_MIN_FREE_MMU_PAGES are available', () => {
    const lab = create_lab(policy, { vcpus: 1, n_max_mmu_pages: KVM_MIN_ALLOC_MMU_PAGES })
    const ts: Transition[] = lab.ops(switch_to(0, 'A'), fault(0, pml4_gva(1)))
    expect(kinds(ts)).not.toContain('kvm_mmu_zap_oldest_mmu_pages')
    expect(page_of(lab.kvm, gfn('A'))).toBeDefined()
  })
})
