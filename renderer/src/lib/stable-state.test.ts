import { describe, expect, it } from 'vitest'
import { kvm_create } from '../../../sim/state'
import { state_view } from '../../../sim/view'
import { shareUnchanged } from './stable-state'

describe('sharing the unchanged parts of two states', () => {
  it('keeps the previous vCPU and page objects that are equal, and takes the changed ones', () => {
    const a = state_view(kvm_create({ vcpus: 3, n_max_mmu_pages: 64 }), 1)
    const b = JSON.parse(JSON.stringify(a)) as typeof a
    b.seq = 2
    b.vcpus[1]!.in_guest = true
    const s = shareUnchanged(a, b)
    expect(s.seq).toBe(2)
    expect(s.vcpus[0]).toBe(a.vcpus[0])
    expect(s.vcpus[2]).toBe(a.vcpus[2])
    expect(s.vcpus[1]).toBe(b.vcpus[1])
    expect(s).toEqual(b)
  })
  it('shares pages by sp and replaces a page whose root_count moved', () => {
    const page = (sp: number, rc: number) => ({
      sp, gfn: '0xa', level: 4, root_count: rc, invalid: false, obsolete: false, mmu_valid_gen: 0,
      write_flooding_count: 0, unsync: false, active: true, held_by: ['0:0'],
    })
    const a = { ...state_view(kvm_create({ vcpus: 1, n_max_mmu_pages: 64 }), 1), shadow_pages: [page(1, 1), page(2, 1)] }
    const b = { ...a, seq: 2, shadow_pages: [page(1, 1), page(2, 2), page(3, 0)] }
    const s = shareUnchanged(a, b)
    expect(s.shadow_pages[0]).toBe(a.shadow_pages[0])
    expect(s.shadow_pages[1]).toBe(b.shadow_pages[1])
    expect(s.shadow_pages[2]).toBe(b.shadow_pages[2])
  })
})
