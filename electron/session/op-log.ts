/**
 * A session's operations, read from either layout: the `op_blocks` rows of schema 3
 * (op-blocks.ts) or the `operations` table of schemas 1 and 2. Readers (Session, ChunkStore,
 * verify, the SQL console, flat export) go through this, never through the tables.
 *
 * Every block read is checked (its crc32, its data, and that it starts where the previous one
 * ended), so a damaged block is reported as damage naming its operations, never read as data.
 */
import type Database from 'better-sqlite3'
import { opBlockCrc } from './checksum'
import { decodeOpBlockPacked, opRowsOf, type OperationRow } from './op-blocks'
import { SessionError } from './errors'

interface BlockRow {
  first_idx: number
  n: number
  last_seq: number
  data: Uint8Array
  crc: number
}

/** Largest number of operations one block may claim (a commit holds at most ~65k transitions). */
const MAX_BLOCK_OPS = 1 << 24

/** Whether the connection's file stores its operations in op blocks (schema 3). */
export function hasOpBlocks(db: Database.Database): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'op_blocks'").get() !== undefined
}

/** What verify learns of the operations: where each ends, and the seq ranges of damaged blocks. */
export interface OperationEnds {
  /** [idx, last_seq] of every operation, in order. */
  ends: [number, number][]
  /** Seq ranges whose operations could not be read (their entries above are estimates). */
  damaged: { from: number; to: number; what: string }[]
}

/** The statements of the `operations` table (schemas 1-2). */
interface TableQueries {
  kind: 'table'
  count: Database.Statement
  last: Database.Statement
  /** Rows from idx ?, at most ?. */
  rowsFrom: Database.Statement
  /** last_seq of idx ?. */
  lastSeqAt: Database.Statement
  all: Database.Statement
  /** [idx, last_seq] of every row. */
  ends: Database.Statement
}

/** The statements of `op_blocks` (schema 3). */
interface BlockQueries {
  kind: 'blocks'
  count: Database.Statement
  last: Database.Statement
  /** The block holding idx ? (the last one starting at or before it). */
  holding: Database.Statement
  /** The block starting at or after idx ?. */
  startingFrom: Database.Statement
  all: Database.Statement
}

export class OperationLog {
  private readonly q: TableQueries | BlockQueries
  /** The last block decoded (a page of the debugger's operation list is usually in it). */
  private cached: { firstIdx: number; rows: OperationRow[] } | null = null

  constructor(db: Database.Database, private readonly label: string) {
    const cols = 'first_idx, n, last_seq, data, crc'
    this.q = hasOpBlocks(db)
      ? {
          kind: 'blocks',
          count: db.prepare('SELECT first_idx + n FROM op_blocks ORDER BY first_idx DESC LIMIT 1').pluck(),
          last: db.prepare(`SELECT ${cols} FROM op_blocks ORDER BY first_idx DESC LIMIT 1`),
          holding: db.prepare(`SELECT ${cols} FROM op_blocks WHERE first_idx <= ? ORDER BY first_idx DESC LIMIT 1`),
          startingFrom: db.prepare(`SELECT ${cols} FROM op_blocks WHERE first_idx >= ? ORDER BY first_idx LIMIT 1`),
          all: db.prepare(`SELECT ${cols} FROM op_blocks ORDER BY first_idx`),
        }
      : {
          kind: 'table',
          count: db.prepare('SELECT max(idx) + 1 FROM operations').pluck(),
          last: db.prepare('SELECT last_seq FROM operations ORDER BY idx DESC LIMIT 1').pluck(),
          rowsFrom: db.prepare('SELECT idx, op, vcpu, pgd, gva, gfn, action, last_seq FROM operations WHERE idx >= ? ORDER BY idx LIMIT ?'),
          lastSeqAt: db.prepare('SELECT last_seq FROM operations WHERE idx = ?').pluck(),
          all: db.prepare('SELECT idx, op, vcpu, pgd, gva, gfn, action, last_seq FROM operations ORDER BY idx'),
          ends: db.prepare('SELECT idx, last_seq FROM operations ORDER BY idx').raw(),
        }
  }

  /** Schema 3: operations in op blocks; older schemas: the `operations` table. */
  get blocks(): boolean {
    return this.q.kind === 'blocks'
  }

  private damaged(what: string): SessionError {
    return new SessionError(`${this.label} is damaged (${what})`)
  }

  /** Why `b` cannot be read, or null if its row and data hold together. */
  private problem(b: BlockRow): string | null {
    if (!Number.isSafeInteger(b.n) || b.n < 1 || b.n > MAX_BLOCK_OPS) return `the block of operations at ${b.first_idx} claims ${b.n} operations`
    if (!(b.data instanceof Uint8Array)) return `the block of operations at ${b.first_idx} has no data`
    if (b.crc !== opBlockCrc(b.first_idx, b.n, b.last_seq, b.data)) return `operations ${b.first_idx} to ${b.first_idx + b.n - 1}: the block's checksum does not match`
    return null
  }

  /** The operations of block `b` as decodeOpBlockPacked gives them, or what is wrong with it. */
  private tryPacked(b: BlockRow): Float64Array | string {
    const p = this.problem(b)
    if (p) return p
    try {
      return decodeOpBlockPacked(b.first_idx, b.n, b.last_seq, b.data)
    } catch (e) {
      return (e as Error).message
    }
  }

