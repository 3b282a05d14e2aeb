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

  constructor(private readonly path: string, private readonly nativeBinding?: string) {}

  private conn(): Database.Database {
    this.db ??= new Database(this.path, {
      readonly: true, fileMustExist: true, ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}),
    })
    return this.db
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
      stmt = this.conn().prepare(sql)
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

  close(): void {
    this.db?.close()
    this.db = null
  }
}
