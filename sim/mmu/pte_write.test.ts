/**
 * Emulated guest writes to write-protected page-table pages: paging_tmpl.h
 * page_fault_handle_page_track() + shadow_page_table_clear_flood(), then mmu.c
 * kvm_mmu_pte_write() with detect_write_flooding() (kvm-reference.md §2.11, §7). The flooding
 * count is reset by every use of the page: a kvm_mmu_get_page() hit, kvm_mmu_new_pgd() on a cached
 * root hit, and the fault walk (clear_sp_write_flooding_count()).
 */
import { describe, expect, it } from 'vitest'
import { POLICIES } from '../types'
import {
  cr3, create_lab, fault, fill_cache, flood, gfn, kinds, of_kind, page_of, pending, pt_write,
  root_page, switch_to,
} from '../testing'

const pml4_gva = (i: number): number => i * 2 ** 39

describe.each(POLICIES)('mmu.c kvm_mmu_pte_write() / detect_write_flooding() [%s]', (policy) => {
  it('the 3rd emulated write to a level >= 2 page with no use in between zaps it (mmu_flooded)', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'))
    const sA = root_page(lab.kvm, 'A')
    const first = lab.ops(pt_write(1, 'A'), pt_write(1, 'A'))
    // The writer, in guest mode, exits to KVM for the emulation.
    expect(first[0]).toMatchObject({ kind: 'kvm_exit', vcpu: 1, reason: 'pt_write' })
    expect(of_kind(first, 'detect_write_flooding').map((t) => t.write_flooding_count)).toEqual([1, 2])
    expect(kinds(first)).not.toContain('kvm_mmu_prepare_zap_page')
    expect(lab.kvm.mmu_pages[sA.sp]!.write_flooding_count).toBe(2)
    const third = lab.ops(pt_write(1, 'A'))
    expect(of_kind(third, 'detect_write_flooding')).toMatchObject([{ sp: sA.sp, write_flooding_count: 3 }])
    expect(of_kind(third, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: sA.sp, reason: 'flooded' }])
    expect(lab.kvm.stat).toMatchObject({ mmu_pte_write: 3, mmu_flooded: 1, mmu_shadow_zapped: 1 })
  })

  it('a vCPU\'s writes to its own current root\'s page never flood it: shadow_page_table_clear_flood() clears the root first', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'))
    const ts = lab.ops(flood(0, 'A'), pt_write(0, 'A'), pt_write(0, 'A'))
    expect(of_kind(ts, 'detect_write_flooding').map((t) => t.write_flooding_count)).toEqual([1, 1, 1, 1, 1])
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
    expect(lab.kvm.stat).toMatchObject({ mmu_pte_write: 5, mmu_flooded: 0 })
  })

  it('a flooded root that no slot holds (root_count 0) is freed at once, with no roots request', () => {
    const lab = create_lab(policy)
    lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']), switch_to(0, 'E')) // evicts D
    const sD = root_page(lab.kvm, 'D')
    const ts = lab.ops(flood(0, 'D'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ sp: sD.sp, root_count: 0, zapped_root: false }])
    expect(of_kind(ts, 'kvm_mmu_free_page')).toMatchObject([{ sp: sD.sp }])
    expect(of_kind(ts, 'kvm_make_all_cpus_request').map((t) => t.request)).toEqual(['KVM_REQ_TLB_FLUSH'])
  })
})

describe('mmu.c detect_write_flooding(): level-1 pages', () => {
  it('a level-1 shadow page never floods ("Skip write-flooding detected for the sp whose level is 1")', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, pml4_gva(1)), switch_to(1, 'B'))
    const l1 = Object.values(lab.kvm.mmu_pages).find((p) => p.role.level === 1)!
    const ts = lab.ops(flood(1, l1.gfn), pt_write(1, l1.gfn), pt_write(1, l1.gfn))
    expect(of_kind(ts, 'detect_write_flooding').filter((t) => t.sp === l1.sp)).toEqual([])
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
    expect(lab.kvm.mmu_pages[l1.sp]!.role.invalid).toBe(false)
  })

  // In v5.18 account_shadowed() write-tracks a gfn
  // (kvm_slot_page_track_add_page(KVM_PAGE_TRACK_WRITE)) only for sp->role.level > PG_LEVEL_4K;
  // a level-1 sp's gfn is only write-protected, and unaccount_shadowed() mirrors this. A guest
  // write to a gfn shadowed only at level 1 therefore does not take the page-track path
  // (page_fault_handle_page_track() is false): the fault unsyncs the sp
  // (mmu_try_to_unsync_pages() -> kvm_unsync_page(), ++mmu_unsync) and the write completes without
  // emulation, so kvm_mmu_pte_write() never runs (the lab does not model unsync: nothing happens).
  it('a write to a gfn shadowed only by a level-1 page is not emulated (account_shadowed() tracks level > 4K only)', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, pml4_gva(1)), switch_to(1, 'B'))
    const l1 = Object.values(lab.kvm.mmu_pages).find((p) => p.role.level === 1)!
    const before = lab.kvm.stat.mmu_pte_write
    const ts = lab.ops(pt_write(1, l1.gfn))
    expect(of_kind(ts, 'kvm_mmu_pte_write')).toEqual([])
    expect(lab.kvm.stat.mmu_pte_write).toBe(before)
  })
})

