/**
 * Per-chunk summaries: what a chunk contains, so that a filtered query can skip a chunk without
 * decoding it, and counts can be summed without decoding (timeline density, log row counts).
 *
 * Blob layout: uint entries, then `entries` triples (vcpu + 1 or 0 = null, kind index, count) as
 * uints, then BLOOM_BYTES bytes: a bloom filter (2 hashes) of every `sp` and `child` value.
 */
import { KIND_PLANS } from './codec'
import { ByteReader, ByteWriter } from './varint'
import type { Transition } from '../../sim/transitions'

export const BLOOM_BITS = 512
export const BLOOM_BYTES = BLOOM_BITS / 8
export const NKINDS = KIND_PLANS.length

function bloomHashes(sp: number): [number, number] {
  const a = Math.imul(sp | 0, 0x9e3779b1) >>> 0
  const b = Math.imul((sp | 0) ^ 0x5bd1e995, 0x85ebca6b) >>> 0
  return [(a >>> 7) % BLOOM_BITS, (b >>> 11) % BLOOM_BITS]
}

/** Sets the bloom filter bits of shadow page `sp`. */
export function bloomAdd(bloom: Uint8Array, sp: number): void {
  // bloomHashes, without the array (called for most transitions while recording)
  const x = ((Math.imul(sp | 0, 0x9e3779b1) >>> 0) >>> 7) % BLOOM_BITS
  const y = ((Math.imul((sp | 0) ^ 0x5bd1e995, 0x85ebca6b) >>> 0) >>> 11) % BLOOM_BITS
  bloom[x >>> 3]! |= 1 << (x & 7)
  bloom[y >>> 3]! |= 1 << (y & 7)
}

/** A summary blob: `entries` are [vcode * NKINDS + kind index, count], sorted by key. */
export function writeSummary(entries: [number, number][], bloom: Uint8Array): Uint8Array {
  const w = new ByteWriter(256)
  w.uint(entries.length)
  for (const [key, n] of entries) {
    w.uint(Math.floor(key / NKINDS))
    w.uint(key % NKINDS)
    w.uint(n)
  }
  w.bytes(bloom)
  return w.take()
}

/** Accumulates the summary of the chunk being written (verify; the writer uses chunk-digest.ts). */
export class SummaryBuilder {
  /** counts[vcode * NKINDS + kind] */
  private counts = new Map<number, number>()
  private bloom = new Uint8Array(BLOOM_BYTES)
  kinds = 0

  add(t: Transition, kindIndex: number): void {
    const vcode = t.vcpu === null ? 0 : t.vcpu + 1
    const key = vcode * NKINDS + kindIndex
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1)
    this.kinds |= 1 << kindIndex
    const rec = t as unknown as Record<string, unknown>
    if (typeof rec.sp === 'number') bloomAdd(this.bloom, rec.sp)
    if (typeof rec.child === 'number') bloomAdd(this.bloom, rec.child)
  }

  take(): Uint8Array {
    const blob = writeSummary([...this.counts].sort((a, b) => a[0] - b[0]), this.bloom)
    this.counts = new Map()
    this.bloom = new Uint8Array(BLOOM_BYTES)
    this.kinds = 0
    return blob
  }
}

/** A chunk as queries see it (loaded once per open session; small). */
export interface ChunkInfo {
  firstSeq: number
  n: number
  firstOp: number
  lastOp: number
  /** Bit i: kind index i occurs. */
  kinds: number
  /** Parallel arrays: vcpu code (vcpu + 1, 0 = null), kind index, count. */
  vcodes: number[]
  kindIdx: number[]
  counts: number[]
  bloom: Uint8Array
  /** crc32 of the chunk's blob (schema 2), or null (schema 1: no checksums). */
  dataCrc: number | null
}

export function parseSummary(info: Omit<ChunkInfo, 'vcodes' | 'kindIdx' | 'counts' | 'bloom' | 'dataCrc'>, blob: Uint8Array): Omit<ChunkInfo, 'dataCrc'> {
  const r = new ByteReader(blob)
  const m = r.uint()
  // Each entry takes at least 3 bytes: a larger count is damage, not a reason to allocate.
  if (m * 3 > blob.length) throw new RangeError(`chunk summary claims ${m} entries`)
  // Plain arrays of small integers: a session of 10M transitions has ~5,000 chunks, and three
  // typed arrays per chunk were most of the time it took to open.
  const vcodes: number[] = new Array<number>(m)
  const kindIdx: number[] = new Array<number>(m)
  const counts: number[] = new Array<number>(m)
  for (let i = 0; i < m; i++) {
    vcodes[i] = r.uint()
    kindIdx[i] = r.uint()
    counts[i] = r.uint()
  }
  const bloom = blob.subarray(r.pos, r.pos + BLOOM_BYTES)
  if (bloom.length !== BLOOM_BYTES) throw new RangeError('chunk summary is truncated')
  return { firstSeq: info.firstSeq, n: info.n, firstOp: info.firstOp, lastOp: info.lastOp, kinds: info.kinds, vcodes, kindIdx, counts, bloom }
}

/** A filter on transitions: kinds (by index), vCPU, shadow page. Absent = any. */
export interface Filter {
  kinds?: Set<number>
  vcpu?: number
  sp?: number
}

/** May the chunk contain `sp`? (false = certainly not). */
export function bloomHas(c: ChunkInfo, sp: number): boolean {
  const [x, y] = bloomHashes(sp)
  return (c.bloom[x >>> 3]! & (1 << (x & 7))) !== 0 && (c.bloom[y >>> 3]! & (1 << (y & 7))) !== 0
}

/**
 * Number of transitions of the chunk matching kinds and vcpu (exact), or, with an sp filter,
 * an upper bound (0 = certainly none).
 */
export function chunkCount(c: ChunkInfo, f: Filter): number {
  if (f.sp !== undefined && !bloomHas(c, f.sp)) return 0
  const vcode = f.vcpu === undefined ? -1 : f.vcpu + 1
  let total = 0
  for (let i = 0; i < c.counts.length; i++) {
    if (vcode >= 0 && c.vcodes[i] !== vcode) continue
    if (f.kinds && !f.kinds.has(c.kindIdx[i]!)) continue
    total += c.counts[i]!
  }
  return total
}

/** True if a filter can be counted from summaries alone (no sp filter). */
export function exactCount(f: Filter): boolean {
  return f.sp === undefined
}
