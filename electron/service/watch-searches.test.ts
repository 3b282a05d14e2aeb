/**
 * The service's running continues: progress events while a long search runs, and cancel, on a
 * real session file. The condition is searched by a stand-in that scans the stored transitions
 * slowly on the event loop (the SQL engine's search runs in its own process the same way).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LabEvents } from '../api/contract'
import { openSession, recordSession, type Session } from '../session/index'
import { tempDir } from '../session/testing/fixtures'
import { randomOps } from '../session/testing/random-ops'
import type { WhereStarter } from '../session/watch-find'
import { createWatchSearches } from './watch-searches'

const tmp = tempDir()
let s: Session
beforeAll(() => {
  const out = tmp.file('w.rootlab')
  recordSession({ source: { type: 'ops', name: 'w', vcpus: 2, ops: [...randomOps({ vcpus: 2, count: 3000, seed: 4 })] }, policy: 'free-obsolete', out })
  s = openSession(out)
})
afterAll(() => {
  s?.close()
  tmp.cleanup()
})

/** A condition that never holds, examined 200 transitions per 5 ms. */
const slowNever: WhereStarter = (_expr, from) => {
  let at = from
  let stop = false
  const result = (async () => {
    while (at < s.total) {
      if (stop) throw new Error('cancelled')
      await new Promise((r) => setTimeout(r, 5))
      at = Math.min(s.total, at + 200)
    }
    return null
  })()
  return { result, at: () => at, cancel: () => { stop = true } }
}

describe('watch searches in the service', () => {
  it('report progress while they run and stop when cancelled', async () => {
    const events: LabEvents['watchProgress'][] = []
    const searches = createWatchSearches((_e, p) => events.push(p))
    const running = searches.run(s, { session: 's1', watches: [{ type: 'where', expr: 'x' }], from: 0, direction: 'next', search: 'q1' }, slowNever)
    await expect(searches.run(s, { session: 's1', watches: [{ type: 'slot', vcpu: 0, slot: 0 }], from: 0, direction: 'next', search: 'q1' }))
      .rejects.toThrow('a search with id "q1" is already running')
    while (events.length < 3) await new Promise((r) => setTimeout(r, 20))
    expect(searches.cancel('q1')).toBe(true)
    const r = await running
    expect(r).toMatchObject({ seq: null, done: false })
    expect(events.every((e) => e.search === 'q1')).toBe(true)
    expect(events.map((e) => e.fraction)).toEqual([...events.map((e) => e.fraction)].sort((x, y) => x - y))
    expect(events.at(-1)!.fraction).toBeGreaterThan(0)
    expect(events.at(-1)!.fraction).toBeLessThan(1)
    expect(searches.cancel('q1')).toBe(false)
    // once done, the id can be used again
    const again = await searches.run(s, { session: 's1', watches: [{ type: 'slot', vcpu: 0, slot: 0 }], from: 0, direction: 'next', search: 'q1' })
    expect(again.done).toBe(true)
  })
})
