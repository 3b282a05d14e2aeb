/**
 * Root slots: kvm_mmu_new_pgd() / fast_pgd_switch() and the prev_roots LRU, kvm_mmu_load() /
 * mmu_alloc_root(), kvm_mmu_free_roots() / mmu_free_root_page(), kvm_mmu_free_obsolete_roots()
 * in its v5.18.0 (buggy) and fixed forms. Expected values come from mmu.c at v5.18
 * (kvm-reference.md §2.2–§2.6, §3), not from the model's output.
 *
 * Slots are written "cur | prev0 prev1 prev2" by PGD letter (sim/testing.ts describe_slot):
 * 'C!' = a valid slot holding an invalid (zapped) page, '(C)' = hpa INVALID_PAGE with stale pgd C,
 * '(0)' = current root freed (pgd 0), '-' = never used.
 */
import { describe, expect, it } from 'vitest'
import { KVM_MMU_ROOT_CURRENT, KVM_MMU_ROOT_PREVIOUS } from '../constants'
import { POLICIES } from '../types'
import {
  create_lab, cr3, fill_cache, findings, flood, gfn, kinds, memslot, of_kind, pending, root_counts,
  root_page, run, slots, switch_to,
} from '../testing'

/** vCPU 0: cur A, prev [B, C, D]; every root page at root_count 1. */
function cached_abcd(policy: (typeof POLICIES)[number], vcpus = 2) {
  const lab = create_lab(policy, { vcpus })
  lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']))
  return lab
}

// The "current root is usable" hit of cached_root_find_and_keep_current() (no rotation) cannot be
// reached through operations: kvm_set_cr3() calls kvm_mmu_new_pgd() only when CR3 changes, and a
// VALID current root always has pgd == CR3 (a switch either hits, making root.pgd the new CR3, or
// misses, leaving root.hpa INVALID). x86.test.ts pins the unchanged-CR3 path instead.
describe.each(POLICIES)('mmu.c cached_root_find_and_keep_current() via kvm_mmu_new_pgd() [%s]', (policy) => {
  it('fills the cache MRU-first: each miss rotates the old current root into prev_roots[0]', () => {
    const lab = cached_abcd(policy)
    expect(slots(lab.kvm, 0)).toBe('A | B C D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 1 })
  })

  it('a hit in prev_roots[0] swaps it with the current root (0 C 1 2) and changes no root_count', () => {
    const lab = cached_abcd(policy)
    const ts = lab.ops(cr3(0, 'B'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: true, index: 0, keep_current: true }])
    expect(slots(lab.kvm, 0)).toBe('B | A C D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 1 })
    expect(of_kind(ts, 'mmu_free_root_page')).toEqual([])
    // kvm_mmu_new_pgd(): a hit requests KVM_REQ_LOAD_MMU_PGD; the root is not reloaded.
    expect(pending(lab.kvm, 0, 'KVM_REQ_LOAD_MMU_PGD')).toBe(true)
    expect(kinds(lab.ops(run(0)))).not.toContain('kvm_mmu_load')
    expect(lab.kvm.counters.fast_pgd_switch_hits).toBe(1)
  })

  it('a hit in prev_roots[1] makes the old current MRU and shifts prev_roots[0] down (1 C 0 2)', () => {
    const lab = cached_abcd(policy)
    const ts = lab.ops(cr3(0, 'C'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: true, index: 1, keep_current: true }])
    expect(slots(lab.kvm, 0)).toBe('C | A B D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 1 })
  })

  it('a hit in prev_roots[2] rotates the whole cache (2 C 0 1)', () => {
    const lab = cached_abcd(policy)
    const ts = lab.ops(cr3(0, 'D'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: true, index: 2, keep_current: true }])
    expect(slots(lab.kvm, 0)).toBe('D | A B C')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 1 })
  })

  it('a miss rotates the old LRU into current and frees it: its root_count drops, it stays cached', () => {
    const lab = cached_abcd(policy)
    const sD = root_page(lab.kvm, 'D')
    const ts = lab.ops(cr3(0, 'E'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: false, index: 3, keep_current: true }])
    // kvm_mmu_free_roots(KVM_MMU_ROOT_CURRENT) on the evicted LRU: root = {pgd 0, hpa INVALID}.
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toMatchObject([{ mmu: 0, roots_to_free: KVM_MMU_ROOT_CURRENT }])
    expect(of_kind(ts, 'mmu_free_root_page')).toMatchObject([{ slot: 0, sp: sD.sp, root_count: 0 }])
    expect(slots(lab.kvm, 0)).toBe('(0) | A B C')
    expect(lab.kvm.vcpus[0]!.root_mmu.root).toEqual({ pgd: 0, hpa: -1 })
    // A valid page at root_count 0 is not zapped: still on active_mmu_pages, still counted.
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
    expect(lab.kvm.mmu_pages[sD.sp]).toMatchObject({ root_count: 0, on_active_list: true, role: { invalid: false } })
    expect(lab.kvm.n_used_mmu_pages).toBe(4)
    // A miss makes no KVM_REQ_LOAD_MMU_PGD: kvm_mmu_reload() loads E at the next entry.
    expect(pending(lab.kvm, 0, 'KVM_REQ_LOAD_MMU_PGD')).toBe(false)
    const entry = lab.ops(run(0))
    expect(of_kind(entry, 'kvm_mmu_get_page')).toMatchObject([{ gfn: gfn('E'), level: 4, created: true }])
    expect(slots(lab.kvm, 0)).toBe('E | A B C')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 0, E: 1 })
  })

  it('a miss while the cache is not full evicts an empty slot and frees nothing', () => {
    const lab = create_lab(policy)
    lab.ops(fill_cache(0, ['A', 'B']))
    expect(slots(lab.kvm, 0)).toBe('A | B - -')
    const ts = lab.ops(cr3(0, 'C'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: false, keep_current: true }])
    // kvm_mmu_free_roots() returns before taking the lock: no selected slot holds a VALID hpa.
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toEqual([])
    expect(of_kind(ts, 'mmu_free_root_page')).toEqual([])
    expect(slots(lab.kvm, 0)).toBe('- | A B -')
  })
})

