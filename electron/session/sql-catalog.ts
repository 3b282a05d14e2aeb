/**
 * What the SQL console lists: the session file's own tables and views with their columns and a
 * line of documentation, and the computed tables (sql-tables.ts) with theirs.
 */
import type Database from 'better-sqlite3'
import type { SqlTableInfo } from './results'
import { OPERATION_COLUMNS } from './op-blocks'
import { TABLE_DOCS } from './schema'
import { PAGE_COLUMNS, ROOT_COLUMNS, TRANSITION_COLUMNS } from './sql-tables'

/** The computed tables, first in the list: what most questions start from. */
export const COMPUTED_TABLES: readonly SqlTableInfo[] = [
  {
    name: 'transitions', type: 'virtual', columns: [...TRANSITION_COLUMNS],
    doc: 'every transition: seq, op, vcpu, kind, fields (JSON as events --json), one column per field; = / IN on seq, kind, vcpu, sp skip chunks',
  },
  {
    name: 'transitions_in', type: 'function', columns: [...TRANSITION_COLUMNS], args: ['from', 'to', 'kind', 'vcpu', 'sp'],
    doc: "the transitions with from <= seq <= to, reading only those chunks (kind: a kind, 'a,b' or '*'; vcpu -1 / sp 0 = any)",
  },
  {
    name: 'roots_at', type: 'function', columns: [...ROOT_COLUMNS], args: ['seq'],
    doc: "one row per vCPU root slot (root, prev_roots[0..2]) of the state after seq, as inspect --json",
  },
  {
    name: 'pages_at', type: 'function', columns: [...PAGE_COLUMNS], args: ['seq'],
    doc: 'one row per shadow page of the state after seq, as inspect --json',
  },
]

/** Every table the console can query: computed ones first, then the file's, by name. */
export function sqlCatalog(db: Database.Database): SqlTableInfo[] {
  const rows = db.prepare("SELECT name, type FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .all() as { name: string; type: 'table' | 'view' }[]
  const stored = rows.map((r) => ({
    name: r.name,
    type: r.type,
    columns: (db.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(r.name) as string[]),
    doc: TABLE_DOCS[r.name] ?? '',
  }))
  // Schema 3: the operations are packed in op_blocks; the console shows them as `operations`.
  if (stored.some((t) => t.name === 'op_blocks') && !stored.some((t) => t.name === 'operations')) {
    stored.push({ name: 'operations', type: 'table', columns: [...OPERATION_COLUMNS], doc: TABLE_DOCS.operations ?? '' })
    stored.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  }
  return [...COMPUTED_TABLES.map((t) => ({ ...t, columns: [...t.columns], ...(t.args ? { args: [...t.args] } : {}) })), ...stored]
}
