/**
 * The pool of SQL host processes (types.ts says what callers get): one process per (lane,
 * session file), started on first use and kept warm; its requests run one at a time. A request
 * that passes its deadline, or is cancelled while it runs, kills its process (SIGKILL: a
 * statement inside sqlite3_step cannot be interrupted otherwise); the next request starts a new
 * one. The caller's thread never waits on SQLite.
 */
import type { FindWhereResult } from '../session/find-where'
import type { SqlResult, SqlTableInfo } from '../session/results'
import { nodeHostLauncher } from './node-launcher'
import type { HostLauncher, HostProcess } from './launcher'
import type { HostRequest } from './protocol'
import {
  FIND_DEFAULT_TIMEOUT_MS, SQL_DEFAULT_TIMEOUT_MS, SQL_MAX_TIMEOUT_MS, SQL_SETUP_TIMEOUT_MS, SqlHostError,
  type FindWhereProgress, type SqlHosts, type SqlLane,
} from './types'

export type { HostLauncher, HostProcess } from './launcher'

export interface SqlHostsOptions {
  /** Default: child_process.fork of sql-host.js (node-launcher.ts). */
  launch?: HostLauncher
  /** better-sqlite3 addon for the hosts' ABI (Electron). */
  nativeBinding?: string
}

type Body = { type: 'query'; sql: string; limit?: number } | { type: 'find'; where: string; from: number; backward: boolean } | { type: 'tables' }

interface Job {
  body: Body
  /** What the user calls it in messages: "SQL query", "search". */
  what: string
  timeoutMs: number
  id?: string
  onProgress?: (p: FindWhereProgress) => void
  resolve(v: unknown): void
  reject(e: SqlHostError): void
  timer?: NodeJS.Timeout
}