describe.each(POLICIES)('mmu.c cached_root_find_without_current() via kvm_mmu_new_pgd() [%s]', (policy) => {
  /** vCPU 0: current root INVALID (a miss to E not yet loaded), prev [A, B, C]. */
  function without_current() {
    const lab = cached_abcd(policy)
    lab.ops(cr3(0, 'E'))
    expect(slots(lab.kvm, 0)).toBe('(0) | A B C')
    return lab
  }

  it('a hit in prev_roots[0] swaps it in, bubbles the rest up and invalidates the last slot keeping its pgd', () => {
    const lab = without_current()
    const ts = lab.ops(cr3(0, 'A'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: true, index: 0, keep_current: false }])
    expect(slots(lab.kvm, 0)).toBe('A | B C (C)')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 0 })
    expect(of_kind(ts, 'mmu_free_root_page')).toEqual([])
    expect(kinds(lab.ops(run(0)))).not.toContain('kvm_mmu_load')
  })

  it('a hit in prev_roots[1] bubbles prev_roots[2] up and leaves its stale pgd behind', () => {
    const lab = without_current()
    lab.ops(cr3(0, 'B'))
    expect(slots(lab.kvm, 0)).toBe('B | A C (C)')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 0 })
  })

  it('a hit in prev_roots[2] leaves the old current (pgd 0) in the last slot with hpa INVALID', () => {
    const lab = without_current()
    lab.ops(cr3(0, 'C'))
    expect(slots(lab.kvm, 0)).toBe('C | A B (0)')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 0 })
  })

  it('a miss changes nothing: no rotation, no free, no KVM_REQ_LOAD_MMU_PGD', () => {
    const lab = without_current()
    const ts = lab.ops(cr3(0, 'F'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: false, index: 3, keep_current: false }])
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toEqual([])
    expect(slots(lab.kvm, 0)).toBe('(0) | A B C')
    expect(pending(lab.kvm, 0, 'KVM_REQ_LOAD_MMU_PGD')).toBe(false)
  })
})

