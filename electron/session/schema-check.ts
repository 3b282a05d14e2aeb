/**
 * The schema of a session file must be exactly the one Root Lab wrote: its own tables and
 * indexes for the file's schema version, plus the optional ones (the kernel tables of imported
 * and captured sessions, tables created on first write such as `watches`), each with the DDL
 * Root Lab uses. Anything else is refused before any statement runs on the file: a trigger
 * planted in a session would otherwise fire on a bookmark write, and a view would run in the SQL
 * console.
 *
 * The expected entries are produced by SQLite itself (the DDL run on an in-memory database),
 * so the comparison sees the text exactly as SQLite stores it in sqlite_schema.
 */
import Database from 'better-sqlite3'
import { SessionError } from './errors'
import { KERNEL_TABLES_SQL } from './kernel-schema'
import { SCHEMA_SQL, SCHEMA_SQL_BY_VERSION } from './schema'

/**
 * Tables that a file of any version may lack: they are created by the first write that needs
 * them (with the DDL they have in SCHEMA_SQL). A table listed here but absent from SCHEMA_SQL is
 * simply never expected.
 */
export const CREATED_ON_FIRST_WRITE = ['watches'] as const

interface Entry {
  type: string
  name: string
  tbl_name: string
  sql: string | null
}

type Expected = Map<string, Entry & { optional: boolean }>

const expectedByVersion = new Map<number, Expected>()

/** Whitespace runs are not significant (the text is compared, never executed). */
function norm(sql: string | null): string | null {
  return sql === null ? null : sql.replace(/\s+/g, ' ').trim()
}

function entriesOf(ddl: string, nativeBinding: string | undefined): Entry[] {
  const mem = new Database(':memory:', nativeBinding ? { nativeBinding } : {})
  try {
    mem.exec(ddl)
    return mem.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all() as Entry[]
  } finally {
    mem.close()
  }
}

function expectedFor(version: number, nativeBinding: string | undefined): Expected {
  let e = expectedByVersion.get(version)
  if (e) return e
  const ddl = SCHEMA_SQL_BY_VERSION[version]
  if (ddl === undefined) throw new RangeError(`no DDL for schema ${version}`)
  const lateTables = new Set<string>(CREATED_ON_FIRST_WRITE)
  e = new Map()
  for (const x of entriesOf(ddl, nativeBinding)) {
    if (!lateTables.has(x.tbl_name)) e.set(x.name, { ...x, sql: norm(x.sql), optional: false })
  }
  for (const x of entriesOf(SCHEMA_SQL, nativeBinding)) {
    if (lateTables.has(x.tbl_name)) e.set(x.name, { ...x, sql: norm(x.sql), optional: true })
  }
  for (const x of entriesOf(KERNEL_TABLES_SQL, nativeBinding)) e.set(x.name, { ...x, sql: norm(x.sql), optional: true })
  expectedByVersion.set(version, e)
  return e
}

/** A name as it is shown in a message: quoted, control characters escaped, long names cut. */
function shown(name: string): string {
  const s = JSON.stringify(name.length > 60 ? `${name.slice(0, 60)}…` : name)
  return s
}

/**
 * Throws a SessionError naming the file and the first difference unless the file's schema is
 * the one Root Lab writes for `version` (1..SCHEMA_VERSION; newer versions are refused earlier).
 */
export function checkSchema(db: Database.Database, label: string, version: number, nativeBinding?: string): void {
  if (!Number.isInteger(version) || version < 1 || SCHEMA_SQL_BY_VERSION[version] === undefined) {
    throw new SessionError(`${label} is not a Root Lab session (unknown session schema ${version})`)
  }
  const expected = expectedFor(version, nativeBinding)
  const found = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_schema').all() as Entry[]
  const refused = (what: string) =>
    new SessionError(`${label} is refused: its schema differs from the one Root Lab writes (${what}); a session's own SQL never runs`)
  const seen = new Set<string>()
  for (const f of found) {
    seen.add(f.name)
    if (f.type === 'trigger' || f.type === 'view') throw refused(`it has a ${f.type} ${shown(f.name)}`)
    const x = expected.get(f.name)
    if (!x) throw refused(`${f.type} ${shown(f.name)} is not part of a session`)
    if (x.type !== f.type || x.tbl_name !== f.tbl_name || x.sql !== norm(f.sql)) {
      throw refused(`${f.type} ${shown(f.name)} is not defined as Root Lab defines it`)
    }
  }
  for (const x of expected.values()) {
    if (!x.optional && !seen.has(x.name)) {
      throw new SessionError(`${label} is damaged (${x.type} ${x.name} is missing)`)
    }
  }
}
