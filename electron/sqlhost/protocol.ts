/**
 * Messages between the SQL host process (host-entry.ts) and its client (hosts.ts). The client
 * sends one request at a time and waits for its result; progress messages (and one `setup`,
 * when the connection had work to do before the request could run) may come before it.
 * The host says `ready` once, when it can take requests.
 */
import type { FindWhereProgress } from '../session/find-where'

interface Target {
  /** Numbers the requests of one host process (client side). */
  id: number
  /** The session file (absolute path), opened read-only on first use and kept open. */
  path: string
  /** better-sqlite3 addon for this runtime's ABI (Electron), if not the default. */
  nativeBinding?: string
}

export type HostRequest =
  | (Target & { type: 'query'; sql: string; limit?: number })
  | (Target & { type: 'find'; where: string; from: number; backward: boolean })
  | (Target & { type: 'tables' })

export type HostReply =
  | { type: 'ready' }
  | { type: 'progress'; id: number; progress: FindWhereProgress }
  /**
   * The connection's one-time setup for this request (opening the session; copying a schema-3
   * file's operations for the console: SessionSqlTables.ensureOperations) starts / is done. The
   * client gives the setup SQL_SETUP_TIMEOUT_MS, then starts the request's deadline again, so
   * that the deadline bounds the query's own time.
   */
  | { type: 'setup'; id: number; phase: 'start' }
  | { type: 'setup'; id: number; phase: 'done'; ms: number }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: string }
