/**
 * Read access to the transitions of an open session: the chunk summaries (kept in memory: one
 * small record per chunk), the string table, and decoded chunks (a small LRU cache).
 */
import type Database from 'better-sqlite3'
import type { Transition } from '../../sim/transitions'
import { chunkRowCrc, dataCrc } from './checksum'
import { decodeChunk, KIND_INDEX } from './codec'
import { SessionError } from './errors'
import { OperationLog } from './op-log'
import { fileLabel } from './open-file'
import { chunkCount, parseSummary, type ChunkInfo, type Filter } from './summary'

const CACHE_CHUNKS = 24
/** forEach walks of at least this many transitions of one chunk are decoded without caching. */
const LONG_WALK = 256

/** The recorder never writes a larger chunk (DEFAULT_TUNING.chunkMax is 16,384). */
export const MAX_CHUNK_TRANSITIONS = 1 << 20

interface ChunkRow {
  first_seq: number
  n: number
  first_op: number
  last_op: number
  kinds: number
  summary: Uint8Array
  data_crc?: number
  crc?: number
}

export class ChunkStore {
  chunks: ChunkInfo[] = []
  strings: string[] = []
  /** seq of the last stored transition. */
  total = 0
  private cache = new Map<number, Transition[]>()
  private readonly getData: Database.Statement
  private readonly getChunksAfter: Database.Statement
  private readonly getStringsAfter: Database.Statement
  /** The session's operations (either layout: op-log.ts). */
  readonly ops: OperationLog
  private readonly countData: Database.Statement
  /** Schema 2 and later: chunk rows and blobs carry crc32s (checksum.ts). */
  readonly checksums: boolean

  constructor(private readonly db: Database.Database, private readonly path: string) {
    this.checksums = (db.pragma('user_version', { simple: true }) as number) >= 2
    const crcCols = this.checksums ? ', data_crc, crc' : ''
    this.getData = db.prepare('SELECT data FROM chunk_data WHERE first_seq = ?').pluck()
    this.getChunksAfter = db.prepare(`SELECT first_seq, n, first_op, last_op, kinds, summary${crcCols} FROM chunks WHERE first_seq > ? ORDER BY first_seq`)
    this.getStringsAfter = db.prepare('SELECT id, text FROM strings WHERE id >= ? ORDER BY id')
    this.ops = new OperationLog(db, fileLabel(path))
    this.countData = db.prepare('SELECT count(*) FROM chunk_data').pluck()
    this.refresh()
  }

  private damaged(what: string): SessionError {
    return new SessionError(`${fileLabel(this.path)} is damaged (${what})`)
  }

  /**
   * Loads chunks and strings added since the last call (a session may still be recording), in
   * one read transaction, and checks the structure: chunk rows whose checksums hold (schema 2),
   * contiguous seq ranges, a chunk_data row per chunk, and the last chunk ending where the last
   * operation ends (the recorder commits both together), so a deleted or altered chunk row is
   * reported here and not read as a shorter session.
   */
  refresh(): void {
    this.db.transaction(() => this.load())()
  }

  private load(): void {
    const last = this.chunks.length ? this.chunks[this.chunks.length - 1]!.firstSeq : 0
    const rows = this.getChunksAfter.all(last) as ChunkRow[]
    for (const r of rows) {
      const range = `transitions ${r.first_seq} to ${r.first_seq + r.n - 1}`
      if (this.checksums && r.crc !== chunkRowCrc(r.first_seq, r.n, r.first_op, r.last_op, r.kinds, r.data_crc!, r.summary)) {
        throw this.damaged(`${Number.isSafeInteger(r.n) && r.n >= 1 ? range : `the chunk at seq ${r.first_seq}`}: the chunk's checksum does not match`)
      }
      if (!Number.isSafeInteger(r.n) || r.n < 1 || r.n > MAX_CHUNK_TRANSITIONS) {
        throw this.damaged(`the chunk at seq ${r.first_seq} claims ${r.n} transitions`)
      }
      if (r.first_seq !== this.total + 1) {
        throw this.damaged(`transitions ${this.total + 1} to ${r.first_seq - 1} are missing`)
      }
      try {
        this.chunks.push({
          ...parseSummary({ firstSeq: r.first_seq, n: r.n, firstOp: r.first_op, lastOp: r.last_op, kinds: r.kinds }, r.summary),
          dataCrc: r.data_crc ?? null,
        })
      } catch (e) {
        throw this.damaged(`the summary of ${range}: ${(e as Error).message}`)
      }
      this.total = r.first_seq + r.n - 1
    }
    for (const r of this.getStringsAfter.all(this.strings.length) as { id: number; text: string }[]) {
      this.strings[r.id] = r.text
    }
    const lastOpSeq = this.ops.lastSeq()
    if (lastOpSeq !== this.total) {
      throw this.damaged(lastOpSeq > this.total
        ? `transitions ${this.total + 1} to ${lastOpSeq} are missing`
        : `the chunks hold ${this.total} transitions but the operations end at seq ${lastOpSeq}`)
    }
    const blobs = this.countData.get() as number
    if (blobs !== this.chunks.length) {
      throw this.damaged(`${this.chunks.length} chunks but ${blobs} chunk_data rows`)
    }
  }

