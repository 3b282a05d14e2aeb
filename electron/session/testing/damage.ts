/**
 * Damaged and hostile session files, made from a good one: reusable generators for the session
 * layer's tests and for the generated bad-input corpus (each edits the file at `path` in place
 * and says what it damaged). The edits bypass Root Lab's writer on purpose: they are what a bad
 * disk, a careless hand or a hostile sender would leave.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { constants, deflateRawSync } from 'node:zlib'
import Database from 'better-sqlite3'
import { checkpointCrc, chunkRowCrc } from '../checksum'
import { OperationLog } from '../op-log'
import { APPLICATION_ID, SCHEMA_SQL_V1, SCHEMA_SQL_V2 } from '../schema'

export interface Damage {
  /** The first and last seq of the damaged range (for chunks), or the checkpoint's seq. */
  from: number
  to: number
  what: string
}

function withDb<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { fileMustExist: true })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

interface ChunkRow { first_seq: number; n: number; first_op: number; last_op: number; kinds: number; summary: Buffer; data_crc?: number }

/** The chunk holding `seq` (default: the second chunk, or the only one). */
function chunkAt(db: Database.Database, seq?: number): ChunkRow {
  const row = seq === undefined
    ? (db.prepare('SELECT * FROM chunks ORDER BY first_seq LIMIT 1 OFFSET 1').get() ?? db.prepare('SELECT * FROM chunks ORDER BY first_seq LIMIT 1').get())
    : db.prepare('SELECT * FROM chunks WHERE first_seq <= ? ORDER BY first_seq DESC LIMIT 1').get(seq)
  if (!row) throw new Error('the session has no chunks')
  return row as ChunkRow
}

/** Flips one byte (XOR 0x40) in the middle of the chunk_data blob of the chunk holding `seq`. */
export function flipChunkByte(path: string, seq?: number): Damage {
  return withDb(path, (db) => {
    const c = chunkAt(db, seq)
    const data = Buffer.from(db.prepare('SELECT data FROM chunk_data WHERE first_seq = ?').pluck().get(c.first_seq) as Buffer)
    const at = Math.max(1, data.length >> 1)
    data[at] = data[at]! ^ 0x40
    db.prepare('UPDATE chunk_data SET data = ? WHERE first_seq = ?').run(data, c.first_seq)
    return { from: c.first_seq, to: c.first_seq + c.n - 1, what: `byte ${at} of the chunk blob flipped` }
  })
}

/** Deletes one chunk row (`chunks` or `chunk_data`): the last one, or the one holding `seq`. */
export function deleteChunkRow(path: string, opts: { table?: 'chunks' | 'chunk_data'; seq?: number | 'last' } = {}): Damage {
  return withDb(path, (db) => {
    const c = opts.seq === 'last' || opts.seq === undefined
      ? db.prepare('SELECT * FROM chunks ORDER BY first_seq DESC LIMIT 1').get() as ChunkRow
      : chunkAt(db, opts.seq)
    const table = opts.table ?? 'chunks'
    db.prepare(`DELETE FROM ${table} WHERE first_seq = ?`).run(c.first_seq)
    return { from: c.first_seq, to: c.first_seq + c.n - 1, what: `${table} row deleted` }
  })
}

/**
 * Sets the transition count `n` of a chunk (default: the last; default n = 4e9). With
 * `fixCrc`, the row's checksum is recomputed, as a deliberate edit would: the structure checks
 * must catch it without the checksum.
 */
export function setChunkCount(path: string, opts: { n?: number; seq?: number; fixCrc?: boolean } = {}): Damage {
  return withDb(path, (db) => {
    const c = opts.seq === undefined ? db.prepare('SELECT * FROM chunks ORDER BY first_seq DESC LIMIT 1').get() as ChunkRow : chunkAt(db, opts.seq)
    const n = opts.n ?? 4e9
    db.prepare('UPDATE chunks SET n = ? WHERE first_seq = ?').run(n, c.first_seq)
    if (opts.fixCrc && c.data_crc !== undefined) {
      db.prepare('UPDATE chunks SET crc = ? WHERE first_seq = ?')
        .run(chunkRowCrc(c.first_seq, n, c.first_op, c.last_op, c.kinds, c.data_crc, c.summary), c.first_seq)
    }
    return { from: c.first_seq, to: c.first_seq + c.n - 1, what: `chunk count set to ${n}` }
  })
}