  /** The operations of block `b`, packed, checked; throws SessionError naming the damage. */
  private packed(b: BlockRow): Float64Array {
    const r = this.tryPacked(b)
    if (typeof r === 'string') throw this.damaged(r)
    return r
  }

  /** The operations of block `b` as rows, checked (the last block read is kept). */
  private decode(b: BlockRow): OperationRow[] {
    if (this.cached?.firstIdx === b.first_idx) return this.cached.rows
    const rows = opRowsOf(b.first_idx, this.packed(b))
    this.cached = { firstIdx: b.first_idx, rows }
    return rows
  }

  /**
   * The blocks in order from the one holding operation `from` (none if no block holds it),
   * each starting where the previous one ended; a gap throws SessionError.
   */
  private *blocksFrom(q: BlockQueries, from: number): Generator<BlockRow> {
    let b = q.holding.get(from) as BlockRow | undefined
    if (b && b.first_idx + b.n <= from) return
    while (b) {
      yield b
      const next = b.first_idx + b.n
      b = q.startingFrom.get(next) as BlockRow | undefined
      if (b && b.first_idx !== next) throw this.damaged(`operations ${next} to ${b.first_idx - 1} are missing`)
    }
  }

  /** Number of operations. */
  count(): number {
    return (this.q.count.get() as number | null | undefined) ?? 0
  }

  /** last_seq of the last operation (0 if there is none). A damaged last block throws. */
  lastSeq(): number {
    if (this.q.kind === 'table') return (this.q.last.get() as number | undefined) ?? 0
    const b = this.q.last.get() as BlockRow | undefined
    if (!b) return 0
    const p = this.problem(b)
    if (p) throw this.damaged(p)
    return b.last_seq
  }

  /** Operations from index `from`, at most `limit`, in order. */
  rows(from: number, limit: number): OperationRow[] {
    if (this.q.kind === 'table') return this.q.rowsFrom.all(from, limit) as OperationRow[]
    const out: OperationRow[] = []
    for (const b of this.blocksFrom(this.q, from)) {
      const rows = this.decode(b)
      for (let j = Math.max(0, from - b.first_idx); j < rows.length && out.length < limit; j++) out.push(rows[j]!)
      if (out.length >= limit) break
    }
    return out
  }

  /** last_seq of operation `idx`, or undefined past the end. */
  lastSeqOf(idx: number): number | undefined {
    if (this.q.kind === 'table') return this.q.lastSeqAt.get(idx) as number | undefined
    return this.rows(idx, 1)[0]?.last_seq
  }

  /** Every operation, in order; throws SessionError at a damaged or missing block. */
  *all(): Generator<OperationRow> {
    if (this.q.kind === 'table') {
      yield* this.q.all.iterate() as Iterable<OperationRow>
      return
    }
    let next = 0
    for (const b of this.q.all.iterate() as Iterable<BlockRow>) {
      if (b.first_idx !== next) throw this.damaged(`operations ${next} to ${b.first_idx - 1} are missing`)
      yield* this.decode(b)
      next = b.first_idx + b.n
    }
  }

  /**
   * The operations from index `from` on, block by block as decodeOpBlockPacked gives them (4
   * numbers each), checked like rows(); schema 3 only (the SQL console's copy).
   */
  *packedFrom(from: number): Generator<{ firstIdx: number; rows: Float64Array }> {
    if (this.q.kind === 'table') throw new Error('packedFrom reads op blocks (schema 3)')
    for (const b of this.blocksFrom(this.q, from)) {
      const skip = Math.max(0, from - b.first_idx)
      yield { firstIdx: b.first_idx + skip, rows: this.packed(b).subarray(skip * 4) }
    }
  }

  /**
   * For verify: where every operation ends, reading past damage. A damaged block is reported in
   * `damaged` (its operations' ends estimated as the block's last_seq, so that the operations
   * after it line up); a gap between blocks too.
   */
  ends(): OperationEnds {
    const out: OperationEnds = { ends: [], damaged: [] }
    if (this.q.kind === 'table') {
      out.ends = this.q.ends.all() as [number, number][]
      return out
    }
    let next = 0
    let prevLast = 0
    for (const b of this.q.all.iterate() as Iterable<BlockRow>) {
      const firstIdx = b.first_idx
      if (firstIdx !== next) {
        out.damaged.push({ from: prevLast + 1, to: prevLast + 1, what: `operations ${next} to ${firstIdx - 1} are missing` })
      }
      const p = this.tryPacked(b)
      if (typeof p !== 'string') {
        for (let j = 0; j < b.n; j++) out.ends.push([firstIdx + j, p[j * 4 + 3]!])
        prevLast = b.last_seq
      } else {
        const plausible = Number.isSafeInteger(b.n) && b.n >= 1 && b.n <= MAX_BLOCK_OPS && Number.isSafeInteger(b.last_seq) && b.last_seq > prevLast
        const to = plausible ? b.last_seq : prevLast + 1
        out.damaged.push({ from: prevLast + 1, to, what: p })
        if (plausible) {
          for (let j = 0; j < b.n; j++) out.ends.push([firstIdx + j, b.last_seq])
          prevLast = b.last_seq
        }
      }
      next = Number.isSafeInteger(b.n) ? firstIdx + b.n : next
    }
    return out
  }
}
