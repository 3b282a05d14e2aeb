/**
 * The SQL host's client interface: read-only SQL over a session file, and `findWhere` (the first
 * seq after / before a seq where an SQL expression over `transitions` holds), run in a separate
 * process that is killed at its deadline or on cancel (better-sqlite3 cannot interrupt a
 * statement: a recursive CTE never returns to JavaScript). Nothing here blocks the caller's
 * thread: the LabApi service, `rootlab serve` and the CLI stay responsive while a query runs.
 *
 * One host process per (lane, session file), started on first use, kept warm, opening the file
 * read-only; requests on one host run one at a time in arrival order. The `console` lane serves
 * the SQL console and `rootlab sql`, the `find` lane serves watchpoints and `rootlab find
 * --where`, so a continue never waits behind a console query (and the reverse).
 *
 * Errors: every method rejects with SqlHostError, whose message is one line for the user
 * ("the SQL query ran past its 2 s deadline and was stopped", "SQL: no such column: x", "the
 * query was cancelled", ...); `reason` says which case it is.
 *
 * Where to get one: `createSqlHosts()` (electron/sqlhost/hosts.ts; Node: child_process.fork of
 * the built `sql-host.js`, or of the source under tsx in tests) or, in the desktop app,
 * `createSqlHosts({ launch: utilityProcessLauncher })` (electron/main/). The LabApi service
 * creates one pool (`LabServiceOptions.sqlHosts`) and releases a session's hosts on closeSession.
 * The same search runs in-process, without a deadline, as `findWhere(session, ...)` of the
 * session layer (electron/session/find-where.ts), e.g. for tests and benchmarks.
 */
import type { FindWhereProgress, FindWhereResult } from '../session/find-where'
import type { SqlResult, SqlTableInfo } from '../session/results'

export type { FindWhereProgress, FindWhereResult, SqlResult, SqlTableInfo }

/** Default deadline of a console query or `rootlab sql` (ms). */
export const SQL_DEFAULT_TIMEOUT_MS = 2000
/** Default deadline of a findWhere (ms): it scans, shows progress and can be cancelled. */
export const FIND_DEFAULT_TIMEOUT_MS = 60_000
/** Largest deadline a caller may ask for (ms): the API caps `timeoutMs` here. */
export const SQL_MAX_TIMEOUT_MS = 600_000

/**
 * How long a host may take for a connection's one-time setup before a request (opening the
 * session; copying a schema-3 file's operations for the console, ~1-2 s for the 2M operations
 * of a 10M-transition session): the request's own deadline starts after it.
 */
export const SQL_SETUP_TIMEOUT_MS = 60_000

/** Which host process serves a request (see above). */
export type SqlLane = 'console' | 'find'

export interface SqlQueryRequest {
  /** The session file (absolute path); the host opens it read-only. */
  path: string
  /** One read-only statement (SELECT, WITH, VALUES, EXPLAIN). */
  sql: string
  /** Row cap (default 1000, at most 10,000); SqlResult.truncated says if more rows existed. */
  limit?: number
  /** Deadline in ms (default SQL_DEFAULT_TIMEOUT_MS, at most SQL_MAX_TIMEOUT_MS). */
  timeoutMs?: number
  /** A caller-chosen id, to cancel() this request (unique among the caller's running requests). */
  id?: string
  /** Another way to cancel it. */
  signal?: AbortSignal
  /** Default 'console'. */
  lane?: SqlLane
}

export interface FindWhereRequest {
  /** The session file (absolute path); the host opens it read-only. */
  path: string
  /**
   * An SQL expression over the columns of `transitions` (seq, op, vcpu, kind, fields and one
   * column per transition field), e.g. `kind = 'kvm_mmu_free_roots' AND vcpu = 2`. Equality on
   * kind, vcpu and sp (`=`, `IN`) skips chunks by their summaries; anything else is evaluated
   * on every transition of the range. It must be one expression: no `;`, no unbalanced
   * parentheses.
   */
  where: string
  /** Search strictly after `from` (forward) or strictly before it (backward). 0 <= from. */
  from: number
  /** Default false: forward. */
  backward?: boolean
  /** Deadline in ms (default FIND_DEFAULT_TIMEOUT_MS, at most SQL_MAX_TIMEOUT_MS). */
  timeoutMs?: number
  /** A caller-chosen id, to cancel() this request. */
  id?: string
  signal?: AbortSignal
  /** Called while scanning (about every 100 ms, or per window of transitions). */
  onProgress?: (p: FindWhereProgress) => void
  /** Default 'find'. */
  lane?: SqlLane
}

export type SqlHostErrorReason = 'timeout' | 'cancelled' | 'sql' | 'crashed' | 'closed'

export class SqlHostError extends Error {
  override name = 'SqlHostError'
  constructor(message: string, readonly reason: SqlHostErrorReason) {
    super(message)
  }
}

/** The pool of SQL host processes of one service (or one CLI run). */
export interface SqlHosts {
  /** Runs one read-only query. */
  query(req: SqlQueryRequest): Promise<SqlResult>
  /** The first seq after / before `from` where `where` holds, or null. */
  findWhere(req: FindWhereRequest): Promise<FindWhereResult>
  /** Tables, views and table-valued functions of a session's SQL, with their columns. */
  tables(path: string): Promise<SqlTableInfo[]>
  /** Cancels a running or queued request by id (kills its host if it is running); false if unknown. */
  cancel(id: string): boolean
  /** Stops the hosts of one session file (call when it is closed). */
  release(path: string): void
  /** Kills every host (SIGKILL) at once; later calls reject with reason 'closed'. */
  close(): Promise<void>
}
