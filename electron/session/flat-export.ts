/**
 * `rootlab export FILE --format flat --out OUT.sqlite`: a plain SQLite database for tools that
 * cannot load the session's computed tables (the sqlite3 shell, Datasette, DuckDB's sqlite
 * extension): a real `transitions` table, one row per transition with the columns and values of
 * the SQL console's (sql-tables.ts: integers as integers, booleans 0/1, `fields` as the JSON of
 * `events --json`), indexed by kind and sp, plus a copy of every table of the session that is
 * not the binary storage of transitions and states (chunks, chunk_data, checkpoints, strings,
 * op_blocks): meta, operations (one row each, unpacked from op_blocks in schema 3), root_zaps,
 * findings, memslots, bookmarks, and whatever else the file holds.
 *
 * The copy is not a session (no application id): Root Lab does not open it, it only answers SQL.
 */
import Database from 'better-sqlite3'
import { TRANSITION_KINDS, TRANSITION_SCHEMA } from '../../sim/transitions'
import type { ChunkStore } from './store'
import { OPERATION_COLUMNS } from './op-blocks'
import { OperationLog } from './op-log'
import { OPERATIONS_TABLE_SQL } from './schema'
import { FIELD_COLUMNS } from './sql-tables'
import { fieldsJson } from './transition-json'

/** Tables of a session that hold transitions and states in binary form: not copied. */
const BINARY_TABLES = new Set(['chunks', 'chunk_data', 'checkpoints', 'strings', 'op_blocks'])
/** Transitions per write transaction, and per progress report. */
const BATCH = 65_536

/** SQL type of each field column (the schema gives one type per field name). */
function fieldTypes(): Map<string, 'INTEGER' | 'TEXT'> {
  const m = new Map<string, 'INTEGER' | 'TEXT'>()
  for (const k of TRANSITION_KINDS) {
    for (const [f, t] of Object.entries(TRANSITION_SCHEMA[k])) m.set(f, t === 'str' ? 'TEXT' : 'INTEGER')
  }
  return m
}

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

export const FLAT_TRANSITIONS_SQL = (() => {
  const types = fieldTypes()
  const cols = FIELD_COLUMNS.map((f) => `  ${quote(f)} ${types.get(f)}`)
  return `CREATE TABLE transitions (\n  seq INTEGER PRIMARY KEY,\n  op INTEGER NOT NULL,\n  vcpu INTEGER,\n  kind TEXT NOT NULL,\n  fields TEXT NOT NULL,\n${cols.join(',\n')}\n)`
})()

export interface FlatExportOptions {
  /** The session's connection (read). */
  source: Database.Database
  store: ChunkStore
  /** The new database file (written from scratch). */
  out: string
  nativeBinding?: string
  /** Called after each batch: transitions written so far, of `total`. */
  onProgress?: (done: number, total: number) => void
}

/** Writes the flat copy to `out` (a new file). */
export function writeFlatExport(o: FlatExportOptions): void {
  const db = new Database(o.out, o.nativeBinding ? { nativeBinding: o.nativeBinding } : {})
  try {
    db.pragma('journal_mode = OFF')
    db.pragma('synchronous = OFF')
    copyTables(o.source, db)
    copyOperations(new OperationLog(o.source, 'the session'), db)
    db.exec(FLAT_TRANSITIONS_SQL)
    // One statement per kind, binding only its columns: a third of the time of binding all 38.
    const inserts = TRANSITION_KINDS.map((k) => {
      const fields = Object.keys(TRANSITION_SCHEMA[k])
      const cols = ['seq', 'op', 'vcpu', 'kind', 'fields', ...fields].map(quote)
      return db.prepare(`INSERT INTO transitions (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
    })
    const plans = TRANSITION_KINDS.map((k) => Object.entries(TRANSITION_SCHEMA[k]).map(([f, t]) => [f, t === 'bool'] as const))
    const kindIndex = new Map(TRANSITION_KINDS.map((k, i) => [k as string, i]))
    const rows = plans.map((p) => new Array<unknown>(5 + p.length))
    const total = o.store.total
    let done = 0
    let pending = 0
    db.exec('BEGIN')
    for (let i = 0; i < o.store.chunks.length; i++) {
      for (const t of o.store.decode(i)) {
        const k = kindIndex.get(t.kind)!
        const row = rows[k]!
        row[0] = t.seq
        row[1] = t.op
        row[2] = t.vcpu
        row[3] = t.kind
        row[4] = JSON.stringify(fieldsJson(t))
        const r = t as unknown as Record<string, unknown>
        const plan = plans[k]!
        for (let j = 0; j < plan.length; j++) {
          const [f, bool] = plan[j]!
          row[5 + j] = bool ? (r[f] ? 1 : 0) : r[f]
        }
        inserts[k]!.run(row)
        done++
        if (++pending >= BATCH) {
          db.exec('COMMIT; BEGIN')
          pending = 0
          o.onProgress?.(done, total)
        }
      }
    }
    db.exec('COMMIT')
    db.exec('CREATE INDEX transitions_kind ON transitions (kind); CREATE INDEX transitions_sp ON transitions (sp)')
    o.onProgress?.(done, total)
    db.pragma('journal_mode = DELETE')
  } finally {
    db.close()
  }
}

/**
 * Schema 3 keeps the operations packed in op_blocks (not copied): the flat copy gets them as the
 * `operations` table of older sessions, one row each.
 */
function copyOperations(log: OperationLog, dst: Database.Database): void {
  if (!log.blocks) return // copied with the other tables
  dst.exec(OPERATIONS_TABLE_SQL)
  const insert = dst.prepare(`INSERT INTO operations (${OPERATION_COLUMNS.join(', ')}) VALUES (${OPERATION_COLUMNS.map(() => '?').join(', ')})`)
  dst.exec('BEGIN')
  for (const r of log.all()) insert.run(r.idx, r.op, r.vcpu, r.pgd, r.gva, r.gfn, r.action, r.last_seq)
  dst.exec('COMMIT')
}

/** Copies the session's tables and their indexes (not the binary ones) with their own DDL. */
function copyTables(src: Database.Database, dst: Database.Database): void {
  const objects = src.prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type = 'index', rowid")
    .all() as { type: string; name: string; tbl_name: string; sql: string }[]
  for (const o of objects) {
    if (BINARY_TABLES.has(o.tbl_name)) continue
    if (o.type !== 'table' && o.type !== 'index') continue
    dst.exec(o.sql)
    if (o.type !== 'table') continue
    const cols = (src.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(o.name) as string[]).map(quote)
    const insert = dst.prepare(`INSERT INTO ${quote(o.name)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`)
    dst.exec('BEGIN')
    for (const r of src.prepare(`SELECT ${cols.join(', ')} FROM ${quote(o.name)}`).raw().iterate() as Iterable<unknown[]>) insert.run(r)
    dst.exec('COMMIT')
  }
}
