/**
 * findWhere: the first seq after (or before) a seq at which an SQL expression over the columns of
 * `transitions` holds: the primitive of watchpoints with a condition and of `rootlab find
 * --where`. It runs on the SQL console's read-only connection, over windows of the seq range
 * that grow from 1,024 transitions (so a nearby match is found at once) to 262,144 (so a long
 * scan costs few statements), reading each window through a variant of the transitions module
 * with its hidden from_seq / to_seq parameters: only the window's chunks are read, and an '='
 * on kind, vcpu or sp in the expression skips the chunks whose summaries cannot match
 * (sql-tables.ts). Between windows it reports progress and asks whether to stop; a caller that
 * needs a hard deadline runs it in the SQL host (electron/sqlhost), which is killed at the
 * deadline.
 */
import type Database from 'better-sqlite3'
import { SessionError } from './errors'
import type { SessionSqlTables } from './sql-tables'

export interface FindWhereProgress {
  /** Transitions of the range looked at so far (skipped chunks count as looked at). */
  scanned: number
  /** Transitions in the range searched ((from, end] forward, [1, from) backward). */
  total: number
  /** The seq the search has reached. */
  at: number
}

export interface FindWhereResult {
  /** The first matching seq after (before) `from`, or null when there is none. */
  seq: number | null
  /** Transitions looked at. */
  scanned: number
  ms: number
}

export interface FindWhereOptions {
  where: string
  from: number
  backward?: boolean
  onProgress?: (p: FindWhereProgress) => void
  /** Asked between windows: true stops the search with a SessionError. */
  shouldStop?: () => boolean
}

const FIRST_WINDOW = 1024
const LARGEST_WINDOW = 262_144
/** Longest expression accepted (the contract caps queries at 100k characters too). */
export const MAX_WHERE_LENGTH = 100_000

/**
 * Checks that `where` is one SQL expression that cannot end the statement it is put in:
 * parentheses balanced outside strings, identifiers and comments, no `;`, no unterminated
 * string or comment. Throws a SessionError naming the problem.
 */
export function checkWhereExpression(where: string): void {
  if (typeof where !== 'string' || !where.trim()) throw new SessionError('the condition is empty (write an SQL expression, e.g. kind = \'kvm_mmu_free_roots\' AND vcpu = 2)')
  if (where.length > MAX_WHERE_LENGTH) throw new SessionError(`the condition is longer than ${MAX_WHERE_LENGTH} characters`)
  let depth = 0
  for (let i = 0; i < where.length; i++) {
    const c = where[i]!
    if (c === "'" || c === '"' || c === '`' || c === '[') {
      const close = c === '[' ? ']' : c
      let j = i + 1
      for (;;) {
        if (j >= where.length) throw new SessionError(`the condition has an unterminated ${c === "'" ? 'string' : 'quoted name'} at character ${i + 1}`)
        if (where[j] === close) {
          if (close !== ']' && where[j + 1] === close) {
            j += 2
            continue
          }
          break
        }
        j++
      }
      i = j
    } else if (c === '-' && where[i + 1] === '-') {
      const nl = where.indexOf('\n', i)
      if (nl < 0) break
      i = nl
    } else if (c === '/' && where[i + 1] === '*') {
      const end = where.indexOf('*/', i + 2)
      if (end < 0) throw new SessionError(`the condition has an unterminated comment at character ${i + 1}`)
      i = end + 1
    } else if (c === '(') depth++
    else if (c === ')') {
      depth--
      if (depth < 0) throw new SessionError(`the condition closes a parenthesis it did not open, at character ${i + 1}`)
    } else if (c === ';') throw new SessionError('the condition must be one expression, without ";"')
  }
  if (depth !== 0) throw new SessionError('the condition leaves a parenthesis open')
}

/** The search of one condition on one connection (sql-console.ts SqlConsole.findWhere). */
export function findWhere(db: Database.Database, tables: SessionSqlTables, total: number, opts: FindWhereOptions): FindWhereResult {
  const started = performance.now()
  checkWhereExpression(opts.where)
  const { from } = opts
  if (!Number.isInteger(from) || from < 0) throw new SessionError(`from must be an integer >= 0, got ${from}`)
  const backward = opts.backward === true
  const agg = backward ? 'max' : 'min'
  // The expression on its own lines: a trailing `-- comment` cannot swallow the closing parenthesis.
  let stmt: Database.Statement
  try {
    tables.ensureOperations(opts.where)
    stmt = tables.prepareAdaptive((variant) => db.prepare(
      `SELECT ${agg}(seq) FROM "${variant}" AS transitions WHERE from_seq = ? AND to_seq = ? AND (\n${opts.where}\n)`,
    ).pluck())
  } catch (e) {
    if (e instanceof SessionError) throw e
    throw new SessionError(`SQL: ${(e as Error).message}`)
  }
  if (!stmt.readonly) throw new SessionError('the condition would write (only read-only expressions are allowed)')
  const lo = 1
  const hi = total
  const rangeTotal = backward ? Math.max(0, Math.min(from - 1, hi)) : Math.max(0, hi - from)
  let scanned = 0
  let window = FIRST_WINDOW
  let next = backward ? Math.min(from - 1, hi) : Math.max(from + 1, lo)
  while (backward ? next >= lo : next <= hi) {
    const a = backward ? Math.max(lo, next - window + 1) : next
    const b = backward ? next : Math.min(hi, next + window - 1)
    let seq: number | null
    try {
      seq = stmt.get(a, b) as number | null
    } catch (e) {
      if (e instanceof SessionError) throw e
      throw new SessionError(`SQL: ${(e as Error).message}`)
    }
    scanned += b - a + 1
    if (seq !== null && seq !== undefined) return { seq, scanned, ms: elapsed(started) }
    next = backward ? a - 1 : b + 1
    window = Math.min(window * 2, LARGEST_WINDOW)
    opts.onProgress?.({ scanned, total: rangeTotal, at: backward ? a : b })
    if (opts.shouldStop?.()) throw new SessionError('the search was stopped')
  }
  return { seq: null, scanned, ms: elapsed(started) }
}

const elapsed = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10
