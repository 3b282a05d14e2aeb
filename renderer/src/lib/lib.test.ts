import { describe, expect, it } from 'vitest'
import type { StateView } from '../../../electron/api/contract'
import { changedPaths, slotLabel, slotPath } from './changed-paths'
import { fieldValue } from './format'
import { RowWindow } from './row-window'
import { momentLink, momentQuery, parseMoment } from './url-state'

describe('a link to a moment', () => {
  it('reads the file and seq of the URL', () => {
    expect(parseMoment('?file=%2Ftmp%2Fa.rootlab&seq=42')).toEqual({ file: '/tmp/a.rootlab', seq: 42 })
    expect(parseMoment('?seq=abc')).toEqual({ file: null, seq: null })
    expect(parseMoment('')).toEqual({ file: null, seq: null })
  })

  it('writes them back, keeping other parameters, and as a rootlab:// link', () => {
    expect(momentQuery({ file: '/tmp/a.rootlab', seq: 7 }, '?theme=dark')).toBe('?theme=dark&file=%2Ftmp%2Fa.rootlab&seq=7')
    expect(parseMoment(momentQuery({ file: '/x y.rootlab', seq: 0 }))).toEqual({ file: '/x y.rootlab', seq: 0 })
    expect(momentLink({ file: '/a', seq: 3 })).toBe('rootlab://open?file=%2Fa&seq=3')
  })
})

describe('what changed', () => {
  it('marks a path and every prefix', () => {
    const s = changedPaths([{ path: 'vcpus[1].prev_roots[0].sp', before: 3, after: null }])
    expect([...s].sort()).toEqual(['vcpus', 'vcpus[1]', 'vcpus[1].prev_roots', 'vcpus[1].prev_roots[0]', 'vcpus[1].prev_roots[0].sp'])
    expect(slotPath(1, 0)).toBe('vcpus[1].root')
    expect(slotPath(1, 1)).toBe('vcpus[1].prev_roots[0]')
    expect(slotLabel(0)).toBe('current root')
    expect(slotLabel(3)).toBe('prev_roots[2]')
  })

  it('prints addresses in hex as the kernel does', () => {
    expect(fieldValue('gfn', 4100)).toBe('0x1004')
    expect(fieldValue('pgd', 0x1000000)).toBe('0x1000000')
    expect(fieldValue('sp', 12)).toBe('12')
  })
})

describe('RowWindow', () => {
  it('fetches rows a page at a time and keeps at most maxPages pages', async () => {
    const asked: number[] = []
    const w = new RowWindow<number>(async (index, limit) => {
      asked.push(index)
      return Array.from({ length: limit }, (_, i) => index + i)
    }, 100, 3)
    expect(w.get(250)).toBeUndefined()
    await w.ensure(250, 250)
    expect(w.get(250)).toBe(250)
    for (const p of [0, 5, 9, 1000]) await w.ensure(p * 100, p * 100)
    expect(w.size).toBeLessThanOrEqual(3)
    expect(asked).toEqual([200, 0, 500, 900, 100000])
    expect(w.get(100_050)).toBe(100_050)
  })

  it('drops pages that were on their way when the filter changed', async () => {
    let resolve!: (rows: number[]) => void
    const w = new RowWindow<number>(() => new Promise((r) => { resolve = r }), 10, 4)
    w.get(0)
    w.reset()
    resolve([1, 2, 3])
    await new Promise((r) => setTimeout(r, 0))
    expect(w.size).toBe(0)
  })
})

describe('diffStates', () => {
  const slot = (sp: number | null) => ({ pgd: sp === null ? null : '0x1000', hpa: sp === null ? null : '0x10', sp })
  const page = (sp: number, invalid = false) => ({
    sp, gfn: '0x1', level: 4, root_count: 1, invalid, obsolete: invalid, mmu_valid_gen: 0,
    write_flooding_count: 0, unsync: false, active: !invalid, held_by: [], in_roots_scope: true,
  })
  const state = (over: Partial<StateView> = {}): StateView => ({
    seq: 1, root_level: 4, mmu_valid_gen: 0, n_used_mmu_pages: 1, n_max_mmu_pages: 64, findings: 0,
    vcpus: [{ id: 0, in_guest: false, cr3: '0x1000', root: slot(1), prev_roots: [slot(null), slot(null), slot(null)], requests: [] }],
    shadow_pages: [page(1)], stats: { mmu_shadow_zapped: 0 } as StateView['stats'], counters: {} as StateView['counters'], ...over,
  })

  it('names what a step changed with the diff request\'s paths', async () => {
    const { diffStates } = await import('./state-diff')
    const a = state()
    const b = state({
      seq: 2,
      vcpus: [{ ...a.vcpus[0]!, requests: ['KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'], prev_roots: [slot(1), slot(null), slot(null)] }],
      shadow_pages: [page(1, true), page(2)],
      stats: { mmu_shadow_zapped: 1 } as StateView['stats'],
    })
    const paths = diffStates(a, b)!.map((e) => e.path)
    expect(paths).toEqual(expect.arrayContaining([
      'vcpus[0].prev_roots[0].pgd', 'vcpus[0].prev_roots[0].sp', 'vcpus[0].requests',
      'shadow_pages[1].invalid', 'shadow_pages[2]', 'stats.mmu_shadow_zapped',
    ]))
    expect(paths).not.toContain('vcpus[0].root.sp')
    expect(diffStates(a, a)).toEqual([])
  })

  it('compares root-scoped views within the scope: no page reported gone because it was not listed', async () => {
    const { diffStates } = await import('./state-diff')
    const lower = (sp: number, held_by: string[] = []) => ({ ...page(sp), level: 1, gfn: '0x99', held_by, in_roots_scope: held_by.length > 0 })
    // a full view (the Shadow pages tab was open), then a root-scoped one of the same pages
    const full = state({ shadow_pages: [page(1), lower(5), lower(6)] })
    const roots = state({ seq: 2, shadow_pages: [page(1)], shadow_pages_scope: 'roots', shadow_pages_total: 3 })
    expect(diffStates(full, roots)).toEqual([])
    expect(diffStates(roots, full)).toEqual([])
    // a root-level page freed or created is still seen, as is a change of a listed page
    const after = state({ seq: 3, shadow_pages: [page(1, true), page(2)], shadow_pages_scope: 'roots', shadow_pages_total: 4 })
    expect(diffStates(roots, after)!.map((e) => e.path)).toEqual(expect.arrayContaining(['shadow_pages[1].invalid', 'shadow_pages[2]']))
    const gone = state({ seq: 4, shadow_pages: [], shadow_pages_scope: 'roots', shadow_pages_total: 2 })
    expect(diffStates(roots, gone)).toEqual([{ path: 'shadow_pages[1]', before: page(1), after: null }])
    // a lower page held by a slot, then not listed: freed or just unheld? the caller must ask
    const held = state({ seq: 5, shadow_pages: [page(1), lower(5, ['0:1'])], shadow_pages_scope: 'roots', shadow_pages_total: 3 })
    expect(diffStates(held, roots)).toBeNull()
    expect(diffStates(roots, held)).toBeNull()
    // a view without pages cannot be compared
    expect(diffStates(roots, state({ shadow_pages: [], shadow_pages_scope: 'none', shadow_pages_total: 3 }))).toBeNull()
  })
})