/**
 * A zlib stream of `bytes` zero bytes (a multiple of 8 MiB), about 1/1000 of that size, made
 * without ever holding the output: full-flushed raw deflate segments repeated, a final empty
 * block, and the Adler-32 of n zeros (a = 1, b = n mod 65521).
 */
export function zlibBomb(bytes: number): Buffer {
  const SEG = 8 << 20
  const seg = deflateRawSync(Buffer.alloc(SEG), { finishFlush: constants.Z_FULL_FLUSH })
  const count = Math.max(1, Math.round(bytes / SEG))
  const adler = Buffer.alloc(4)
  adler.writeUInt32BE((((count * SEG) % 65521) * 65536 + 1) >>> 0)
  return Buffer.concat([Buffer.from([0x78, 0x01]), ...new Array<Buffer>(count).fill(seg), Buffer.from([0x03, 0x00]), adler])
}

/**
 * Replaces the checkpoint at `seq` (default 0, read on every open) with a checkpoint of format
 * 2 whose body inflates to `bytes` (default 2 GiB, about 2 MB stored); the checksum is made to
 * match, so only the inflation cap stands in the way.
 */
export function zipBombCheckpoint(path: string, opts: { seq?: number; bytes?: number } = {}): Damage {
  const seq = opts.seq ?? 0
  const state = Buffer.concat([Buffer.from([2]), zlibBomb(opts.bytes ?? 2 ** 31)])
  return withDb(path, (db) => {
    const row = db.prepare('SELECT op FROM checkpoints WHERE seq = ?').get(seq) as { op: number } | undefined
    if (!row) throw new Error(`no checkpoint at seq ${seq}`)
    const cols = (db.prepare('SELECT name FROM pragma_table_info(\'checkpoints\')').pluck().all() as string[])
    if (cols.includes('crc')) db.prepare('UPDATE checkpoints SET state = ?, crc = ? WHERE seq = ?').run(state, checkpointCrc(seq, row.op, state), seq)
    else db.prepare('UPDATE checkpoints SET state = ? WHERE seq = ?').run(state, seq)
    return { from: seq, to: seq, what: `checkpoint replaced by a ${state.length}-byte zlib bomb` }
  })
}

/** Flips one byte of the checkpoint at `seq` (default: the second checkpoint). */
export function flipCheckpointByte(path: string, seq?: number): Damage {
  return withDb(path, (db) => {
    const row = (seq === undefined
      ? db.prepare('SELECT seq, state FROM checkpoints ORDER BY seq LIMIT 1 OFFSET 1').get()
      : db.prepare('SELECT seq, state FROM checkpoints WHERE seq = ?').get(seq)) as { seq: number; state: Buffer } | undefined
    if (!row) throw new Error('no such checkpoint')
    const state = Buffer.from(row.state)
    const at = state.length >> 1
    state[at] = state[at]! ^ 0x01
    db.prepare('UPDATE checkpoints SET state = ? WHERE seq = ?').run(state, row.seq)
    return { from: row.seq, to: row.seq, what: `byte ${at} of the checkpoint flipped` }
  })
}

/**
 * Plants a trigger that fires on a bookmark write and records that it ran (a table `pwned`),
 * as a hostile session file would. Returns the name of the trigger.
 */
export function plantTrigger(path: string): string {
  withDb(path, (db) => db.exec(`
    CREATE TABLE pwned (at TEXT);
    CREATE TRIGGER bookmark_hook AFTER INSERT ON bookmarks BEGIN INSERT INTO pwned VALUES ('fired'); END;`))
  return 'bookmark_hook'
}

/** Did a trigger planted by plantTrigger run? */
export function triggerFired(path: string): boolean {
  return withDb(path, (db) => {
    const has = db.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'pwned'").get()
    return has !== undefined && (db.prepare('SELECT count(*) FROM pwned').pluck().get() as number) > 0
  })
}

/** Plants a view (named like a table a user might query). */
export function plantView(path: string): string {
  withDb(path, (db) => db.exec('CREATE VIEW transitions_all AS SELECT * FROM chunks'))
  return 'transitions_all'
}

