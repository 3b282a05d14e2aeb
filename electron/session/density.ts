/**
 * Timeline density: transitions per kind group in `buckets` equal seq ranges, and markers.
 *
 * Counts come from the per-chunk kind counts, so the whole of a 10M-transition session costs a
 * pass over ~5k small in-memory records. A chunk that straddles bucket boundaries has its counts
 * spread over the buckets in proportion to the overlap (largest-remainder rounding keeps the
 * totals exact). When the range is small (<= EXACT_RANGE transitions) the chunks are decoded
 * and every transition is counted in its own bucket, so zoomed-in timelines are exact.
 * Markers: at most one per type and bucket (the first), so the result stays small.
 */
import type Database from 'better-sqlite3'
import type { DensityResult } from './results'
import { KIND_INDEX } from './codec'
import { GROUP_OF_KIND, KIND_GROUPS } from './kind-groups'
import type { ChunkStore } from './store'

export const EXACT_RANGE = 200_000

export function density(db: Database.Database, store: ChunkStore, buckets: number, from: number, to: number): DensityResult {
  const groups: Record<string, number[]> = {}
  const arrays = KIND_GROUPS.map((g) => (groups[g] = new Array<number>(buckets).fill(0)))
  if (to < from) return { from, to, width: 0, groups, markers: [] }
  const span = to - from + 1
  const width = span / buckets
  const bucketOf = (seq: number) => Math.min(buckets - 1, Math.floor((seq - from) / width))
  const exact = span <= EXACT_RANGE
  const a = store.chunkIndexOf(from)
  const b = store.chunkIndexOf(to)
  for (let i = a; i <= b && store.chunks.length; i++) {
    const c = store.chunks[i]!
    const lo = Math.max(from, c.firstSeq)
    const hi = Math.min(to, c.firstSeq + c.n - 1)
    if (exact) {
      const ts = store.decode(i)
      for (let s = lo; s <= hi; s++) arrays[GROUP_OF_KIND[KIND_INDEX[ts[s - c.firstSeq]!.kind]!]!]![bucketOf(s)]!++
      continue
    }
    // Per-group totals of the chunk, scaled to the part of the chunk inside [from, to].
    const totals = new Array<number>(KIND_GROUPS.length).fill(0)
    for (let j = 0; j < c.counts.length; j++) totals[GROUP_OF_KIND[c.kindIdx[j]!]!]! += c.counts[j]!
    const b0 = bucketOf(lo)
    const b1 = bucketOf(hi)
    const inside = (hi - lo + 1) / c.n
    for (let g = 0; g < totals.length; g++) {
      const total = Math.round(totals[g]! * inside)
      if (total === 0) continue
      if (b0 === b1) {
        arrays[g]![b0]! += total
        continue
      }
      // Largest remainder over the buckets the chunk overlaps.
      let given = 0
      const shares: [number, number][] = []
      for (let k = b0; k <= b1; k++) {
        const s0 = Math.max(lo, Math.ceil(from + k * width))
        const s1 = Math.min(hi, Math.ceil(from + (k + 1) * width) - 1)
        const exactShare = (total * Math.max(0, s1 - s0 + 1)) / (hi - lo + 1)
        const whole = Math.floor(exactShare)
        arrays[g]![k]! += whole
        given += whole
        shares.push([exactShare - whole, k])
      }
      shares.sort((x, y) => y[0] - x[0])
      for (let r = 0; r < total - given; r++) arrays[g]![shares[r % shares.length]![1]]!++
    }
  }

  const markers: DensityResult['markers'] = []
  const firstPerBucket = (sql: string, type: DensityResult['markers'][number]['type'], label: (r: Record<string, unknown>) => string) => {
    const rows = db.prepare(sql).all({ from, to, width }) as Record<string, unknown>[]
    for (const r of rows) markers.push({ seq: r.seq as number, type, label: label(r) })
  }
  const group = 'GROUP BY CAST((seq - :from) / :width AS INTEGER)'
  firstPerBucket(`SELECT min(seq) AS seq, sp, gfn FROM root_zaps WHERE seq BETWEEN :from AND :to ${group}`, 'root_zap',
    (r) => `root zap: sp ${r.sp} (gfn 0x${(r.gfn as number).toString(16)})`)
  firstPerBucket(`SELECT min(seq) AS seq, rule FROM findings WHERE seq BETWEEN :from AND :to ${group}`, 'finding', (r) => `finding: ${r.rule}`)
  firstPerBucket(`SELECT min(seq) AS seq, action FROM memslots WHERE seq BETWEEN :from AND :to ${group}`, 'memslot', (r) => `memslot ${r.action}`)
  firstPerBucket(`SELECT min(seq) AS seq, note FROM bookmarks WHERE seq BETWEEN :from AND :to ${group}`, 'bookmark', (r) => String(r.note || 'bookmark'))
  markers.sort((x, y) => x.seq - y.seq)
  return { from, to, width, groups, markers }
}
