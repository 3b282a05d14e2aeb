/**
 * rootlab sql: one read-only query on a session, with the SQL console's engine, tables, limits
 * and errors: it runs in an SQL host process (electron/sqlhost), killed at the deadline.
 */
import { resolve } from 'node:path'
import { openSession } from '../../session/index'
import { createSqlHosts } from '../../sqlhost/hosts'
import { SQL_DEFAULT_TIMEOUT_MS, SQL_MAX_TIMEOUT_MS, SqlHostError } from '../../sqlhost/types'
import { intFlag, parse } from '../args'
import { num, table } from '../format'
import { CliFailure, UsageError, type Io } from '../io'

const DEFAULT_ROWS = 1000
const MAX_ROWS = 10_000

export const help = `Usage: rootlab sql FILE "QUERY" [--json | --csv] [--limit N] [--timeout S]

Runs one read-only query (SELECT, WITH, VALUES or EXPLAIN) on a session and prints the rows as a
table. Besides the file's tables (operations, findings, root_zaps, memslots, bookmarks, meta):
  transitions                     every transition: seq, op, vcpu, kind, fields (JSON, as
                                  events --json prints them) and one column per field (NULL
                                  where the kind has none); = or IN on seq, kind, vcpu, sp
                                  reads only the chunks that can match
  transitions_in(FROM, TO [, KIND [, VCPU [, SP]]])
                                  the transitions with FROM <= seq <= TO, reading only those
                                  chunks (KIND: a kind, 'a,b' or '*'; VCPU -1 / SP 0 = any)
  roots_at(SEQ)                   vcpu, slot, pgd, hpa, sp, root_count, invalid, obsolete: the
                                  root slots after SEQ, as inspect --json
  pages_at(SEQ)                   the shadow pages after SEQ, as inspect --json
Example:
  rootlab sql run.rootlab "SELECT seq, vcpu, sp, root_count FROM transitions
                           WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1"

  --json         a JSON array of row objects
  --csv          CSV with a header row (RFC 4180 quoting; lines end in a newline)
  --limit N      at most N rows (default ${num(DEFAULT_ROWS)}, at most ${num(MAX_ROWS)}); a note on stderr says when
                 there were more
  --timeout S    stop the query after S seconds (default ${SQL_DEFAULT_TIMEOUT_MS / 1000}, at most ${SQL_MAX_TIMEOUT_MS / 1000})
`

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return ''
  const s = String(v)
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

function humanCell(v: unknown): string | number {
  if (v === null || v === undefined) return 'NULL'
  return typeof v === 'number' ? v : String(v) // table() escapes control characters
}

/** A timeout in seconds (decimals allowed) as ms. */
function timeoutFlag(raw: string | boolean | undefined): number {
  if (raw === undefined) return SQL_DEFAULT_TIMEOUT_MS
  const s = String(raw)
  const secs = Number(s)
  if (!/^\d+(\.\d+)?$/.test(s) || secs < 0.001 || secs > SQL_MAX_TIMEOUT_MS / 1000) {
    throw new UsageError(`--timeout must be seconds from 0.001 to ${SQL_MAX_TIMEOUT_MS / 1000}, got "${s.slice(0, 40)}"`)
  }
  return Math.round(secs * 1000)
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    json: { type: 'boolean' }, csv: { type: 'boolean' }, limit: { type: 'string' }, timeout: { type: 'string' },
  }, { min: 2, max: 2, names: 'FILE and "QUERY"' })
  if (values.help) {
    io.out(help)
    return 0
  }
  if (values.json && values.csv) throw new UsageError('give either --json or --csv, not both')
  const limit = intFlag(values, 'limit', 1, MAX_ROWS) ?? DEFAULT_ROWS
  const timeoutMs = timeoutFlag(values.timeout)
  const path = resolve(positionals[0]!)
  const query = positionals[1]!
  if (!query.trim()) throw new UsageError('the QUERY is empty')
  // Open it here first: a missing or foreign file gets the same one-line error as every command.
  openSession(path).close()
  const hosts = createSqlHosts()
  let r
  try {
    r = await hosts.query({ path, sql: query, limit, timeoutMs })
  } catch (e) {
    if (!(e instanceof SqlHostError)) throw e
    const hint = e.reason === 'timeout' ? ' (give it more time with --timeout S)' : ''
    throw new CliFailure(`${e.message}${hint}`)
  } finally {
    await hosts.close()
  }
  if (values.json) {
    // One row object per line, as events --json.
    const lines = r.rows.map((row) => JSON.stringify(Object.fromEntries(r.columns.map((c, i) => [c, row[i]]))))
    io.out(lines.length ? `[\n${lines.join(',\n')}\n]\n` : '[]\n')
  } else if (values.csv) {
    io.out([r.columns, ...r.rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n') // \r would be escaped on stdout
  } else {
    io.out(table(r.columns, r.rows.map((row) => row.map(humanCell))))
    io.out(`(${num(r.rows.length)} row${r.rows.length === 1 ? '' : 's'}${r.truncated ? ', more not shown' : ''}, ${r.ms} ms)\n`)
  }
  if (r.truncated) io.err(`rootlab: note: only the first ${num(r.rows.length)} rows are shown; --limit N shows up to ${num(MAX_ROWS)}\n`)
  return 0
}
