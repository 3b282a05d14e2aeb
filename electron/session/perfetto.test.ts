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
      // ts is in µs (one transition = 1 µs), and displayTimeUnit says so ("ms" = the format's µs timestamps)
      expect(trace.displayTimeUnit).toBe('ms')
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

  it('ends a root slot\'s slice when its root turns zombie or obsolete, and names the state', () => {
    // v5.18.0 keeps zapped roots in prev_roots (zombies); memslot updates make roots obsolete
    const file = tmp.file('z.rootlab')
    recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 1500, seed: 4 }, policy: 'free-obsolete-buggy', out: file })
    const s = openSession(file)
    const out = tmp.file('z.json')
    try {
      s.exportPerfetto(out)
      const ev = (JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: TraceEvent[] }).traceEvents
      const slices = ev.filter((e) => e.ph === 'B' && e.cat === 'root')
      const states = new Set(slices.map((e) => e.args!.state))
      expect(states).toEqual(new Set(['valid', 'obsolete', 'zombie']))
      for (const e of slices) {
        const st = e.args!.state as string
        expect(e.name.endsWith(` (${st})`)).toBe(st !== 'valid')
      }
      // a zombie slice starts where its root was zapped while held: a kvm_mmu_prepare_zap_page at that ts
      expect(slices.some((e) => e.args!.state === 'zombie' && s.transitionAt(e.ts!).kind === 'kvm_mmu_prepare_zap_page')).toBe(true)
    } finally {
      s.close()
    }
  })
})
