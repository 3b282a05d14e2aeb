import { describe, expect, it } from 'vitest'
import type { StateView } from '../../../electron/api/contract'
import { alignB, differenceCount, opOf, stateDifferences } from './compare-align'

describe('aligning B with A', () => {
  it('finds the operation a seq belongs to', () => {
    const ends = [3, 7, 7, 12]
    expect([0, 1, 3, 4, 7, 8, 12, 13].map((s) => opOf(ends, s))).toEqual([-1, 0, 0, 1, 1, 3, 3, -1])
  })
  it('keeps the position inside the operation, and the ends together', () => {
    const a = [3, 7]
    const b = [3, 10]
    expect(alignB(a, b, 5, null)).toMatchObject({ op: 1, seqB: 5, offsetA: 2, lenA: 4, lenB: 7 })
    expect(alignB(a, b, 7, null).seqB).toBe(10)
    expect(alignB(a, b, 5, 6).seqB).toBe(9)
    expect(alignB(a, b, 5, 99).seqB).toBe(10)
    expect(alignB(a, b, 0, null)).toMatchObject({ op: -1, seqB: 0 })
  })
})

const slot = (pgd: string | null, sp: number | null) => ({ pgd, hpa: sp === null ? null : `0x${sp}000`, sp })
const page = (sp: number, gfn: string, invalid = false) => ({
  sp, gfn, level: 4, root_count: 1, invalid, obsolete: invalid, mmu_valid_gen: 0, write_flooding_count: 0, unsync: false, active: !invalid, held_by: [],
})
function view(prev0: ReturnType<typeof slot>, pages: ReturnType<typeof page>[], requests: string[], inGuest = true): StateView {
  return {
    seq: 1, mmu_valid_gen: 0, n_used_mmu_pages: 1, n_max_mmu_pages: 64,
    vcpus: [{ id: 0, in_guest: inGuest, cr3: '0xa000', root: slot('0xa000', 1), prev_roots: [prev0, slot(null, null), slot(null, null)], requests: requests as never }],
    shadow_pages: pages, stats: {} as never, counters: {} as never, findings: 0,
  }
}

describe('what differs between the two kernels\' states', () => {
  it('marks a slot that holds a zombie on one side and is empty on the other, by what it holds (not its sp)', () => {
    const fixed = view(slot('0xb000', null), [page(1, '0xa')], [])
    const buggy = view(slot('0xb000', 2), [page(1, '0xa'), page(2, '0xb', true)], ['KVM_REQ_TLB_FLUSH'], false)
    const d = stateDifferences(fixed, buggy)
    expect([...d.a].sort()).toEqual(['vcpus[0].in_guest', 'vcpus[0].prev_roots[0]'])
    expect([...d.b].sort()).toEqual(['vcpus[0].in_guest', 'vcpus[0].prev_roots[0]', 'vcpus[0].requests.KVM_REQ_TLB_FLUSH'])
    expect(differenceCount(d)).toBe(3)
  })
  it('finds nothing when the roots are the same pages under other sp ids', () => {
    const a = view(slot('0xb000', 2), [page(1, '0xa'), page(2, '0xb')], [])
    const b = view(slot('0xb000', 7), [page(1, '0xa'), page(7, '0xb')], [])
    expect(differenceCount(stateDifferences(a, b))).toBe(0)
  })
})
