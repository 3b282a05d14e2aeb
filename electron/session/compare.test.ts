import { afterAll, describe, expect, it } from 'vitest'
import type { Op, Policy } from '../../sim/types'
import { compareSessions, openSession, recordSession, type Session } from './index'
import { scenarioOps, tempDir } from './testing/fixtures'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

function record(name: string, ops: Op[], policy: Policy, vcpus = 2): Session {
  const out = tmp.file(`${name}-${policy}.rootlab`)
  recordSession({ source: { type: 'ops', name, vcpus, ops }, policy, out })
  return openSession(out)
}

/**
 * vCPU 0 loads root A, then root B (A goes to prev_roots[0]); root B, the current root, is
 * zapped by an unprotect of its gfn (op 4). Both policies request all vCPUs to drop roots;
 * the states still agree (only the request bits differ). At the next run (op 5), v5.17's
 * kvm_mmu_unload() frees every root, A included, while v5.19's kvm_mmu_free_obsolete_roots()
 * frees only the obsolete B: prev_roots[0] differs from op 5 on.
 */
const HAND_MADE: Op[] = [
  { op: 'cr3', vcpu: 0, pgd: 0xa000 }, { op: 'run', vcpu: 0 },
  { op: 'cr3', vcpu: 0, pgd: 0xb000 }, { op: 'run', vcpu: 0 },
  { op: 'unprotect', gfn: 0xb },
  { op: 'run', vcpu: 0 },
  { op: 'run', vcpu: 1 },
]

describe('comparing two sessions', () => {
  it('finds the first operation after which a hand-made pair differs', () => {
    const a = record('hand', HAND_MADE, 'free-obsolete')
    const b = record('hand', HAND_MADE, 'reload-all')
    try {
      const r = compareSessions(a, b)
      expect(r.diverged_at_op).toBe(5)
      expect(r.diverged_at).toEqual({ a: a.opEndSeqs()[5], b: b.opEndSeqs()[5] })
      expect(r.a.policy).toBe('free-obsolete')
      expect(r.b.policy).toBe('reload-all')
      expect(r.counters_delta.vcpu_unloads).toBe(2) // ops 5 and 6: each vCPU handles KVM_REQ_MMU_RELOAD
      expect(r.counters_delta.roots_freed).toBe(r.b.counters.roots_freed! - r.a.counters.roots_freed!)
      expect(r.op_end_seq.a).toEqual(a.opEndSeqs())
      expect(a.view(r.diverged_at!.a).vcpus[0]!.prev_roots[0]!.sp).not.toBeNull()
      expect(b.view(r.diverged_at!.b).vcpus[0]!.prev_roots[0]!.sp).toBeNull()
      // inside op 5, v5.17's kvm_mmu_free_roots(KVM_MMU_ROOTS_ALL) frees root A in prev_roots[0]
      // first, which v5.19 never does: that mmu_free_root_page is the first transition whose
      // effect differs; in A, the point before its next effect (freeing root B, as B does next)
      const t = r.diverged_at_transition!
      expect(b.transitionAt(t.b)).toMatchObject({ kind: 'mmu_free_root_page', op: 5, vcpu: 0, slot: 1 })
      expect(t.index).toBe(0)
      expect(a.transitionAt(t.a + 1)).toMatchObject({ kind: 'mmu_free_root_page', op: 5, vcpu: 0, slot: 0 })
      expect(a.view(t.a).vcpus[0]!.prev_roots[0]!.sp).not.toBeNull()
      expect(b.view(t.b).vcpus[0]!.prev_roots[0]!.sp).toBeNull()
    } finally {
      a.close()
      b.close()
    }
  })

  it('locates the divergence of the fixed and the v5.18.0 kernel to the prev root only the fixed one frees', () => {
    const ops = scenarioOps('process-churn', 2, 400, 1)
    const a = record('churn', ops, 'free-obsolete')
    const b = record('churn', ops, 'free-obsolete-buggy')
    try {
      const r = compareSessions(a, b)
      expect(r.diverged_at_op).not.toBeNull()
      const t = r.diverged_at_transition!
      expect(t.a).toBeLessThanOrEqual(r.diverged_at!.a)
      expect(t.a).toBeGreaterThan(r.op_end_seq.a[r.diverged_at_op! - 1]!)
      const ta = a.transitionAt(t.a)
      expect(ta).toMatchObject({ kind: 'mmu_free_root_page', op: r.diverged_at_op })
      expect(Number(ta.slot)).toBeGreaterThan(0) // a prev root
      // the buggy kernel reports it kept that root
      const findings = [...b.iterate({ from: r.op_end_seq.b[r.diverged_at_op! - 1]! + 1, to: r.diverged_at!.b, kinds: ['finding'] })]
      expect(findings.map((f) => f.rule)).toContain('obsolete_root_kept')
    } finally {
      a.close()
      b.close()
    }
  })

  it('finds no divergence between a session and its re-run under the same policy', () => {
    const ops = scenarioOps('process-churn', 2, 300, 5)
    const a = record('same', ops, 'free-obsolete')
    const b = record('same2', ops, 'free-obsolete')
    try {
      const r = compareSessions(a, b)
      expect(r.diverged_at_op).toBeNull()
      expect(r.diverged_at).toBeNull()
      expect(r.diverged_at_transition).toBeNull()
      expect(Object.values(r.stats_delta).every((x) => x === 0)).toBe(true)
    } finally {
      a.close()
      b.close()
    }
  })

  it('finds the same divergence in a long run whether or not the prefix is skipped', () => {
    const ops = [...scenarioOps('context-switch', 2, 400, 8), ...HAND_MADE]
    const a = record('long', ops, 'free-obsolete')
    const b = record('long', ops, 'reload-all')
    try {
      expect(compareSessions(a, b).diverged_at_op).toBeGreaterThanOrEqual(0)
    } finally {
      a.close()
      b.close()
    }
  })

  it('refuses sessions of different operations', () => {
    const a = record('x', HAND_MADE, 'free-obsolete')
    const b = record('y', [...HAND_MADE.slice(0, 3), { op: 'run', vcpu: 1 }], 'reload-all')
    try {
      expect(() => compareSessions(a, b)).toThrow(/were not recorded from the same operations \(op 3 is/)
    } finally {
      a.close()
      b.close()
    }
  })
})
