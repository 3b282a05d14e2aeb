import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import type { SessionInfo } from '../../../electron/api/contract'
import { installBridge, setLab } from '../api/lab'
import { fakeBridge, type FakeBridge } from '../test-support'
import { useBookmarkStore } from './bookmarks'
import { opEndedAt, useCompareStore } from './compare'
import { useCursorStore } from './cursor'
import { faultSlot } from './findings'
import { useSelectionStore } from './selection'
import { useSessionStore } from './session'
import { useTimelineStore } from './timeline'

const INFO = { session: 's1', path: '/tmp/a.rootlab', transitions: 1000, vcpus: 2, policy: 'free-obsolete' }
let bridge: FakeBridge

beforeEach(async () => {
  setActivePinia(createPinia())
  setLab(null)
  bridge = fakeBridge({ openDefaultSession: () => INFO })
  installBridge(bridge)
  await useSessionStore().openDefault()
})

describe('useCompareStore', () => {
  it('finds the operation a seq is in', () => {
    const ends = [3, 7, 7, 12]
    expect(opEndedAt(ends, 0)).toBe(-1)
    expect(opEndedAt(ends, 3)).toBe(0)
    expect(opEndedAt(ends, 6)).toBe(0)
    expect(opEndedAt(ends, 7)).toBe(2)
    expect(opEndedAt(ends, 99)).toBe(3)
  })

  it('locks B to A by operation and position, ends together, and lets B step inside the operation', async () => {
    bridge.handlers.compare = () => ({
      a: {}, b: {}, diverged_at_op: 1, diverged_at: { a: 7, b: 9 }, diverged_at_transition: { a: 6, b: 8, index: 0 },
      stats_delta: {}, counters_delta: {}, op_end_seq: { a: [3, 7, 12], b: [3, 9, 15] },
    })
    bridge.handlers.stateAt = (a) => ({ seq: a.seq })
    bridge.handlers.transitions = (a) => [{ seq: a.from, op: 0, kind: 'kvm_exit', vcpu: 0 }]
    const c = useCompareStore()
    const cursor = useCursorStore()
    await c.open(INFO as unknown as SessionInfo, { ...INFO, session: 's2' } as unknown as SessionInfo)
    expect(c.divergenceSeqA).toBe(6)
    // A at seq 8: the first transition of op 2 (after 7); B after its first transition of op 2 (after 9)
    cursor.seq = 8
    await c.follow(8)
    expect([c.opIndex, c.offsetA, c.lenA, c.lenB, c.seqB]).toEqual([2, 1, 5, 6, 10])
    expect(c.stateB?.seq).toBe(10)
    expect(bridge.calls.find((x) => x.name === 'stateAt' && x.args.seq === 10)?.args).toEqual({ session: 's2', seq: 10, pages: 'roots' })
    // A at the end of op 2 (12): B at the end of its op 2 (15), though B's op is longer
    await c.follow(12)
    expect(c.seqB).toBe(15)
    // B steps back inside the operation on its own; A's moves inside it keep B where it is
    cursor.seq = 12
    await c.stepB(-2)
    expect([c.seqB, c.offsetB, c.posB]).toEqual([13, 4, 4])
    await c.follow(9)
    expect(c.seqB).toBe(13)
    // leaving the operation: B follows A again
    await c.follow(3)
    expect([c.opIndex, c.seqB, c.offsetB]).toEqual([0, 3, null])
    // the first divergence: A to seq 6 (op 1), B pinned to seq 8 in its op 1
    bridge.handlers.findTransition = () => null
    await c.goToDivergence()
    await c.follow(cursor.seq)
    expect([cursor.seq, c.seqB]).toEqual([6, 8])
  })
})

describe('useBookmarkStore', () => {
  it('adds a note at a seq and lists the bookmarks in seq order', async () => {
    const saved: { id: number; seq: number; note: string; created: string }[] = []
    bridge.handlers.addBookmark = (a) => {
      const b = { id: saved.length + 1, seq: a.seq as number, note: a.note as string, created: 'now' }
      saved.push(b)
      return b
    }
    bridge.handlers.listBookmarks = () => saved
    const b = useBookmarkStore()
    await b.add(500, 'second zap')
    await b.add(20, 'first')
    expect(b.items.map((x) => [x.seq, x.note])).toEqual([[20, 'first'], [500, 'second zap']])
  })
})

describe('useTimelineStore', () => {
  it('asks density with one bucket per pixel column and caches it', async () => {
    bridge.handlers.density = (a) => ({ from: a.from, to: a.to, width: 1, groups: {}, markers: [] })
    const t = useTimelineStore()
    await t.load(800)
    await t.load(800)
    const calls = bridge.calls.filter((c) => c.name === 'density')
    expect(calls).toHaveLength(1)
    expect(calls[0]!.args).toMatchObject({ buckets: 800, from: 0, to: 1000 })
  })

  it('zooms into a range and back out', () => {
    const t = useTimelineStore()
    t.zoomTo(600, 200)
    expect(t.range).toEqual({ from: 200, to: 600 })
    t.zoomBy(2, 400)
    expect(t.range).toEqual({ from: 0, to: 800 })
    t.resetZoom()
    expect(t.range).toEqual({ from: 0, to: 1000 })
  })
})

describe('useSelectionStore and findings', () => {
  it('highlights a hovered or selected sp, and selecting a slot follows its history', () => {
    const s = useSelectionStore()
    s.hoverSp(4)
    expect(s.isSpHighlighted(4)).toBe(true)
    expect(s.isSpHighlighted(5)).toBe(false)
    s.selectSlot({ vcpu: 1, slot: 2 })
    expect(s.historyField).toEqual({ type: 'slot', vcpu: 1, slot: 2 })
  })

  it('names the slot at fault of a finding', () => {
    const f = { seq: 9, op: 2, kind: 'finding', vcpu: 1, rule: 'obsolete_root_kept', sp: 7, slot: 2, message: '' }
    expect(faultSlot(f)).toEqual({ vcpu: 1, slot: 2 })
    expect(faultSlot({ ...f, slot: -1 })).toBeNull()
    expect(faultSlot({ ...f, kind: 'mmu_free_root_page' })).toBeNull()
  })
})