describe.each(POLICIES)('mmu.c kvm_mmu_load() / mmu_alloc_root() [%s]', (policy) => {
  it('the first entry with a new CR3 creates the root page: mmu_cache_miss, root_count 1, gfn write-tracked', () => {
    const lab = create_lab(policy)
    const ts = lab.ops(switch_to(0, 'A'))
    expect(kinds(ts).filter((k) => k === 'kvm_mmu_load' || k === 'kvm_mmu_get_page' || k === 'mmu_alloc_root'))
      .toEqual(['kvm_mmu_load', 'kvm_mmu_get_page', 'mmu_alloc_root'])
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ gfn: gfn('A'), level: 4, created: true, root_count: 0 }])
    expect(slots(lab.kvm, 0)).toBe('A | - - -')
    expect(root_counts(lab.kvm)).toEqual({ A: 1 })
    expect(lab.kvm.n_used_mmu_pages).toBe(1)
    expect(lab.kvm.stat.mmu_cache_miss).toBe(1)
    expect(lab.kvm.indirect_shadow_pages).toBe(1)
    expect(lab.kvm.counters.root_loads).toBe(1)
  })

  it('two vCPUs with the same CR3 share one root page with root_count 2', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'))
    const ts = lab.ops(switch_to(1, 'A'))
    const sA = root_page(lab.kvm, 'A')
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ sp: sA.sp, created: false, root_count: 1 }])
    expect(of_kind(ts, 'mmu_alloc_root')).toMatchObject([{ vcpu: 1, sp: sA.sp }])
    expect(root_counts(lab.kvm)).toEqual({ A: 2 })
    expect(slots(lab.kvm, 0)).toBe('A | - - -')
    expect(slots(lab.kvm, 1)).toBe('A | - - -')
    expect(lab.kvm.n_used_mmu_pages).toBe(1)
    expect(lab.kvm.stat.mmu_cache_miss).toBe(1)
  })

  it('kvm_mmu_reload() does not load when the current root is valid', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'))
    expect(kinds(lab.ops(run(0)))).not.toContain('kvm_mmu_load')
    expect(lab.kvm.counters.root_loads).toBe(1)
  })
})

describe.each(POLICIES)('mmu.c kvm_mmu_free_roots() / mmu_free_root_page() [%s]', (policy) => {
  it('a valid root page at root_count 0 stays cached and a later load reuses it as "existing"', () => {
    const lab = cached_abcd(policy)
    lab.ops(switch_to(0, 'E')) // evicts D: root_count 0, still valid
    const sD = root_page(lab.kvm, 'D')
    const misses = lab.kvm.stat.mmu_cache_miss
    // D is no longer cached in a slot: a miss (evicting C), then kvm_mmu_load() finds sD in the hash.
    const ts = lab.ops(switch_to(0, 'D'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: false }])
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ sp: sD.sp, created: false, root_count: 0 }])
    expect(lab.kvm.stat.mmu_cache_miss).toBe(misses)
    expect(slots(lab.kvm, 0)).toBe('D | E A B')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 0, D: 1, E: 1 })
    expect(lab.kvm.stat.mmu_shadow_zapped).toBe(0)
  })

  it('the current root freed by a miss gets pgd 0 (root = {0, INVALID_PAGE})', () => {
    const lab = cached_abcd(policy)
    lab.ops(cr3(0, 'E'))
    expect(lab.kvm.vcpus[0]!.root_mmu.root).toEqual({ pgd: 0, hpa: -1 })
  })

  it('an evicted LRU root that is invalid is zapped a second time and freed at the commit', () => {
    // vCPU 0 caches C at the LRU end; vCPU 1 (running E) floods C, so sC is zapped while cached.
    const lab = create_lab(policy)
    lab.ops(fill_cache(0, ['A', 'B', 'D', 'C']), switch_to(1, 'E'))
    expect(slots(lab.kvm, 0)).toBe('A | B D C')
    const sC = root_page(lab.kvm, 'C')
    lab.ops(flood(1, 'C'))
    expect(lab.kvm.mmu_pages[sC.sp]).toMatchObject({ root_count: 1, role: { invalid: true } })
    expect(lab.kvm.stat.mmu_shadow_zapped).toBe(1)
    // vCPU 0 switches CR3 before handling the request (it does not run): a miss evicts the LRU, sC.
    const used = lab.kvm.n_used_mmu_pages
    const ts = lab.ops(cr3(0, 'F'))
    expect(slots(lab.kvm, 0)).toBe('(0) | A B D')
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([
      { sp: sC.sp, invalid: true, root_count: 0, reason: 'free_root', zapped_root: false },
    ])
    expect(of_kind(ts, 'kvm_mmu_free_page')).toMatchObject([{ sp: sC.sp }])
    expect(lab.kvm.mmu_pages[sC.sp]).toBeUndefined()
    expect(lab.kvm.stat.mmu_shadow_zapped).toBe(2)
    expect(lab.kvm.n_used_mmu_pages).toBe(used - 1)
  })
})