/** Adds a column to a Root Lab table (a schema that differs without any trigger or view). */
export function alterTable(path: string): void {
  withDb(path, (db) => db.exec('ALTER TABLE bookmarks ADD COLUMN extra TEXT'))
}

/** Cuts the file to `bytes` (default: half its size, rounded to 4096). */
export function truncateFile(path: string, bytes?: number): number {
  const size = readFileSync(path).length
  const to = bytes ?? Math.floor(size / 2 / 4096) * 4096
  truncateSync(path, to)
  return to
}

/** Overwrites `path` with `bytes` from `offset` (e.g. a byte of a page SQLite itself reads). */
export function overwriteBytes(path: string, offset: number, bytes: Uint8Array): void {
  const buf = readFileSync(path)
  buf.set(bytes, offset)
  writeFileSync(path, buf)
}

/**
 * Writes `dst` as Root Lab 0.1 (schema 1, no checksums) wrote it: the DDL of SCHEMA_SQL_V1 and
 * every row of the current session `src` without its crc columns, its operations a row each.
 * For tests of older files.
 */
export function downgradeToV1(src: string, dst: string): void {
  downgrade(src, dst, 1)
}

/** Writes `dst` as schema 2 (before op blocks): the operations of `src` a row each. */
export function downgradeToV2(src: string, dst: string): void {
  downgrade(src, dst, 2)
}

function downgrade(src: string, dst: string, version: 1 | 2): void {
  const from = new Database(src, { readonly: true, fileMustExist: true })
  const db = new Database(dst)
  try {
    db.pragma(`application_id = ${APPLICATION_ID}`)
    db.pragma(`user_version = ${version}`)
    db.exec(version === 1 ? SCHEMA_SQL_V1 : SCHEMA_SQL_V2)
    db.prepare('ATTACH DATABASE ? AS src').run(src)
    db.transaction(() => {
      for (const t of ['meta', 'strings', 'chunk_data', 'root_zaps', 'findings', 'memslots', 'bookmarks', ...(version === 2 ? ['watches'] : [])]) {
        db.exec(`INSERT INTO main.${t} SELECT * FROM src.${t}`)
      }
      const op = db.prepare('INSERT INTO main.operations (idx, op, vcpu, pgd, gva, gfn, action, last_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      for (const r of new OperationLog(from, src).all()) op.run(r.idx, r.op, r.vcpu, r.pgd, r.gva, r.gfn, r.action, r.last_seq)
      if (version === 1) {
        db.exec('INSERT INTO main.chunks SELECT first_seq, n, first_op, last_op, kinds, summary FROM src.chunks')
        db.exec('INSERT INTO main.checkpoints SELECT seq, op, state FROM src.checkpoints')
      } else {
        db.exec('INSERT INTO main.chunks SELECT * FROM src.chunks')
        db.exec('INSERT INTO main.checkpoints SELECT * FROM src.checkpoints')
      }
    })()
    db.exec('DETACH DATABASE src')
  } finally {
    db.close()
    from.close()
  }
}

/** Flips one byte (XOR 0x01) in the middle of the op block (schema 3) holding operation `idx`. */
export function flipOpBlockByte(path: string, idx = 0): Damage {
  return withDb(path, (db) => {
    const r = db.prepare('SELECT first_idx, n, last_seq, data FROM op_blocks WHERE first_idx <= ? ORDER BY first_idx DESC LIMIT 1').get(idx) as
      { first_idx: number; n: number; last_seq: number; data: Uint8Array }
    const prevLast = (db.prepare('SELECT last_seq FROM op_blocks WHERE first_idx < ? ORDER BY first_idx DESC LIMIT 1').pluck().get(r.first_idx) as number | undefined) ?? 0
    const data = Buffer.from(r.data)
    const at = data.length >> 1
    data[at] = data[at]! ^ 0x01
    db.prepare('UPDATE op_blocks SET data = ? WHERE first_idx = ?').run(data, r.first_idx)
    return { from: prevLast + 1, to: r.last_seq, what: `byte ${at} of the block of operations ${r.first_idx} to ${r.first_idx + r.n - 1} flipped` }
  })
}
