/**
 * Findings grouped by shadow page, on a real v5.18.0 (free-obsolete-buggy) session, held to a
 * replay of every transition that watches each page's state: when it was zapped while held,
 * when its last reference went, when it was freed, and how many zombies were alive at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply_transition } from '../../sim/apply'
import { kvm_create } from '../../sim/state'
import type { Op } from '../../sim/types'
import { openSession, recordSession, type Session } from './index'
import { modelRun, SMALL_TUNING, tempDir, type ModelRun } from './testing/fixtures'
import { randomOps } from './testing/random-ops'

const tmp = tempDir()
const VCPUS = 4
const ops: Op[] = [...randomOps({ vcpus: VCPUS, count: 3000, seed: 21 })]
let model: ModelRun
let s: Session

beforeAll(() => {
  model = modelRun(ops, VCPUS, 'free-obsolete-buggy')
  const out = tmp.file('buggy.rootlab')
  recordSession({ source: { type: 'ops', name: 'groups', vcpus: VCPUS, ops }, policy: 'free-obsolete-buggy', out, tuning: SMALL_TUNING })
  s = openSession(out)
})
afterAll(() => {
  s?.close()
  tmp.cleanup()
})

interface Life { zapped: number | null; evicted: number | null; freed: number | null }

/** Each page's zombie life, read from the state after every transition. */
function lives(): { life: Map<number, Life>; peak: number } {
  const k = kvm_create({ vcpus: VCPUS, n_max_mmu_pages: 1024 })
  const life = new Map<number, Life>()
  let peak = 0
  for (const t of model.transitions) {
    const before = new Map(Object.values(k.mmu_pages).map((p) => [p.sp, { invalid: p.role.invalid, rc: p.root_count }]))
    apply_transition(k, t)
    let zombies = 0
    for (const p of Object.values(k.mmu_pages)) {
      const b = before.get(p.sp)
      const l = life.get(p.sp) ?? { zapped: null, evicted: null, freed: null }
      if (b && !b.invalid && p.role.invalid && p.root_count > 0 && l.zapped === null) l.zapped = t.seq
      if (b && l.zapped !== null && l.evicted === null && b.rc > 0 && p.root_count === 0) l.evicted = t.seq
      life.set(p.sp, l)
      if (p.role.invalid && p.root_count > 0) zombies++
    }
    for (const sp of before.keys()) if (!k.mmu_pages[sp]) life.get(sp)!.freed = t.seq
    peak = Math.max(peak, zombies)
  }
  return { life, peak }
}

describe('findings grouped by shadow page', () => {
  it('gives each page its findings and, for a zombie, its lifetime, as the replay sees it', async () => {
    const g = await s.findingGroups()
    const findings = model.transitions.filter((t) => t.kind === 'finding')
    expect(findings.length).toBeGreaterThan(10)
    expect(g.groups.reduce((n, x) => n + x.findings, 0)).toBe(findings.length)
    const { life, peak } = lives()
    expect(g.zombies).toBeGreaterThan(0)
    for (const grp of g.groups) {
      const mine = findings.filter((f) => (f.sp > 0 ? f.sp : null) === grp.sp)
      expect(grp.findings).toBe(mine.length)
      expect(grp.first_seq).toBe(mine[0]!.seq)
      expect(grp.last_seq).toBe(mine[mine.length - 1]!.seq)
      expect(grp.reports).toBe(mine.filter((f) => f.rule === 'obsolete_root_kept').length)
      expect(grp.vcpus).toEqual([...new Set(mine.map((f) => f.vcpu!))].sort((a, b) => a - b))
      if (grp.sp === null) continue
      const l = life.get(grp.sp)!
      expect([grp.zapped_at, grp.evicted_at, grp.freed_at], `sp ${grp.sp}`).toEqual([l.zapped, l.evicted, l.freed])
      if (grp.zapped_at !== null) {
        // the zap leaves it counted; the zap that uncounts it follows its last reference
        expect(grp.counted).toBe((grp.uncounted_at ?? model.transitions.length + 1) - grp.zapped_at)
        if (grp.evicted_at !== null) expect(grp.uncounted_at).toBeGreaterThan(grp.evicted_at)
        expect(grp.evicted_from?.slot ?? 1).toBeGreaterThanOrEqual(0)
      }
    }
    // every zombie a finding names is counted at once at most as many times as the replay shows
    expect(g.peak!.count).toBeLessThanOrEqual(peak)
    expect(g.peak!.count).toBeGreaterThan(0)
    // computed once per open session
    expect(await s.findingGroups()).toBe(g)
  })
})
