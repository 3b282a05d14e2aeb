import { describe, expect, it } from 'vitest'
import { canonical_line } from '../../sim/digest'
import { TRANSITION_KINDS, type Transition } from '../../sim/transitions'
import { POLICIES } from '../../sim/types'
import { canonicalLine } from './canonical'
import { modelRun, scenarioOps } from './testing/fixtures'

describe('canonicalLine', () => {
  it("gives exactly sim's canonical_line for every transition of every policy", () => {
    const seen = new Set<string>()
    for (const policy of POLICIES) {
      const ops = [...scenarioOps('mixed', 3, 400, 3), ...scenarioOps('memslot-update', 3, 400, 4)]
      for (const t of modelRun(ops, 3, policy, [], 64).transitions) {
        seen.add(t.kind)
        expect(canonicalLine(t)).toBe(canonical_line(t))
      }
    }
    const odd = { seq: 1, op: 0, kind: 'finding', vcpu: null, rule: 'x', message: 'quote " tab \t é', sp: -1, slot: 0 } as Transition
    expect(canonicalLine(odd)).toBe(canonical_line(odd))
    expect(seen.size).toBeGreaterThan(TRANSITION_KINDS.length - 6)
  })
})
