/**
 * `events --json` prints a whole JSON array or nothing: a transition that cannot be read (a
 * damaged chunk) must not leave `[ ...rows` without its `]` on stdout. Over a real session, with
 * the read failing at a chosen seq, for an output kept in memory and for one past the buffer
 * (read once to check, then again to print).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, type Session } from '../../session/index'
import { tempDir } from '../../session/testing/fixtures'
import type { Transition } from '../../../sim/transitions'
import type { Io } from '../io'
import { printJsonArray } from './events'

const tmp = tempDir()
let s: Session
beforeAll(() => {
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 300, seed: 3 }, policy: 'free-obsolete', out: tmp.file('s.rootlab') })
  s = openSession(tmp.file('s.rootlab'))
})
afterAll(() => {
  s.close()
  tmp.cleanup()
})

const capture = (): Io & { text: string } => {
  const io = { text: '', out: (t: string) => void (io.text += t), err: () => {}, errIsTTY: false, columns: 100 }
  return io
}

/** The session's transitions from `from`, failing when the read reaches `badSeq` (as a damaged chunk does). */
const reader = (badSeq: number | null) => function* (from: number): Generator<Transition> {
  for (const t of s.iterate({ from })) {
    if (badSeq !== null && t.seq >= badSeq) throw new Error(`s.rootlab is damaged (chunk at seq ${t.seq})`)
    yield t
  }
}

describe('events --json', () => {
  it('prints the whole array when every transition reads', () => {
    for (const buffer of [1 << 24, 2000]) {
      const io = capture()
      printJsonArray(io, reader(null), () => true, Infinity, buffer)
      const rows = JSON.parse(io.text) as { seq: number }[]
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: s.info().transitions }, (_, i) => i + 1))
    }
  })

  it('prints nothing when a transition cannot be read, before or after the buffer fills', () => {
    const total = s.info().transitions
    for (const [buffer, bad] of [[1 << 24, Math.floor(total / 2)], [2000, total - 5], [2000, 40]] as const) {
      const io = capture()
      expect(() => printJsonArray(io, reader(bad), () => true, Infinity, buffer)).toThrow(/damaged/)
      expect(io.text).toBe('')
    }
  })

  it('keeps --limit and the filter across the buffer', () => {
    const io = capture()
    printJsonArray(io, reader(null), (t) => t.kind === 'kvm_mmu_get_page', 25, 500)
    const rows = JSON.parse(io.text) as { kind: string }[]
    expect(rows).toHaveLength(25)
    expect(rows.every((r) => r.kind === 'kvm_mmu_get_page')).toBe(true)
  })
})
