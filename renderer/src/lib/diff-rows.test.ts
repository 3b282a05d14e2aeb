import { describe, expect, it } from 'vitest'
import { kvm_create } from '../../../sim/state'
import { state_view } from '../../../sim/view'
import { diffRows, pageText } from './diff-rows'

const after = state_view(kvm_create({ vcpus: 2, n_max_mmu_pages: 64 }), 5, { pages: 'roots' })

describe('the inspector\'s before/after rows', () => {
  it('shows a freed slot as one row, from its sp and pgd to INVALID_PAGE with the stale pgd', () => {
    after.vcpus[1]!.prev_roots[0] = { pgd: '0x1004000', hpa: null, sp: null }
    const rows = diffRows([
      { path: 'vcpus[1].prev_roots[0].hpa', before: '0x100008000', after: null },
      { path: 'vcpus[1].prev_roots[0].sp', before: 8, after: null },
    ], after)
    expect(rows).toEqual([{
      label: 'vCPU 1 prev_roots[0]', before: 'sp 8 · pgd 0x1004000', after: 'INVALID_PAGE (stale pgd 0x1004000)',
      paths: ['vcpus[1].prev_roots[0].hpa', 'vcpus[1].prev_roots[0].sp'],
    }])
  })
  it('summarizes a new shadow page in one line instead of a JSON object', () => {
    const page = { sp: 12, gfn: '0xa', level: 4, root_count: 0, invalid: false, obsolete: false, mmu_valid_gen: 0, write_flooding_count: 0, unsync: false, active: true, held_by: [] }
    const [row] = diffRows([{ path: 'shadow_pages[12]', before: null, after: page }], after)
    expect(row).toMatchObject({ label: 'sp 12', before: '— (none)', after: 'sp 12 · gfn 0xa · level 4 · root_count 0' })
    expect(pageText({ ...page, invalid: true, active: false })).toBe('sp 12 · gfn 0xa · level 4 · root_count 0 · invalid · off the active list')
  })
  it('words guest mode and requests as the cards do, and groups numbers', () => {
    const rows = diffRows([
      { path: 'vcpus[0].in_guest', before: true, after: false },
      { path: 'vcpus[0].requests', before: [], after: ['KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'] },
      { path: 'stats.mmu_shadow_zapped', before: 1234, after: 1235 },
      { path: 'shadow_pages[3].invalid', before: false, after: true },
    ], after)
    expect(rows.map((r) => [r.label, r.before, r.after])).toEqual([
      ['vCPU 0 guest mode', 'in guest', 'out of guest'],
      ['vCPU 0 requests', 'none', 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'],
      ['stats.mmu_shadow_zapped', '1,234', '1,235'],
      ['sp 3 invalid', 'false', 'true'],
    ])
  })
})
