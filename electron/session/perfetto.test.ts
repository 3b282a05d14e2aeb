import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { openSession, recordSession } from './index'
import { tempDir } from './testing/fixtures'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

interface TraceEvent { ph: string; pid: number; tid?: number; ts?: number; name: string; cat?: string; args?: Record<string, unknown> }

describe('the Perfetto export', () => {
  it('writes trace-event JSON with balanced root slices per track, zap instants and counters', () => {
    const file = tmp.file('p.rootlab')
    recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 3, steps: 800, seed: 2 }, policy: 'free-obsolete-buggy', out: file })
    const s = openSession(file)
    const out = tmp.file('p.json')
    try {
      const r = s.exportPerfetto(out)
      expect(r.bytes).toBeGreaterThan(1000)
      const trace = JSON.parse(readFileSync(out, 'utf8')) as { displayTimeUnit: string; traceEvents: TraceEvent[] }
      expect(trace.displayTimeUnit).toBe('ns')
      const ev = trace.traceEvents
      const names = ev.filter((e) => e.name === 'thread_name').map((e) => e.args!.name)
      expect(names).toContain('vCPU 2')
      expect(names).toContain('vCPU 0 prev_roots[1]')
      // B/E nest properly on every track and times never go backwards.
      const depth = new Map<number, number>()
      let lastTs = 0
      for (const e of ev) {
        if (e.ts !== undefined) {
          expect(e.ts).toBeGreaterThanOrEqual(lastTs)
          lastTs = e.ts
        }
        if (e.ph === 'B') depth.set(e.tid!, (depth.get(e.tid!) ?? 0) + 1)
        if (e.ph === 'E') {
          expect(depth.get(e.tid!) ?? 0).toBeGreaterThan(0)
          depth.set(e.tid!, depth.get(e.tid!)! - 1)
        }
      }
      expect([...depth.values()].every((d) => d === 0)).toBe(true)
      expect(ev.filter((e) => e.ph === 'B').length).toBeGreaterThan(10)
      expect(ev.filter((e) => e.ph === 'i' && e.name.startsWith('root zap')).length).toBe(s.info().root_zaps)
      expect(ev.filter((e) => e.ph === 'i' && e.cat === 'finding').length).toBe(s.info().findings)
      expect(ev.filter((e) => e.ph === 'C').length).toBeGreaterThan(3)
      expect(() => s.exportPerfetto(out)).toThrow(/already exists/)
    } finally {
      s.close()
    }
  })
})
