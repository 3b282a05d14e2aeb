/**
 * The SQL console: a read-only query on a session, on its own connection opened with
 * `readonly: true` (so SQLite itself refuses every write), plus statement checks that give a
 * clear refusal before running anything:
 *   - exactly one statement (better-sqlite3 refuses more than one);
 *   - it starts with SELECT, WITH, VALUES or EXPLAIN, returns rows (`stmt.reader`) and does not
 *     write (`stmt.readonly`): INSERT/UPDATE/DELETE/CREATE/DROP, ATTACH/DETACH, PRAGMA (also the
 *     writing ones) and VACUUM are refused;
 *   - load_extension() is refused by name (SQLite also has it disabled for SQL).
 * Limits: at most `limit` rows (default 1000, at most 10,000; `truncated` says if more), and a
 * time limit checked between rows (better-sqlite3 has no interrupt: a single step that runs
 * long, e.g. an aggregate over a huge recursive CTE, is only stopped when it yields a row).
 */
import Database from 'better-sqlite3'
import type { SqlResult } from './results'
import { SessionError } from './errors'
import { findWhere, type FindWhereOptions, type FindWhereResult } from './find-where'
import type { SqlTableInfo } from './results'
import { sqlCatalog } from './sql-catalog'
import { SessionSqlTables, type SqlTableSource } from './sql-tables'

export const SQL_DEFAULT_ROWS = 1000
export const SQL_MAX_ROWS = 10_000
export const SQL_TIME_LIMIT_MS = 2000

/** Strips leading whitespace and comments, to find the first keyword. */
function firstKeyword(sql: string): string {
  let s = sql
  for (;;) {
    s = s.trimStart()
    if (s.startsWith('--')) {
      const nl = s.indexOf('\n')
      s = nl < 0 ? '' : s.slice(nl + 1)
    } else if (s.startsWith('/*')) {
      const end = s.indexOf('*/')
      s = end < 0 ? '' : s.slice(end + 2)
    } else break
  }
  return (/^[A-Za-z]+/.exec(s)?.[0] ?? '').toUpperCase()
}

function cell(v: unknown): unknown {
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v.subarray(0, 16)).toString('hex')
    return `<blob ${v.length} bytes${v.length ? `: ${hex}${v.length > 16 ? '…' : ''}` : ''}>`
  }
  if (typeof v === 'bigint') return Number(v)
  return v
}

export class SqlConsole {
  private db: Database.Database | null = null
  private tables: SessionSqlTables | null = null

  /** `source`: the session whose computed tables (transitions, roots_at, ...) the console offers. */
  constructor(private readonly path: string, private readonly nativeBinding?: string, private readonly source?: SqlTableSource) {}

  /** The read-only connection, with the computed tables registered. */
  conn(): Database.Database {
    if (!this.db) {
      const db = new Database(this.path, {
        readonly: true, fileMustExist: true, ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}),
      })
      try {
        if (this.source) this.tables = new SessionSqlTables(db, this.source)
      } catch (e) {
        db.close()
        throw e
      }
      this.db = db
    }
    return this.db
  }

  /** The computed tables of this console's connection (null without a source). */
  sqlTables(): SessionSqlTables | null {
    this.conn()
    return this.tables
  }

  run(sql: string, limit?: number, timeLimitMs = SQL_TIME_LIMIT_MS): SqlResult {
    if (typeof sql !== 'string' || !sql.trim()) throw new SessionError('the SQL query is empty')
    const rows = Math.min(limit ?? SQL_DEFAULT_ROWS, SQL_MAX_ROWS)
    if (!Number.isInteger(rows) || rows < 1) throw new SessionError(`limit must be an integer >= 1, got ${limit}`)
    const keyword = firstKeyword(sql)
    if (!['SELECT', 'WITH', 'VALUES', 'EXPLAIN'].includes(keyword)) {
      throw new SessionError(`only a read-only SELECT, WITH, VALUES or EXPLAIN query is allowed, not ${keyword || 'this statement'}`)
    }
    if (/\bload_extension\s*\(/i.test(sql)) throw new SessionError('load_extension() is not allowed in the SQL console')
    let stmt: Database.Statement
    try {
      const db = this.conn()
      stmt = this.tables ? this.tables.prepare(sql) : db.prepare(sql)
    } catch (e) {
      if (e instanceof RangeError) throw new SessionError('only one SQL statement is allowed')
      throw new SessionError(`SQL: ${(e as Error).message}`)
    }
    if (!stmt.readonly) throw new SessionError('the SQL console is read-only: this statement would write')
    if (!stmt.reader) throw new SessionError('the SQL query returns no rows (only queries are allowed)')
    const started = performance.now()
    const columns = stmt.columns().map((c) => c.name)
    const out: unknown[][] = []
    let truncated = false
    try {
      stmt.raw(true)
      const it = stmt.iterate() as IterableIterator<unknown[]>
      for (const row of it) {
        if (out.length >= rows) {
          truncated = true
          it.return?.()
          break
        }
        out.push(row.map(cell))
        if (performance.now() - started > timeLimitMs) {
          it.return?.()
          throw new SessionError(`the SQL query took longer than ${timeLimitMs} ms and was stopped after ${out.length} rows`)
        }
      }
    } catch (e) {
      if (e instanceof SessionError) throw e
      throw new SessionError(`SQL: ${(e as Error).message}`)
    }
    return { columns, rows: out, truncated, ms: Math.round((performance.now() - started) * 10) / 10 }
  }

  /** The first seq after / before opts.from where opts.where holds (find-where.ts). */
  findWhere(opts: FindWhereOptions): FindWhereResult {
    const db = this.conn()
    if (!this.tables || !this.source) throw new SessionError('findWhere needs the session\'s transitions table')
    return findWhere(db, this.tables, this.source.store.total, opts)
  }

  /** The tables the console can query, with their columns. */
  catalog(): SqlTableInfo[] {
    return sqlCatalog(this.conn())
  }

  close(): void {
    this.db?.close()
    this.db = null
    this.tables = null
  }
}
