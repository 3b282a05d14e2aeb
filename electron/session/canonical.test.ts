import { describe, expect, it } from 'vitest'
import { canonical_encode, canonical_line, create_byte_writer } from '../../sim/digest'
import { TRANSITION_KINDS, type Transition } from '../../sim/transitions'
import { POLICIES } from '../../sim/types'
import { canonicalEncode, canonicalLine } from './canonical'
import { modelRun, scenarioOps } from './testing/fixtures'

function bytes(encode: (t: Transition, w: ReturnType<typeof create_byte_writer>) => void, t: Transition): number[] {
  const w = create_byte_writer(4) // small, so the growth path is exercised too
  encode(t, w)
  return [...w.buf.subarray(0, w.len)]
}

describe('canonicalLine / canonicalEncode', () => {
  it("give exactly sim's canonical_line and canonical_encode for every transition of every policy", () => {
    const seen = new Set<string>()
    for (const policy of POLICIES) {
      const ops = [...scenarioOps('mixed', 3, 400, 3), ...scenarioOps('memslot-update', 3, 400, 4)]
      for (const t of modelRun(ops, 3, policy, [], 64).transitions) {
        seen.add(t.kind)
        expect(canonicalLine(t)).toBe(canonical_line(t))
        expect(bytes(canonicalEncode, t)).toEqual(bytes(canonical_encode, t))
      }
    }
    const odd = { seq: 2 ** 40, op: 300, kind: 'finding', vcpu: null, rule: 'x', message: 'quote " tab \t é 😀', sp: -1, slot: 0 } as Transition
    expect(canonicalLine(odd)).toBe(canonical_line(odd))
    expect(bytes(canonicalEncode, odd)).toEqual(bytes(canonical_encode, odd))
    expect(seen.size).toBeGreaterThan(TRANSITION_KINDS.length - 6)
  })
})
