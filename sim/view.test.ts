/**
 * state_view's page scopes: `roots` lists exactly the pages a root slot holds or of the root
 * level, each as `all` lists it; `none` lists none; `all` (the default) is the `inspect --json`
 * shape, without the scope fields.
 */
import { describe, expect, it } from 'vitest'
import { PT64_ROOT_4LEVEL } from './constants'
import { create_lab, fault, fill_cache, flood, switch_to } from './testing'
import { in_roots_scope, state_view } from './view'

/** A VM with cached roots on two vCPUs, lower-level pages from faults, and a zapped root. */
function busy_lab() {
  const lab = create_lab('free-obsolete', { vcpus: 2 })
  lab.ops(fill_cache(0, ['A', 'B', 'C']), switch_to(1, 'D'), fault(1, 0x40_0000), fault(0, 0x80_0000))
  lab.ops(flood(1, 'B'), switch_to(1, 'E'), fault(1, 0x1234_5000))
  return lab
}

describe('state_view page scopes', () => {
  it('lists every page by default, as before (no scope fields)', () => {
    const k = busy_lab().kvm
    const v = state_view(k, 7)
    expect(v.shadow_pages.map((p) => p.sp)).toEqual(Object.values(k.mmu_pages).map((p) => p.sp).sort((a, b) => a - b))
    expect(v).not.toHaveProperty('shadow_pages_scope')
    expect(v).not.toHaveProperty('shadow_pages_total')
    expect(state_view(k, 7, { pages: 'all' })).toEqual(v)
  })

  it('roots: only the pages held by a root slot or of the root level, as `all` shows them', () => {
    const k = busy_lab().kvm
    const all = state_view(k, 7)
    const roots = state_view(k, 7, { pages: 'roots' })
    // the scope really is smaller: the faults built lower-level pages
    expect(all.shadow_pages.some((p) => p.level < PT64_ROOT_4LEVEL)).toBe(true)
    expect(roots.shadow_pages).toEqual(all.shadow_pages.filter(in_roots_scope))
    expect(roots.shadow_pages.length).toBeLessThan(all.shadow_pages.length)
    // every page a vCPU card shows is there
    const held = all.vcpus.flatMap((v) => [v.root, ...v.prev_roots]).map((s) => s.sp).filter((sp) => sp !== null)
    expect(held.length).toBeGreaterThan(0)
    for (const sp of held) expect(roots.shadow_pages.some((p) => p.sp === sp)).toBe(true)
    expect(roots.shadow_pages_scope).toBe('roots')
    expect(roots.shadow_pages_total).toBe(all.shadow_pages.length)
    // everything but the page list is the same
    const { shadow_pages: _a, ...restAll } = all
    const { shadow_pages: _r, shadow_pages_scope: _s, shadow_pages_total: _t, ...restRoots } = roots
    expect(restRoots).toEqual(restAll)
  })

  it('none: no page list, the count kept', () => {
    const k = busy_lab().kvm
    const v = state_view(k, 7, { pages: 'none' })
    expect(v.shadow_pages).toEqual([])
    expect(v.shadow_pages_scope).toBe('none')
    expect(v.shadow_pages_total).toBe(Object.keys(k.mmu_pages).length)
  })
})