  /** Index of the chunk holding `seq` (1 <= seq <= total), by binary search. */
  chunkIndexOf(seq: number): number {
    let lo = 0
    let hi = this.chunks.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (this.chunks[mid]!.firstSeq <= seq) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  /** The transitions of chunk `i` (cached; do not modify the returned objects). */
  decode(i: number): Transition[] {
    const c = this.chunks[i]!
    const hit = this.cache.get(c.firstSeq)
    if (hit) {
      this.cache.delete(c.firstSeq)
      this.cache.set(c.firstSeq, hit)
      return hit
    }
    const ts = this.decodeBlob(i)
    this.cache.set(c.firstSeq, ts)
    if (this.cache.size > CACHE_CHUNKS) this.cache.delete(this.cache.keys().next().value!)
    return ts
  }

  /**
   * The transitions of chunk `i` that `keep` accepts (by kind index and vCPU), in order, built
   * without building the others (and without filling the cache, unless the chunk is in it):
   * for scans that filter by kind or vCPU, such as the SQL table `transitions`.
   */
  decodeWhere(i: number, keep: (kindIndex: number, vcpu: number | null) => boolean): Transition[] {
    const hit = this.cache.get(this.chunks[i]!.firstSeq)
    if (hit) return hit.filter((t) => keep(KIND_INDEX[t.kind]!, t.vcpu))
    return this.decodeBlob(i, keep)
  }

  /** Reads, checks and decodes the blob of chunk `i` (all of it, or what `keep` accepts). */
  private decodeBlob(i: number, keep?: (kindIndex: number, vcpu: number | null) => boolean, upto?: number): Transition[] {
    const c = this.chunks[i]!
    const range = `transitions ${c.firstSeq} to ${c.firstSeq + c.n - 1}`
    const data = this.getData.get(c.firstSeq) as Uint8Array | undefined
    if (!data) throw this.damaged(`${range} are missing`)
    if (c.dataCrc !== null && dataCrc(data) !== c.dataCrc) throw this.damaged(`${range}: the checksum does not match`)
    try {
      return decodeChunk(data, c.firstSeq, c.firstOp, c.n, this.strings, keep, upto)
    } catch (e) {
      throw this.damaged(`${range} cannot be decoded: ${(e as Error).message}`)
    }
  }

  /** The chunk of the previous at() (see there). */
  private lastAt = -1

  /**
   * The transition with this seq. A lookup in a chunk that is neither cached nor the previous
   * lookup's builds that one transition only (reading past the others), without caching: a jump
   * (next root zap, a finding) then leaves no chunk of objects behind to survive the young
   * generation; a second lookup in the same chunk (stepping through it) decodes and caches it.
   */
  at(seq: number): Transition {
    const i = this.chunkIndexOf(seq)
    const pos = seq - this.chunks[i]!.firstSeq
    const again = this.lastAt === i
    this.lastAt = i
    if (again || this.cache.has(this.chunks[i]!.firstSeq)) return this.decode(i)[pos]!
    let k = 0
    return this.decodeBlob(i, () => k++ === pos, pos + 1)[0]!
  }

  /**
   * Calls `fn` for every transition with from <= seq <= to, in order: the unfiltered forward walk
   * of a replay, as a plain loop (no generator per transition: stateAt spends its time here).
   */
  forEach(from: number, to: number, fn: (t: Transition) => void): void {
    if (from > to || this.chunks.length === 0) return
    from = Math.max(from, 1)
    to = Math.min(to, this.total)
    if (from > to) return
    const b = this.chunkIndexOf(to)
    for (let i = this.chunkIndexOf(from); i <= b; i++) {
      const c = this.chunks[i]!
      const lo = Math.max(from - c.firstSeq, 0)
      const hi = Math.min(to - c.firstSeq, c.n - 1)
      // A long walk (a seek's replay from its checkpoint) reads the chunk up to `to` without
      // keeping it: caching the objects of chunks a random seek will not visit again only moved
      // them to the old generation, and the collections that followed were stateAt's slowest
      // seeks. A short walk (a step) decodes and caches the chunk, for the next steps.
      const ts = hi - lo >= LONG_WALK && !this.cache.has(c.firstSeq) ? this.decodeBlob(i, undefined, hi + 1) : this.decode(i)
      for (let j = lo; j <= hi; j++) fn(ts[j]!)
    }
  }

  /** Iterates transitions with from <= seq <= to, in order (or reverse), skipping chunks by `filter`. */
  *range(from: number, to: number, filter: Filter = {}, reverse = false): Generator<Transition> {
    if (from > to || this.chunks.length === 0) return
    from = Math.max(from, 1)
    to = Math.min(to, this.total)
    if (from > to) return
    const a = this.chunkIndexOf(from)
    const b = this.chunkIndexOf(to)
    for (let k = 0; k <= b - a; k++) {
      const i = reverse ? b - k : a + k
      const c = this.chunks[i]!
      if (chunkCount(c, filter) === 0) continue
      const ts = this.decode(i)
      const lo = Math.max(from - c.firstSeq, 0)
      const hi = Math.min(to - c.firstSeq, c.n - 1)
      if (reverse) {
        for (let j = hi; j >= lo; j--) if (matches(ts[j]!, filter)) yield ts[j]!
      } else {
        for (let j = lo; j <= hi; j++) if (matches(ts[j]!, filter)) yield ts[j]!
      }
    }
  }
}

/** Does one transition match the filter? */
export function matches(t: Transition, f: Filter): boolean {
  if (f.vcpu !== undefined && t.vcpu !== f.vcpu) return false
  if (f.kinds && !f.kinds.has(KIND_INDEX[t.kind]!)) return false
  if (f.sp !== undefined) {
    const r = t as unknown as Record<string, unknown>
    if (r.sp !== f.sp && r.child !== f.sp) return false
  }
  return true
}
