import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply_transition } from '../../sim/apply'
import { root_slot_state_code } from '../../sim/root_slot_state'
import { hpa_sp } from '../../sim/state'
import type { kvm } from '../../sim/types'
import { openSession, recordSession, type Session } from './index'
import { EXACT_MAX, exactLanes, LANE_MIXED, LANE_ZOMBIE_SEEN, LaneIndex, NSLOTS, REQ_SUMMARY, type LanesResult } from './lanes'
import { tempDir } from './testing/fixtures'

const tmp = tempDir()
let buggy: Session
let long: Session
beforeAll(() => {
  // v5.18.0 under mixed: zombies in prev_roots, memslot updates (obsolete roots), requests
  const a = tmp.file('mixed-buggy.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 3, steps: 1200, seed: 4 }, policy: 'free-obsolete-buggy', out: a })
  buggy = openSession(a)
  // longer than EXACT_MAX: answered from the summaries
  const b = tmp.file('churn-long.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 7000, seed: 2 }, policy: 'free-obsolete-buggy', out: b })
  long = openSession(b)
})
afterAll(() => {
  buggy.close()
  long.close()
  tmp.cleanup()
})

/** Every moment of a session, lane by lane, by brute force: the lanes' reference. */
interface Moment {
  guest: boolean[]
  requests: number[]
  slots: { state: number; sp: number; pgd: number }[][]
}
function moments(s: Session): Moment[] {
  const k: kvm = s.stateAt(0)
  const out: Moment[] = []
  const snap = (): Moment => ({
    guest: k.vcpus.map((v) => v.in_guest),
    requests: k.vcpus.map((v) => v.requests),
    slots: k.vcpus.map((v) => [v.root_mmu.root, ...v.root_mmu.prev_roots].map((r) => ({
      state: root_slot_state_code(k, r), sp: r.hpa === -1 ? -1 : hpa_sp(r.hpa), pgd: r.pgd,
    }))),
  })
  out.push(snap())
  for (const t of s.iterate({})) {
    apply_transition(k, t)
    out.push(snap())
  }
  return out
}

/** The span of a flat lane (stride `n`) covering moment `seq`, or null. */
function spanAt(lane: number[], n: number, seq: number): number[] | null {
  for (let i = 0; i < lane.length; i += n) if (lane[i]! <= seq && seq < lane[i + 1]!) return lane.slice(i, i + n)
  return null
}

describe('vCPU lanes, exact', () => {
  it('agree with every moment of the session: guest mode, each slot\'s root and state, each pending request', () => {
    const all = moments(buggy)
    const to = buggy.total
    expect(to).toBeLessThanOrEqual(EXACT_MAX)
    // one column per transition: nothing is folded, every span is exact
    const r = exactLanes(buggy.store, buggy.stateAt(0), 0, to, 2 * (to + 1))
    expect(r.mode).toBe('exact')
    expect(r.complete).toBe(true)
    /** A lane as one value per moment (the span's fields after start and end), '' where none. */
    const perMoment = (lane: number[], n: number, value: (span: number[]) => string): string[] => {
      const out = new Array<string>(to + 1).fill('')
      for (let i = 0; i < lane.length; i += n) {
        for (let seq = lane[i]!; seq < Math.min(lane[i + 1]!, to + 1); seq++) out[seq] = (out[seq] ? out[seq] + '|' : '') + value(lane.slice(i, i + n))
      }
      return out
    }
    for (const l of r.vcpus) {
      const v = l.vcpu
      const guest = perMoment(l.guest, 3, () => 'in')
      const slots = l.slots.map((lane) => perMoment(lane, 4, (x) => x.slice(2).join(',')))
      const reqs = perMoment(l.requests, 4, (x) => String(x[2]))
      expect(guest, `vCPU ${v} guest mode`).toEqual(all.map((m) => (m.guest[v] ? 'in' : '')))
      for (let s = 0; s < NSLOTS; s++) {
        const want = all.map((m) => m.slots[v]![s]!).map((w) => `${w.state},${w.sp}`)
        expect(slots[s], `vCPU ${v} slot ${s}`).toEqual(want)
      }
      const sorted = reqs.map((x) => (x ? x.split('|').sort().join('|') : ''))
      expect(sorted, `vCPU ${v} requests`).toEqual(all.map((m) => [0, 1, 2, 3, 4, 5].filter((b) => m.requests[v]! & (1 << b)).join('|')))
    }
    // the v5.18.0 bug is there to see: a prev root held as a zombie
    expect(r.vcpus.some((l) => l.slots.slice(1).some((lane) => lane.some((x, i) => i % 4 === 2 && x === 2)))).toBe(true)
  })

  it('over a part of the session start at its first moment and end after its last', () => {
    const from = 300
    const to = 700
    const r = buggy.lanes(from, to, 100)
    for (const l of r.vcpus) {
      for (const lane of l.slots) {
        expect(lane[0]).toBe(from)
        expect(lane[lane.length - 3]).toBe(to + 1)
      }
    }
  })

  it('fold runs of spans narrower than two columns into one mixed span, and still cover every moment', () => {
    const to = buggy.total
    const columns = 120
    const w = (2 * (to + 1)) / columns
    const r = buggy.lanes(0, to, columns)
    let folded = 0
    for (const l of r.vcpus) {
      for (const lane of l.slots) {
        expect(lane[0]).toBe(0)
        for (let i = 0; i < lane.length; i += 4) {
          if (i > 0) expect(lane[i], 'contiguous').toBe(lane[i - 3])
          if (lane[i + 2]! & LANE_MIXED) {
            folded++
            expect(lane[i + 3]).toBe(-1)
          } else if (lane[i + 1]! - lane[i]! < w) {
            // a narrow span on its own keeps its content: its neighbours are wide
            expect(i === 0 || lane[i - 3]! - lane[i - 4]! >= w || lane[i - 2]! & LANE_MIXED).toBeTruthy()
          }
        }
      }
    }
    expect(folded).toBeGreaterThan(0)
    expect(JSON.stringify(r).length).toBeLessThan(JSON.stringify(buggy.lanes(0, to, 8000)).length)
  })

  it('refuse a range outside the session, backwards, or a bad column count', () => {
    expect(() => buggy.lanes(0, buggy.total + 1, 10)).toThrow(/past the end/)
    expect(() => buggy.lanes(50, 40, 10)).toThrow(/must not be before/)
    expect(() => buggy.lanes(0, 10, 0)).toThrow(/columns/)
  })
})

describe('vCPU lanes, from summaries', () => {
  it('count each block\'s moments per slot state as a replay does: the state held longest, and a zombie seen', () => {
    const all = moments(long)
    const index = new LaneIndex(long.store, () => long.stateAt(0), long.vcpus)
    while (!index.buildFor(50)) { /* build it all */ }
    expect(index.complete).toBe(true)
    const B = index.block
    const columns = Math.floor((long.total + 1) / B)
    // one column per block: a column's state is the block's zombie if any, else its majority
    const r = index.query(0, columns * B - 1, columns)
    expect(r.mode).toBe('summary')
    let zombieSeen = 0
    for (let b = 0; b < columns; b++) {
      for (let v = 0; v < long.vcpus; v++) {
        for (let s = 0; s < NSLOTS; s++) {
          const counts = [0, 0, 0, 0]
          let changes = 0
          for (let seq = b * B; seq < (b + 1) * B; seq++) {
            counts[all[seq]!.slots[v]![s]!.state]!++
            const prev = all[seq - 1]?.slots[v]![s]
            const now = all[seq]!.slots[v]![s]!
            if (seq > b * B && prev && (prev.state !== now.state || prev.sp !== now.sp || prev.pgd !== now.pgd)) changes++
          }
          let best = 3
          for (let st = 0; st < 4; st++) if (counts[st]! > counts[best]!) best = st
          const mixed = counts.filter((c) => c > 0).length > 1 || changes > 0
          const span = spanAt(r.vcpus[v]!.slots[s]!, 4, b * B + B / 2)!
          expect(span[2]! & 3, `block ${b} vCPU ${v} slot ${s}`).toBe(best)
          expect(span[2]! & LANE_MIXED).toBe(mixed ? LANE_MIXED : 0)
          expect(span[2]! & LANE_ZOMBIE_SEEN).toBe(best !== 2 && counts[2]! > 0 ? LANE_ZOMBIE_SEEN : 0)
          if (best !== 2 && counts[2]! > 0) zombieSeen++
        }
      }
    }
    expect(zombieSeen).toBeGreaterThan(0)
  })

  it('answer a long session from summaries built in the background, incomplete until then', async () => {
    expect(long.total).toBeGreaterThan(EXACT_MAX)
    const first = long.lanes(0, long.total, 1000)
    expect(first.mode).toBe('summary')
    let r: LanesResult = first
    for (let i = 0; i < 500 && !r.complete; i++) {
      await new Promise((done) => setTimeout(done, 20))
      r = long.lanes(0, long.total, 1000)
    }
    expect(r.complete).toBe(true)
    expect(r.progress).toBe(1)
    expect(r.covered).toBe(long.total)
    for (const l of r.vcpus) {
      for (const lane of l.slots) {
        expect(lane[0]).toBe(0)
        expect(lane[lane.length - 3]).toBe(long.total + 1)
      }
      for (let i = 0; i < l.requests.length; i += 4) expect(l.requests[i + 3]! & REQ_SUMMARY).toBe(REQ_SUMMARY)
    }
    // a zoom of at most EXACT_MAX transitions is exact again
    expect(long.lanes(1000, 1000 + EXACT_MAX, 500).mode).toBe('exact')
  })

  it('stop where the summaries end while they are built', () => {
    const index = new LaneIndex(long.store, () => long.stateAt(0), long.vcpus)
    index.buildFor(0)
    const r = index.query(0, long.total, 500)
    expect(r.complete).toBe(false)
    expect(r.covered).toBeLessThan(long.total)
    for (const l of r.vcpus) for (const lane of l.slots) expect(lane[lane.length - 3]).toBeLessThanOrEqual(r.covered + 1)
  })
})
