import { describe, expect, it } from 'vitest'
import { create_byte_writer } from '../../sim/digest'
import { is_root_zap, TRANSITION_KINDS, type Transition } from '../../sim/transitions'
import { POLICIES } from '../../sim/types'
import { canonicalEncode } from './canonical'
import { ChunkDigester, INDEXED_KINDS } from './chunk-digest'
import { ChunkEncoder, KIND_INDEX, StringTable } from './codec'
import { SummaryBuilder } from './summary'
import { modelRun, scenarioOps } from './testing/fixtures'

/** Chunks of `size` transitions, as the recorder cuts them (ops may straddle two chunks). */
function chunksOf(ts: readonly Transition[], size: number, strings: StringTable): { blob: Uint8Array; ts: Transition[]; fresh: [number, string][] }[] {
  const enc = new ChunkEncoder(strings)
  const out = []
  for (let i = 0; i < ts.length; i += size) {
    const part = ts.slice(i, i + size)
    for (const t of part) enc.add(t)
    out.push({ blob: enc.take(), ts: part, fresh: strings.takeNew() })
  }
  return out
}

function reference(ts: Transition[]): { canonical: number[]; summary: Uint8Array; kinds: number; indexed: Transition[] } {
  const w = create_byte_writer(16)
  const b = new SummaryBuilder()
  for (const t of ts) {
    canonicalEncode(t, w)
    b.add(t, KIND_INDEX[t.kind]!)
  }
  const kinds = b.kinds
  return { canonical: [...w.buf.subarray(0, w.len)], summary: b.take(), kinds, indexed: ts.filter((t) => (INDEXED_KINDS as readonly string[]).includes(t.kind)) }
}

describe('ChunkDigester', () => {
  it("gives, from a chunk's bytes, exactly the canonical bytes, summary and indexed transitions of its decoded transitions", () => {
    const seen = new Set<string>()
    for (const policy of POLICIES) {
      const ops = [...scenarioOps('mixed', 3, 500, 3), ...scenarioOps('memslot-update', 3, 400, 4)]
      const ts = modelRun(ops, 3, policy, [], 64).transitions
      const odd: Transition[] = [
        { seq: ts.length + 1, op: ts.at(-1)!.op + 300, kind: 'finding', vcpu: null, rule: 'x', message: 'quote " tab \t é 😀', sp: -1, slot: 0 },
        { seq: ts.length + 2, op: ts.at(-1)!.op + 2 ** 33, kind: 'kvm_set_cr3', vcpu: 63, cr3: 2 ** 51 + 4096 },
        { seq: ts.length + 3, op: ts.at(-1)!.op + 2 ** 33, kind: 'mmu_alloc_root', vcpu: 0, sp: 2 ** 40, pgd: -(2 ** 45) },
      ]
      const all = [...ts, ...odd]
      const strings = new StringTable()
      const d = new ChunkDigester()
      // tiny chunks (every delta restarts) over part of the run, then the recorder's size
      for (const [part, size] of [[[...ts.slice(0, 600), ...odd], 3], [all, 2048]] as const) {
        for (const c of chunksOf(part, size, strings)) {
          d.addStrings(c.fresh)
          for (const t of c.ts) seen.add(t.kind)
          const ref = reference(c.ts)
          const indexed = d.add(c.blob, c.ts[0]!.seq, c.ts[0]!.op, c.ts.length)
          expect(Buffer.from(d.canonical).equals(Buffer.from(ref.canonical))).toBe(true)
          d.clearCanonical()
          expect(d.kinds).toBe(ref.kinds)
          expect(d.takeSummary()).toEqual(ref.summary)
          expect(indexed).toEqual(ref.indexed)
        }
      }
      expect(all.some((t) => t.kind === 'kvm_mmu_prepare_zap_page' && is_root_zap(t))).toBe(true)
    }
    expect(seen.size).toBeGreaterThan(TRANSITION_KINDS.length - 4)
  })

  it('refuses a blob that is not a whole chunk', () => {
    const ts = modelRun(scenarioOps('mixed', 2, 50, 1), 2, 'free-obsolete').transitions
    const strings = new StringTable()
    const [c] = chunksOf(ts, ts.length, strings)
    const d = new ChunkDigester()
    d.addStrings(c!.fresh)
    expect(() => d.add(c!.blob.subarray(0, c!.blob.length - 2), 1, 0, ts.length)).toThrow(RangeError)
    expect(() => d.add(c!.blob, 1, 0, ts.length - 1)).toThrow(RangeError)
    expect(() => d.add(Uint8Array.of(9), 1, 0, 0)).toThrow(RangeError)
  })
})