describe('mmu.c kvm_mmu_unload() (reload-all: KVM_REQ_MMU_RELOAD)', () => {
  it('frees the prev roots first, then the current root; every slot keeps its stale pgd, current gets pgd 0', () => {
    const lab = cached_abcd('reload-all')
    lab.ops(switch_to(1, 'E'), flood(1, 'C'))
    const sC = lab.kvm.mmu_pages[Object.values(lab.kvm.mmu_pages).find((p) => p.gfn === gfn('C'))!.sp]!
    const ts = lab.ops(run(0))
    expect(checked_roots_request(ts)).toEqual(['KVM_REQ_MMU_RELOAD'])
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toMatchObject([{ mmu: 0, roots_to_free: 0xf }])
    expect(of_kind(ts, 'mmu_free_root_page').map((t) => t.slot)).toEqual([1, 2, 3, 0])
    // sC dropped to root_count 0 while invalid: zapped again, freed. The valid ones stay cached.
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: sC.sp, invalid: true, reason: 'free_root' }])
    expect(of_kind(ts, 'kvm_mmu_free_page')).toMatchObject([{ sp: sC.sp }])
    expect(lab.kvm.stat.mmu_shadow_zapped).toBe(2)
    // kvm_mmu_reload() then loads A again, "existing".
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ gfn: gfn('A'), created: false }])
    expect(slots(lab.kvm, 0)).toBe('A | (B) (C) (D)')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 0, D: 0, E: 1 })
  })
})

function checked_roots_request(ts: ReturnType<ReturnType<typeof create_lab>['ops']>): string[] {
  return of_kind(ts, 'kvm_check_request').map((t) => t.request)
    .filter((r) => r === 'KVM_REQ_MMU_RELOAD' || r === 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS')
}

describe('mmu.c kvm_mmu_free_obsolete_roots() (free-obsolete, with fix cf4a8693d97a)', () => {
  it('frees exactly the obsolete prev root; the freed slot keeps its stale pgd; no reload', () => {
    const lab = cached_abcd('free-obsolete')
    lab.ops(switch_to(1, 'E'), flood(1, 'C'))
    const sC = Object.values(lab.kvm.mmu_pages).find((p) => p.gfn === gfn('C'))!
    const ts = lab.ops(run(0))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ vcpu: 0, roots_to_free: KVM_MMU_ROOT_PREVIOUS(1) }])
    expect(of_kind(ts, 'mmu_free_root_page')).toMatchObject([{ slot: 2, sp: sC.sp, root_count: 0 }])
    expect(of_kind(ts, 'kvm_mmu_free_page')).toMatchObject([{ sp: sC.sp }])
    expect(kinds(ts)).not.toContain('kvm_mmu_load')
    expect(slots(lab.kvm, 0)).toBe('A | B (C) D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, D: 1, E: 1 })
    expect(findings(lab.transitions)).toEqual([])
  })

  it('a vCPU with no obsolete root frees nothing', () => {
    const lab = cached_abcd('free-obsolete')
    lab.ops(switch_to(1, 'E'), flood(1, 'C'))
    const ts = lab.ops(run(1))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ vcpu: 1, roots_to_free: 0 }])
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toEqual([])
    expect(slots(lab.kvm, 1)).toBe('E | - - -')
  })

  it('when the current root is obsolete, frees only the current root and reloads it; prev roots survive', () => {
    const lab = cached_abcd('free-obsolete')
    lab.ops(switch_to(1, 'E'), flood(1, 'A'))
    const ts = lab.ops(run(0))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ roots_to_free: KVM_MMU_ROOT_CURRENT }])
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ gfn: gfn('A'), created: true }])
    expect(slots(lab.kvm, 0)).toBe('A | B C D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, C: 1, D: 1, E: 1 })
  })
})