const seconds = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`)

function checkTimeout(ms: number | undefined, fallback: number): number {
  if (ms === undefined) return fallback
  if (!Number.isInteger(ms) || ms < 1 || ms > SQL_MAX_TIMEOUT_MS) {
    throw new SqlHostError(`the deadline must be an integer from 1 to ${SQL_MAX_TIMEOUT_MS} ms, got ${ms}`, 'sql')
  }
  return ms
}

/** One host process and its queue. */
class Host {
  private proc: HostProcess | null = null
  private ready = false
  private readonly queue: Job[] = []
  private current: Job | null = null
  private nextId = 1
  /** The wire id of the current request (replies to anything else are stale). */
  private currentWire = 0

  constructor(private readonly path: string, private readonly launch: HostLauncher, private readonly nativeBinding: string | undefined) {}

  submit(job: Job): void {
    this.queue.push(job)
    this.pump()
  }

  /** Cancels a job by caller id: removes it if queued, kills the process if it runs. */
  cancel(id: string): boolean {
    const i = this.queue.findIndex((j) => j.id === id)
    if (i >= 0) {
      const [job] = this.queue.splice(i, 1)
      job!.reject(new SqlHostError(`the ${job!.what} was cancelled`, 'cancelled'))
      return true
    }
    if (this.current?.id === id) {
      this.stopCurrent(new SqlHostError(`the ${this.current.what} was cancelled`, 'cancelled'))
      return true
    }
    return false
  }

  /** Kills the process and fails every job with `e`. */
  shutdown(e: SqlHostError): void {
    for (const j of this.queue.splice(0)) j.reject(e)
    if (this.current) this.stopCurrent(e)
    else this.kill()
  }

  get idle(): boolean {
    return !this.current && this.queue.length === 0
  }

  private kill(): void {
    const p = this.proc
    this.proc = null
    this.ready = false
    p?.kill()
  }

  private stopCurrent(e: SqlHostError): void {
    const job = this.current!
    this.current = null
    clearTimeout(job.timer)
    this.kill()
    job.reject(e)
    this.pump()
  }

  private start(): void {
    const p = this.launch()
    this.proc = p
    this.ready = false
    p.onMessage((m) => {
      if (this.proc !== p) return
      if (m.type === 'ready') {
        this.ready = true
        this.pump()
      } else if (m.type === 'progress') {
        if (m.id === this.currentWire) this.current?.onProgress?.(m.progress)
      } else if (m.type === 'setup') {
        // The connection's one-time setup gets its own allowance; the request's deadline then
        // starts again from its end.
        if (m.id === this.currentWire && this.current) this.arm(this.current, m.phase === 'start' ? Math.max(SQL_SETUP_TIMEOUT_MS, this.current.timeoutMs) : this.current.timeoutMs)
      } else if (m.id === this.currentWire && this.current) {
        const job = this.current
        this.current = null
        clearTimeout(job.timer)
        if (m.ok) job.resolve(m.value)
        else job.reject(new SqlHostError(m.error, 'sql'))
        this.pump()
      }
    })
    p.onExit((why) => {
      if (this.proc !== p) return
      this.proc = null
      this.ready = false
      if (this.current) this.stopCurrent(new SqlHostError(`the SQL host stopped unexpectedly (${why}) while running the ${this.current.what}`, 'crashed'))
      else for (const j of this.queue.splice(0)) j.reject(new SqlHostError(`the SQL host could not start (${why})`, 'crashed'))
    })
  }

  private pump(): void {
    if (this.current || this.queue.length === 0) return
    if (!this.proc) this.start()
    if (!this.ready) return
    const job = this.queue.shift()!
    this.current = job
    this.currentWire = this.nextId++
    const req = { ...job.body, id: this.currentWire, path: this.path, ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}) } as HostRequest
    this.arm(job, job.timeoutMs)
    this.proc!.send(req)
  }

  /** (Re)starts the job's timer: `ms` from now. */
  private arm(job: Job, ms: number): void {
    clearTimeout(job.timer)
    job.timer = setTimeout(() => {
      if (this.current === job) {
        this.stopCurrent(new SqlHostError(`the ${job.what} ran past its deadline of ${seconds(job.timeoutMs)} and was stopped`, 'timeout'))
      }
    }, ms)
  }
}

export function createSqlHosts(opts: SqlHostsOptions = {}): SqlHosts {
  const launch = opts.launch ?? nodeHostLauncher()
  const hosts = new Map<string, Host>()
  let closed = false
  let privateIds = 0

  const hostFor = (lane: SqlLane, path: string): Host => {
    const key = `${lane}\0${path}`
    let h = hosts.get(key)
    if (!h) {
      h = new Host(path, launch, opts.nativeBinding)
      hosts.set(key, h)
    }
    return h
  }

  const submit = <T>(lane: SqlLane, path: string, body: Body, what: string, timeoutMs: number, extra: {
    id?: string; signal?: AbortSignal; onProgress?: (p: FindWhereProgress) => void
  }): Promise<T> => new Promise<T>((resolve, reject) => {
    if (closed) {
      reject(new SqlHostError('the SQL hosts are closed', 'closed'))
      return
    }
    if (extra.signal?.aborted) {
      reject(new SqlHostError(`the ${what} was cancelled`, 'cancelled'))
      return
    }
    const host = hostFor(lane, path)
    const job: Job = {
      body, what, timeoutMs, ...(extra.id !== undefined ? { id: extra.id } : {}),
      ...(extra.onProgress ? { onProgress: extra.onProgress } : {}),
      resolve: (v) => resolve(v as T), reject,
    }
    if (extra.signal) {
      const signal = extra.signal
      const onAbort = () => {
        // Cancel by identity: give the job a private id if the caller gave none.
        job.id ??= `\0signal:${++privateIds}`
        host.cancel(job.id)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      const settle = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
        signal.removeEventListener('abort', onAbort)
        f(...a)
      }
      job.resolve = settle((v: unknown) => resolve(v as T))
      job.reject = settle(reject)
    }
    host.submit(job)
  })

  return {
    async query(req) {
      const timeoutMs = checkTimeout(req.timeoutMs, SQL_DEFAULT_TIMEOUT_MS)
      return submit<SqlResult>(req.lane ?? 'console', req.path, { type: 'query', sql: req.sql, ...(req.limit !== undefined ? { limit: req.limit } : {}) },
        'SQL query', timeoutMs, req)
    },
    async findWhere(req) {
      const timeoutMs = checkTimeout(req.timeoutMs, FIND_DEFAULT_TIMEOUT_MS)
      return submit<FindWhereResult>(req.lane ?? 'find', req.path, { type: 'find', where: req.where, from: req.from, backward: req.backward === true },
        'search', timeoutMs, req)
    },
    tables(path) {
      return submit<SqlTableInfo[]>('console', path, { type: 'tables' }, 'table list', SQL_DEFAULT_TIMEOUT_MS * 5, {})
    },
    cancel(id) {
      for (const h of hosts.values()) if (h.cancel(id)) return true
      return false
    },
    release(path) {
      for (const [key, h] of hosts) {
        if (key.endsWith(`\0${path}`)) {
          h.shutdown(new SqlHostError(`${path} was closed`, 'closed'))
          hosts.delete(key)
        }
      }
    },
    async close() {
      closed = true
      for (const h of hosts.values()) h.shutdown(new SqlHostError('the SQL hosts are closed', 'closed'))
      hosts.clear()
    },
  }
}
