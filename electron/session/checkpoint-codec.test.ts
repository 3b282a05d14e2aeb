import { deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { kvm_create } from '../../sim/state'
import { create_machine } from '../../sim/step'
import type { kvm } from '../../sim/types'
import { CheckpointEncoder, decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec'
import { decodeChunk, ChunkEncoder, StringTable } from './codec'
import { scenarioOps } from './testing/fixtures'
import type { Transition } from '../../sim/transitions'

function busyState(): { k: kvm; ts: Transition[] } {
  const k = kvm_create({ vcpus: 3, n_max_mmu_pages: 200 })
  const ts: Transition[] = []
  const m = create_machine(k, 'free-obsolete-buggy', (t) => ts.push({ ...t }))
  for (const op of scenarioOps('mixed', 3, 600, 11)) m.run_op(op)
  return { k, ts }
}

describe('checkpoints', () => {
  it('round-trip a busy state exactly, in the compact format', () => {
    const { k } = busyState()
    const blob = encodeCheckpoint(k)
    expect(blob[0]).toBe(4)
    expect(decodeCheckpoint(blob)).toEqual(k)
    expect(decodeCheckpoint(encodeCheckpoint(kvm_create({ vcpus: 1, n_max_mmu_pages: 64 })))).toEqual(kvm_create({ vcpus: 1, n_max_mmu_pages: 64 }))
  })

  it('read the deflated format 3 of older files, and refuse a stored body that is cut or too large', () => {
    const { k } = busyState()
    const stored = encodeCheckpoint(k)
    const deflated = Buffer.concat([Buffer.from([3]), deflateSync(stored.subarray(1), { level: 1 })])
    expect(decodeCheckpoint(deflated)).toEqual(k)
    expect(() => decodeCheckpoint(stored.subarray(0, stored.length - 5))).toThrow(RangeError)
    expect(() => decodeCheckpoint(stored, 100)).toThrow('it holds more than 100 bytes')
  })

  it('fall back to plain JSON when a page has a field the codec does not know', () => {
    const { k } = busyState()
    const first = Object.values(k.mmu_pages)[0] as unknown as Record<string, unknown>
    first.new_field = 42
    const blob = encodeCheckpoint(k)
    expect(blob[0]).toBe(0)
    expect(decodeCheckpoint(blob)).toEqual(k)
  })
})

describe("the recorder's cached checkpoint encoder", () => {
  it.each([
    ['mixed', 'free-obsolete-buggy', 3, 1500, 11],
    ['mixed', 'reload-all', 2, 1500, 5],
    ['process-churn', 'free-obsolete', 4, 1500, 1],
  ] as const)('writes exactly the full encoding at every checkpoint (%s, %s)', (scenario, policy, vcpus, steps, seed) => {
    const k = kvm_create({ vcpus, n_max_mmu_pages: 128 })
    const enc = new CheckpointEncoder()
    let n = 0
    const m = create_machine(k, policy, (t) => enc.touch(k, t))
    expect(enc.encode(k).equals(encodeCheckpoint(k))).toBe(true)
    scenarioOps(scenario, vcpus, steps, seed).forEach((op, i) => {
      m.run_op(op)
      if (i % 37 === 0) {
        const blob = enc.encode(k)
        expect(blob.equals(encodeCheckpoint(k))).toBe(true)
        // Format 3 rebuilds mmu_page_hash from the pages: the whole state comes back.
        expect(decodeCheckpoint(blob)).toEqual(k)
        n++
      }
    })
    expect(n).toBeGreaterThan(20)
  })
})

describe('the chunk codec', () => {
  it('round-trips every transition of a run, with delta-coded sp ids and interned strings', () => {
    const { ts } = busyState()
    const strings = new StringTable()
    const enc = new ChunkEncoder(strings)
    for (const t of ts) enc.add(t)
    const blob = enc.take()
    expect(blob.length / ts.length).toBeLessThan(8)
    expect(decodeChunk(blob, 1, 0, ts.length, strings.texts)).toEqual(ts)
    expect(() => decodeChunk(blob.subarray(0, blob.length - 3), 1, 0, ts.length, strings.texts)).toThrow(RangeError)
  })
})