describe('mmu.c __kvm_mmu_free_obsolete_roots() in v5.18.0 (free-obsolete-buggy, 527d5cd7eece)', () => {
  it('keeps a zapped prev root as a zombie while the current root is fine, and the finding says so', () => {
    const lab = cached_abcd('free-obsolete-buggy')
    lab.ops(switch_to(1, 'E'), flood(1, 'C'))
    const ts = lab.ops(run(0))
    // The prev-roots loop tests mmu->root.hpa (sA, fine): the mask is 0.
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ vcpu: 0, roots_to_free: 0 }])
    expect(of_kind(ts, 'kvm_mmu_free_roots')).toEqual([])
    expect(slots(lab.kvm, 0)).toBe('A | B C! D')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, 'C!': 1, D: 1, E: 1 })
    expect(findings(ts)).toEqual(['obsolete_root_kept@0'])
    expect(of_kind(ts, 'finding')[0]).toMatchObject({ slot: 2 })
    // The zombie is off active_mmu_pages but still hashed and still counted in n_used_mmu_pages.
    const zombie = Object.values(lab.kvm.mmu_pages).find((p) => p.gfn === gfn('C'))!
    expect(zombie.on_active_list).toBe(false)
    expect(lab.kvm.mmu_page_hash[gfn('C')]).toEqual([zombie.sp])
    expect(lab.kvm.n_used_mmu_pages).toBe(5)
    // The request was consumed: nothing retries.
    expect(pending(lab.kvm, 0, 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS')).toBe(false)
  })

  it('a switch back to the zombie\'s PGD misses, creates a second page for the gfn, and the zombie becomes the LRU', () => {
    const lab = cached_abcd('free-obsolete-buggy')
    lab.ops(switch_to(1, 'E'), flood(1, 'C'), run(0))
    const zombie = Object.values(lab.kvm.mmu_pages).find((p) => p.gfn === gfn('C'))!
    // kvm-reference §3.3: is_root_usable() fails on the invalid role, so the rotation runs through
    // the cache and frees the old LRU, sD: prev = [A, B, C!].
    const ts = lab.ops(switch_to(0, 'C'))
    expect(of_kind(ts, 'fast_pgd_switch')).toMatchObject([{ hit: false }])
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ gfn: gfn('C'), created: true }])
    expect(slots(lab.kvm, 0)).toBe('C | A B C!')
    expect(root_counts(lab.kvm)).toEqual({ A: 1, B: 1, 'C!': 1, "C": 1, D: 0, E: 1 })
    // The next miss evicts the zombie: its second zap, and it is freed.
    const next = lab.ops(cr3(0, 'F'))
    expect(of_kind(next, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: zombie.sp, invalid: true, reason: 'free_root' }])
    expect(of_kind(next, 'kvm_mmu_free_page')).toMatchObject([{ sp: zombie.sp }])
    expect(slots(lab.kvm, 0)).toBe('(0) | C A B')
  })

  it('when the current root is obsolete, all three prev roots are dropped too', () => {
    const lab = cached_abcd('free-obsolete-buggy')
    lab.ops(switch_to(1, 'E'), flood(1, 'A'))
    const ts = lab.ops(run(0))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ roots_to_free: 0xf }])
    expect(of_kind(ts, 'mmu_free_root_page').map((t) => t.slot)).toEqual([1, 2, 3, 0])
    expect(slots(lab.kvm, 0)).toBe('A | (B) (C) (D)')
    // The valid prev roots just lose a reference and stay cached as pages.
    expect(root_counts(lab.kvm)).toEqual({ B: 0, C: 0, D: 0, E: 1, A: 1 })
    expect(findings(ts)).toEqual([])
  })

  it('with the current root INVALID, obsolete prev roots survive even a memslot change', () => {
    // mmu->root.hpa is INVALID_PAGE, so is_obsolete_root(kvm, mmu->root.hpa) is false for every i.
    const lab = cached_abcd('free-obsolete-buggy')
    lab.ops(cr3(0, 'E'), memslot())
    const ts = lab.ops(run(0))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{ roots_to_free: 0 }])
    expect(slots(lab.kvm, 0)).toBe('E | A! B! C!')
    expect(findings(ts)).toEqual(['obsolete_root_kept@0'])
  })

  it('the fixed handler frees those same obsolete prev roots', () => {
    const lab = cached_abcd('free-obsolete')
    lab.ops(cr3(0, 'E'), memslot())
    const ts = lab.ops(run(0))
    expect(of_kind(ts, 'kvm_mmu_free_obsolete_roots')).toMatchObject([{
      roots_to_free: KVM_MMU_ROOT_PREVIOUS(0) | KVM_MMU_ROOT_PREVIOUS(1) | KVM_MMU_ROOT_PREVIOUS(2),
    }])
    expect(slots(lab.kvm, 0)).toBe('E | (A) (B) (C)')
    expect(root_counts(lab.kvm)).toEqual({ E: 1 })
    expect(findings(ts)).toEqual([])
  })
})
