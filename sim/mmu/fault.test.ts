/**
 * Guest page faults under a shadow root: paging_tmpl.h FNAME(page_fault) -> mmu.c
 * is_page_fault_stale() -> make_mmu_pages_available() -> FNAME(fetch), which finds or creates the
 * non-root shadow pages of the walk (kvm_mmu_get_page()) and links them (link_shadow_page()).
 * The guest tables' gfns come from the guest's own page tables (guest_page_tables.ts).
 */
import { describe, expect, it } from 'vitest'
import { guest_table_gfn } from '../guest_page_tables'
import { POLICIES } from '../types'
import {
  create_lab, fault, flood, gfn, kinds, memslot, of_kind, root_page, run, switch_to, unprotect,
} from '../testing'

/** The gva whose walk uses indices (i4, i3, i2, i1) at levels 4..1. */
const gva = (i4: number, i3 = 0, i2 = 0, i1 = 0): number =>
  i4 * 2 ** 39 + i3 * 2 ** 30 + i2 * 2 ** 21 + i1 * 2 ** 12

describe('paging_tmpl.h FNAME(fetch): non-root shadow pages built by faults', () => {
  it('a fault under a root builds the level 3, 2 and 1 pages of the walk, each linked from its parent', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'))
    const sA = root_page(lab.kvm, 'A')
    const ts = lab.ops(fault(0, gva(1, 2, 3, 4)))
    expect(of_kind(ts, 'page_fault')).toMatchObject([{ stale: false, fixed: true }])
    const l3_gfn = guest_table_gfn(gfn('A'), 4, 1)
    const l2_gfn = guest_table_gfn(l3_gfn, 3, 2)
    const l1_gfn = guest_table_gfn(l2_gfn, 2, 3)
    const got = of_kind(ts, 'kvm_mmu_get_page')
    expect(got.map((t) => [t.gfn, t.level, t.created])).toEqual([[l3_gfn, 3, true], [l2_gfn, 2, true], [l1_gfn, 1, true]])
    expect(of_kind(ts, 'link_shadow_page').map((t) => [t.sp, t.index, t.child]))
      .toEqual([[sA.sp, 1, got[0]!.sp], [got[0]!.sp, 2, got[1]!.sp], [got[1]!.sp, 3, got[2]!.sp]])
    expect(lab.kvm.n_used_mmu_pages).toBe(4)
    expect(lab.kvm.stat.mmu_cache_miss).toBe(4)
    // Non-root pages are not roots: root_count stays 0.
    expect(got.map((t) => lab.kvm.mmu_pages[t.sp]!.root_count)).toEqual([0, 0, 0])
  })

  it('a second fault at the same address builds nothing new', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, gva(1, 2, 3, 4)))
    const ts = lab.ops(fault(0, gva(1, 2, 3, 4)))
    expect(of_kind(ts, 'page_fault')).toMatchObject([{ stale: false, fixed: true }])
    expect(kinds(ts)).not.toContain('kvm_mmu_get_page')
    expect(kinds(ts)).not.toContain('link_shadow_page')
    expect(lab.kvm.n_used_mmu_pages).toBe(4)
  })

  it('a fault in the same 2 MiB region reuses the level-1 page (one page table maps 512 4 KiB pages)', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, gva(1, 2, 3, 4)))
    const ts = lab.ops(fault(0, gva(1, 2, 3, 5)))
    expect(kinds(ts)).not.toContain('kvm_mmu_get_page')
  })

  it('kernel-half addresses share pages between processes: the second root links the existing level-3 page', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, gva(256, 1, 2, 3)), switch_to(1, 'B'))
    const shared = lab.kvm.mmu_pages[root_page(lab.kvm, 'A').spt[256]!]!
    const used = lab.kvm.n_used_mmu_pages
    const ts = lab.ops(fault(1, gva(256, 1, 2, 3)))
    expect(of_kind(ts, 'kvm_mmu_get_page')).toMatchObject([{ sp: shared.sp, level: 3, created: false }])
    expect(of_kind(ts, 'link_shadow_page')).toMatchObject([{ sp: root_page(lab.kvm, 'B').sp, index: 256, child: shared.sp }])
    expect(lab.kvm.n_used_mmu_pages).toBe(used)
  })

  it('user-half addresses of two processes use different guest tables, so different shadow pages', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, gva(1)), switch_to(1, 'B'))
    const ts = lab.ops(fault(1, gva(1)))
    expect(of_kind(ts, 'kvm_mmu_get_page').map((t) => t.created)).toEqual([true, true, true])
  })

  it('after a child page is zapped, the walk creates it again and relinks the still-valid grandchild', () => {
    // __kvm_mmu_prepare_zap_page() unlinks the zapped page from its parent and its children from
    // it; the children stay alive (parentless), so the next walk finds the level-2 page by hash.
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'), fault(0, gva(1, 2, 3, 4)))
    const got = of_kind(lab.transitions, 'kvm_mmu_get_page').filter((t) => t.level < 4)
    const [l3, l2] = [got[0]!, got[1]!]
    lab.ops(unprotect(l3.gfn))
    const ts = lab.ops(fault(0, gva(1, 2, 3, 4)))
    const again = of_kind(ts, 'kvm_mmu_get_page')
    expect(again.map((t) => [t.gfn, t.level, t.created])).toEqual([[l3.gfn, 3, true], [l2.gfn, 2, false]])
    expect(again[1]!.sp).toBe(l2.sp)
    expect(of_kind(ts, 'link_shadow_page').map((t) => t.child)).toEqual([again[0]!.sp, l2.sp])
  })
})

describe.each(POLICIES)('mmu.c is_page_fault_stale() [%s]', (policy) => {
  it('a fault on a vCPU whose current root another vCPU zapped is retried; after the next run it is fixed', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), flood(1, 'A'))
    const ts = lab.ops(fault(0, gva(1)))
    expect(of_kind(ts, 'page_fault')).toMatchObject([{ vcpu: 0, stale: true, fixed: false }])
    expect(kinds(ts)).not.toContain('kvm_mmu_get_page')
    expect(lab.kvm.counters.stale_faults).toBe(1)
    lab.ops(run(0))
    const retry = lab.ops(fault(0, gva(1)))
    expect(of_kind(retry, 'page_fault')).toMatchObject([{ vcpu: 0, stale: false, fixed: true }])
    expect(of_kind(retry, 'link_shadow_page')[0]).toMatchObject({ sp: root_page(lab.kvm, 'A').sp })
    expect(lab.kvm.counters.stale_faults).toBe(1)
  })

  it('a fault after a memslot change, before the next run, is retried (the root is of the old generation)', () => {
    const lab = create_lab(policy)
    lab.ops(switch_to(0, 'A'), memslot())
    expect(of_kind(lab.ops(fault(0, gva(1))), 'page_fault')).toMatchObject([{ stale: true }])
    lab.ops(run(0))
    expect(of_kind(lab.ops(fault(0, gva(1))), 'page_fault')).toMatchObject([{ stale: false, fixed: true }])
  })
})