describe('mmu.c kvm_mmu_pte_write(): writes that do not trap', () => {
  it('a write to a gfn no shadow page write-tracks does not trap: no transitions, mmu_pte_write unchanged', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'))
    const ts = lab.ops(pt_write(0, 0x5))
    expect(ts).toEqual([])
    expect(lab.kvm.stat.mmu_pte_write).toBe(0)
    expect(lab.kvm.vcpus[0]!.in_guest).toBe(true)
  })

  it('once a page is zapped its gfn is no longer tracked (unaccount_shadowed()): the next write does not trap', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), flood(1, 'A'))
    expect(lab.kvm.indirect_shadow_pages).toBe(1)
    const ts = lab.ops(pt_write(1, 'A'))
    expect(ts).toEqual([])
    expect(lab.kvm.stat.mmu_pte_write).toBe(3)
  })
})

describe('mmu.c __clear_sp_write_flooding_count(): a use of the page resets the count', () => {
  it('a kvm_mmu_get_page() hit (another vCPU loading the root) resets it', () => {
    const lab = create_lab('free-obsolete', { vcpus: 3 })
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), pt_write(1, 'A'), pt_write(1, 'A'))
    const sA = root_page(lab.kvm, 'A')
    expect(sA.write_flooding_count).toBe(2)
    const load = lab.ops(switch_to(2, 'A'))
    expect(of_kind(load, 'kvm_mmu_get_page')).toMatchObject([{ sp: sA.sp, created: false }])
    expect(lab.kvm.mmu_pages[sA.sp]!.write_flooding_count).toBe(0)
    const ts = lab.ops(pt_write(1, 'A'))
    expect(of_kind(ts, 'detect_write_flooding')).toMatchObject([{ sp: sA.sp, write_flooding_count: 1 }])
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
  })

  it('kvm_mmu_new_pgd() on a fast_pgd_switch hit resets the new root\'s count', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(fill_cache(0, ['A', 'B']), switch_to(1, 'E'), pt_write(1, 'B'), pt_write(1, 'B'))
    const sB = root_page(lab.kvm, 'B')
    expect(sB.write_flooding_count).toBe(2)
    const sw = lab.ops(cr3(0, 'B'))
    expect(of_kind(sw, 'fast_pgd_switch')).toMatchObject([{ hit: true, index: 0 }])
    expect(lab.kvm.mmu_pages[sB.sp]!.write_flooding_count).toBe(0)
    const ts = lab.ops(pt_write(1, 'B'))
    expect(of_kind(ts, 'detect_write_flooding')).toMatchObject([{ sp: sB.sp, write_flooding_count: 1 }])
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
  })

  it('a fault walk through the root resets it (FNAME(fetch): clear_sp_write_flooding_count())', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), pt_write(1, 'A'), pt_write(1, 'A'))
    const sA = root_page(lab.kvm, 'A')
    lab.ops(fault(0, pml4_gva(1)))
    expect(lab.kvm.mmu_pages[sA.sp]!.write_flooding_count).toBe(0)
    const ts = lab.ops(pt_write(1, 'A'))
    expect(of_kind(ts, 'detect_write_flooding')).toMatchObject([{ sp: sA.sp, write_flooding_count: 1 }])
    expect(lab.kvm.mmu_pages[sA.sp]!.role.invalid).toBe(false)
  })

  it('a fault walk resets the level-3 and level-2 pages it passes through', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, pml4_gva(1)), switch_to(1, 'B'))
    const l3 = lab.kvm.mmu_pages[root_page(lab.kvm, 'A').spt[1]!]!
    const l2 = Object.values(lab.kvm.mmu_pages).find((p) => p.role.level === 2)!
    lab.ops(pt_write(1, l3.gfn), pt_write(1, l3.gfn), pt_write(1, l2.gfn), pt_write(1, l2.gfn))
    expect([l3.write_flooding_count, l2.write_flooding_count]).toEqual([2, 2])
    lab.ops(fault(0, pml4_gva(1)))
    expect([lab.kvm.mmu_pages[l3.sp]!.write_flooding_count, lab.kvm.mmu_pages[l2.sp]!.write_flooding_count]).toEqual([0, 0])
    const ts = lab.ops(pt_write(1, l3.gfn), pt_write(1, l2.gfn))
    expect(kinds(ts)).not.toContain('kvm_mmu_prepare_zap_page')
  })

  it('without a use in between, writes from different vCPUs add up', () => {
    const lab = create_lab('free-obsolete', { vcpus: 3 })
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), switch_to(2, 'C'))
    const ts = lab.ops(pt_write(1, 'A'), pt_write(2, 'A'), pt_write(1, 'A'))
    expect(of_kind(ts, 'kvm_mmu_prepare_zap_page')).toMatchObject([{ gfn: gfn('A'), reason: 'flooded' }])
    expect(pending(lab.kvm, 0, 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS')).toBe(true)
    expect(page_of(lab.kvm, gfn('A'))).toBeUndefined()
  })
})
