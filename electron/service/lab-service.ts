/**
 * The LabApi service: one object with one method per request of electron/api/contract.ts, over
 * the session layer. Both shells serve it unchanged: Electron's IPC handlers and `rootlab serve`'s
 * HTTP routes call `call(name, args)`, and tests call the methods directly.
 *
 * Guarantees of every method:
 * - the arguments are validated with the contract's schema before anything else (the renderer is
 *   untrusted); paths go through the PathPolicy;
 * - the result is `{ ok: true, value }` or `{ ok: false, error }` with one readable line; nothing
 *   throws and no stack trace leaves the process.
 *
 * The service holds the sessions open in this process (by id), the running recordings (each in a
 * worker thread, reported through the recordingProgress / recordingFinished events), and the
 * recent-files list.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import {
  isLabRequestName, validateArgs,
  type LabArgs, type LabEventName, type LabEvents, type LabRequestName, type LabResult, type LabResults,
  type SessionInfo, type StateAtResult,
} from '../api/contract'
import { DEFAULT_SESSION_POLICY, DEFAULT_SESSION_SOURCE, defaultSessionPath } from './default-session'
import { fail, LabError, ok } from './errors'
import type { PathPolicy } from './path-policy'
import { createRecentFiles, type RecentFiles } from './recent-files'
import { workerRunner, type RecordingJob, type RecordingOutcome, type RecordingRunner } from './recording-runner'
import type { RecordSource, SessionHandle, SessionLayer } from './session-port'
import { createSqlHosts } from '../sqlhost/hosts'
import type { SqlHosts } from '../sqlhost/types'
import { createWatchSearches } from './watch-searches'
import { hostWhereStarter } from './where-search'
import type { Op } from '../../sim/types'
import { lab_catalog } from '../../sim/catalog'
import { listReproducers } from '../fuzz/folder'

export interface LabServiceOptions {
  /** The session layer (electron/session), or a stand-in in tests. */
  sessions: SessionLayer
  /** Which paths the renderer may name. */
  paths: PathPolicy
  /** Folder of the embedded default session (Electron: userData; serve: the data folder). */
  dataDir: string
  /** How recordings run; default: in a worker thread. */
  runner?: RecordingRunner
  /** Recently opened files; default: kept in memory. */
  recent?: RecentFiles
  /** better-sqlite3 addon for Electron's ABI (see electron/main/native-binding.ts). */
  nativeBinding?: string
  /**
   * Where SQL queries run (electron/sqlhost): processes killed at their deadline or on cancel.
   * Default: child_process.fork of the SQL host (Electron passes its utilityProcess launcher).
   */
  sqlHosts?: SqlHosts
  /** Default deadline of an sqlQuery in ms (default 2,000: SQL_DEFAULT_TIMEOUT_MS). */
  sqlTimeoutMs?: number
  /**
   * Recordings started with startRecording that may run at once (default MAX_RECORDINGS): each is a
   * worker thread busy on a core, so a page (or anyone with the token) cannot start a hundred.
   */
  maxRecordings?: number
}

/** Default of LabServiceOptions.maxRecordings. */
export const MAX_RECORDINGS = 2

type AnyListener = <E extends LabEventName>(event: E, payload: LabEvents[E]) => void

/** One method per request: validated, never throwing, returning a LabResult. */
export type LabServiceMethods = {
  [K in LabRequestName]: (args: unknown) => Promise<LabResult<LabResults[K]>>
}

export interface LabService extends LabServiceMethods {
  /** Dispatches a request by name (the transports' entry point); unknown names are an error. */
  call(name: string, args: unknown): Promise<LabResult<unknown>>
  /** Subscribes to one pushed event; returns the unsubscribe function. */
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
  /** Subscribes to every pushed event (transports forward them all). */
  onAny(listener: AnyListener): () => void
  /** Trusts a file the shell itself chose (e.g. a path given on the command line). */
  trust(path: string): void
  /** Cancels running recordings, waits for them, and closes every open session. */
  close(): Promise<void>
}

interface OpenSession {
  id: string
  handle: SessionHandle
  path: string
}

interface Recording {
  id: string
  out: string
  job: RecordingJob
  /** Started by startRecording (counted against maxRecordings), not the default session. */
  requested?: boolean
}

/** Page size when reading every operation of a session (the session layer's maximum). */
const OPERATIONS_PAGE = 10_000

/** Every operation of a session, in order, read page by page. */
function allOperations(h: SessionHandle): Op[] {
  const ops: Op[] = []
  for (;;) {
    const page = h.operations(ops.length, OPERATIONS_PAGE)
    for (const o of page) ops.push(o.op)
    if (page.length < OPERATIONS_PAGE) return ops
  }
}

/** Creates the service. It starts nothing until called. */
export function createLabService(opts: LabServiceOptions): LabService {
  const layer = opts.sessions
  const runner = opts.runner ?? workerRunner()
  const recent = opts.recent ?? createRecentFiles()
  const sql = opts.sqlHosts ?? createSqlHosts(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {})
  /** A query id of one session (ids are chosen by the renderer, so scoped per session). */
  const queryId = (session: string, id: string | undefined) => (id === undefined ? undefined : `${session}:${id}`)
  const openOpts = opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}
  const sessions = new Map<string, OpenSession>() // insertion order = least recently opened first
  const recordings = new Map<string, Recording>()
  const listeners = new Set<AnyListener>()
  // Files this process created or was told to open (default session, recordings, a CLI FILE):
  // readable whatever the path policy says.
  const trusted = new Set<string>()
  let nextSession = 1
  let nextRecording = 1
  let pendingDefault: Promise<SessionInfo> | undefined
  let closing = false

  const emit: AnyListener = (event, payload) => {
    for (const l of listeners) {
      try {
        l(event, payload)
      } catch {
        // A failing listener (a closed window, a dropped HTTP client) must not stop the others.
      }
    }
  }

  const get = (id: string): OpenSession => {
    const s = sessions.get(id)
    if (!s) throw new LabError(`no open session "${id}" (it was closed, or never opened)`)
    return s
  }

  const infoOf = (s: OpenSession): SessionInfo => ({ ...s.handle.info(), session: s.id, path: s.path })

  const readable = (path: string): string => {
    const abs = resolve(path)
    return trusted.has(abs) ? abs : opts.paths.readable(path)
  }

  /** Opens `path` (already checked), or returns the session that has it open. */
  const openPath = (path: string): SessionInfo => {
    for (const s of sessions.values()) {
      if (s.path === path) {
        // Most recently opened last in the map, first in listSessions.
        sessions.delete(s.id)
        sessions.set(s.id, s)
        recent.add(path)
        return infoOf(s)
      }
    }
    const handle = layer.openSession(path, openOpts)
    const s: OpenSession = { id: `s${nextSession++}`, handle, path }
    sessions.set(s.id, s)
    recent.add(path)
    return infoOf(s)
  }

  const checkFreeForWriting = (out: string): void => {
    for (const s of sessions.values()) {
      if (s.path === out) throw new LabError(`${out} is open in this viewer; close it first or choose another name`)
    }
    for (const r of recordings.values()) {
      if (r.out === out) throw new LabError(`${out} is being recorded right now`)
    }
  }

  /** Starts a tracked recording; `onDone` runs before recordingFinished is emitted. */
  const record = (source: RecordSource, policy: LabArgs<'startRecording'>['policy'], out: string, force: boolean): Recording => {
    if (closing) throw new LabError('the viewer is shutting down')
    checkFreeForWriting(out)
    if (!force && existsSync(out)) throw new LabError(`${out} already exists; choose another name`)
    mkdirSync(dirname(out), { recursive: true })
    const id = `r${nextRecording++}`
    const job = runner(
      { source, policy, out, force, ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}) },
      (p) => emit('recordingProgress', { recording: id, ...p }),
    )
    const rec: Recording = { id, out, job }
    recordings.set(id, rec)
    trusted.add(out)
    void job.done.then((outcome) => {
      recordings.delete(id)
      emit('recordingFinished', finishedEvent(id, out, outcome))
    })
    return rec
  }

  const finishedEvent = (id: string, out: string, outcome: RecordingOutcome): LabEvents['recordingFinished'] => {
    // A cancelled recording is a valid, incomplete session: open it so the user can look at it.
    let session: SessionInfo | null = null
    let openError: string | null = null
    // (A cancelled replace left the old file in place: that is not this recording's session.)
    const written = !(outcome.ok && outcome.summary?.written === false)
    if ((outcome.ok || outcome.cancelled) && written && !closing && existsSync(out)) {
      try {
        session = openPath(out)
      } catch (e) {
        openError = fail(e).error
      }
    }
    if (outcome.cancelled) return { recording: id, ok: false, session, error: 'recording cancelled', cancelled: true }
    if (!outcome.ok) return { recording: id, ok: false, session: null, error: outcome.error, cancelled: false }
    if (!session) return { recording: id, ok: false, session: null, error: openError ?? `${out} could not be opened`, cancelled: false }
    return { recording: id, ok: true, session, error: null, cancelled: false }
  }

  const recordingOut = (out: string | undefined, label: string, policy: string): string => {
    if (out !== undefined) return opts.paths.writable(out)
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')
    const base = `${label.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 60)}-${policy}-${stamp}`
    for (let i = 0; ; i++) {
      const candidate = join(opts.paths.recordingsDir, `${base}${i ? `-${i}` : ''}.rootlab`)
      if (!existsSync(candidate) && ![...recordings.values()].some((r) => r.out === candidate)) {
        return opts.paths.writable(candidate)
      }
    }
  }

  const openDefault = async (): Promise<SessionInfo> => {
    const path = resolve(defaultSessionPath(opts.dataDir))
    trusted.add(path)
    for (const s of sessions.values()) if (s.path === path) return openPath(path)
    if (existsSync(path)) {
      try {
        const handle = layer.openSession(path, openOpts)
        const complete = handle.info().complete
        handle.close()
        if (complete) return openPath(path)
      } catch {
        // Damaged, incomplete, or from another model version: record it afresh below.
      }
    }
    // The default session is the app's own file: side files a killed recording of it left are
    // ours to remove (the recorder refuses to write beside another file's -wal / -journal).
    for (const side of ['-wal', '-shm', '-journal']) rmSync(`${path}${side}`, { force: true })
    const rec = record(DEFAULT_SESSION_SOURCE, DEFAULT_SESSION_POLICY, path, true)
    const outcome = await rec.job.done
    if (!outcome.ok) throw new LabError(`recording the default session failed: ${outcome.error}`)
    if (outcome.cancelled) throw new LabError('recording the default session was cancelled')
    return openPath(path)
  }

  const watchSearches = createWatchSearches((e, p) => emit(e, p))

  /** stateAt's answer (also openSession's `at`). */
  const stateOf = (s: OpenSession, a: { seq: number; pages?: 'all' | 'roots' | 'none'; transition?: boolean }): StateAtResult => {
    const h = s.handle
    const view = h.view(a.seq, { pages: a.pages ?? 'all' })
    if (!a.transition) return view
    return { ...view, transition: a.seq > 0 ? h.transitions({ from: a.seq, to: a.seq, limit: 1 })[0] ?? null : null }
  }

  const handlers: { [K in LabRequestName]: (a: LabArgs<K>) => LabResults[K] | Promise<LabResults[K]> } = {
    listSessions: () => ({ open: [...sessions.values()].reverse().map(infoOf), recent: recent.list() }),
    openSession: (a) => {
      const info = openPath(readable(a.path))
      if (!a.at) return info
      return { ...info, at: a.at.seq <= info.transitions ? stateOf(get(info.session), a.at) : null }
    },
    openDefaultSession: () => {
      pendingDefault ??= openDefault().finally(() => (pendingDefault = undefined))
      return pendingDefault
    },
    closeSession: (a) => {
      const s = get(a.session)
      sessions.delete(s.id)
      sql.release(s.path)
      s.handle.close()
      return null
    },
    sessionInfo: (a) => infoOf(get(a.session)),
    stateAt: (a) => stateOf(get(a.session), a),
    transitions: (a) => get(a.session).handle.transitions({
      from: a.from, to: a.to, kinds: a.kinds, vcpu: a.vcpu, sp: a.sp, limit: a.limit ?? 500,
    }),
    transitionCount: (a) => get(a.session).handle.countTransitions({ kinds: a.kinds, vcpu: a.vcpu, sp: a.sp, at: a.at }),
    transitionsByIndex: (a) => get(a.session).handle.transitionsByIndex({
      kinds: a.kinds, vcpu: a.vcpu, sp: a.sp, index: a.index, limit: a.limit ?? 500,
    }),
    findTransition: (a) => get(a.session).handle.find(a.from, a.direction, a.target),
    fieldHistory: (a) => get(a.session).handle.fieldHistory(a.field, a.from, a.to, a.limit ?? 1000),
    diff: (a) => get(a.session).handle.diff(a.a, a.b),
    density: (a) => get(a.session).handle.density(a.buckets, a.from, a.to),
    sqlQuery: (a) => sql.query({
      path: get(a.session).path, sql: a.sql, limit: a.limit, timeoutMs: a.timeoutMs ?? opts.sqlTimeoutMs, id: queryId(a.session, a.id),
    }),
    compare: (a) => {
      const sa = get(a.a)
      const sb = get(a.b)
      const r = layer.compareSessions(sa.handle, sb.handle)
      return { ...r, a: { ...r.a, session: sa.id }, b: { ...r.b, session: sb.id } }
    },
    operations: (a) => get(a.session).handle.operations(a.from ?? 0, a.limit ?? 1000),
    exportSession: (a) => {
      const s = get(a.session)
      const out = opts.paths.writable(a.out)
      checkFreeForWriting(out)
      mkdirSync(dirname(out), { recursive: true })
      // Replace only what a Save dialog asked about (path-policy); the write goes through a temp file.
      const replace = { replace: opts.paths.replaceable?.(a.out) ?? false }
      if (a.format === 'db') s.handle.exportDb(out, replace)
      else s.handle.exportPerfetto(out, replace)
      return { out, bytes: statSync(out).size }
    },
    startRecording: (a) => {
      const max = opts.maxRecordings ?? MAX_RECORDINGS
      if ([...recordings.values()].filter((r) => r.requested).length >= max) {
        throw new LabError(`${max} recordings are running already (the most at once); wait for one to finish or cancel one`)
      }
      let source: RecordSource
      let label: string
      if (a.source.type === 'session') {
        const s = get(a.source.session)
        const info = s.handle.info()
        const ops = allOperations(s.handle)
        source = {
          type: 'ops', name: info.scenario, vcpus: info.vcpus, ops,
          scenario: info.scenario, seed: info.seed, params: info.params,
        }
        label = info.scenario
      } else if (a.source.type === 'script') {
        source = a.source
        label = basename(a.source.name).replace(/\.json$/i, '') || 'script'
      } else {
        source = a.source
        label = a.source.scenario
      }
      const out = recordingOut(a.out, label, a.policy)
      const rec = record(source, a.policy, out, false)
      rec.requested = true
      return { recording: rec.id, out }
    },
    cancelRecording: (a) => {
      const r = recordings.get(a.recording)
      if (!r) throw new LabError(`no running recording "${a.recording}" (it finished, or never started)`)
      r.job.cancel()
      return null
    },
    listBookmarks: (a) => get(a.session).handle.bookmarks(),
    addBookmark: (a) => get(a.session).handle.addBookmark(a.seq, a.note),
    removeBookmark: (a) => {
      get(a.session).handle.removeBookmark(a.id)
      return null
    },
    kernelSummary: (a) => get(a.session).handle.kernelSummary(),
    kernelEvents: (a) => get(a.session).handle.kernelEvents({ fromOp: a.fromOp, toOp: a.toOp, limit: a.limit }),
    findWatch: (a) => {
      const s = get(a.session)
      return watchSearches.run(s.handle, a, hostWhereStarter(sql, s.path))
    },
    cancelWatchFind: (a) => {
      watchSearches.cancel(a.search)
      return null
    },
    fieldChanges: (a) => get(a.session).handle.fieldChanges(a.field, a.from, a.to, a.limit ?? 1000),
    findingGroups: (a) => get(a.session).handle.findingGroups(),
    catalog: () => lab_catalog(),
    listWatches: (a) => get(a.session).handle.watches(),
    addWatch: (a) => get(a.session).handle.addWatch(a.watch),
    removeWatch: (a) => {
      get(a.session).handle.removeWatch(a.id)
      return null
    },
    setWatchEnabled: (a) => {
      get(a.session).handle.setWatchEnabled(a.id, a.enabled)
      return null
    },
    fuzzReproducers: (a) => {
      const folder = listReproducers(a.dir, readable)
      // The user named the folder: its reproducers open without another dialog (Electron).
      for (const r of folder.reproducers) trusted.add(r.session)
      return folder
    },
    cancelSql: (a) => {
      get(a.session)
      return sql.cancel(queryId(a.session, a.id)!)
    },
    sqlTables: (a) => sql.tables(get(a.session).path),
    lanes: (a) => get(a.session).handle.lanes(a.from, a.to, a.columns),
  }

  async function call(name: string, args: unknown): Promise<LabResult<unknown>> {
    if (!isLabRequestName(name)) return { ok: false, error: `unknown request "${name.slice(0, 64)}"` }
    const valid = validateArgs(name, args)
    if (!valid.ok) return valid
    try {
      const handler = handlers[name] as (a: unknown) => unknown
      return ok(await handler(valid.value))
    } catch (e) {
      return fail(e)
    }
  }

  const methods = Object.fromEntries(
    (Object.keys(handlers) as LabRequestName[]).map((name) => [name, (args: unknown) => call(name, args)]),
  ) as LabServiceMethods

  return {
    ...methods,
    call,
    on(event, listener) {
      const l: AnyListener = (e, p) => {
        if ((e as string) === event) (listener as (p: unknown) => void)(p)
      }
      listeners.add(l)
      return () => void listeners.delete(l)
    },
    onAny(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },
    trust(path) {
      trusted.add(resolve(path))
    },
    async close() {
      closing = true
      // First, and at once: a query stuck inside SQLite must not hold up a shutdown (Ctrl-C).
      void sql.close()
      watchSearches.cancelAll()
      const running = [...recordings.values()]
      for (const r of running) r.job.cancel()
      await Promise.all(running.map((r) => r.job.done))
      for (const s of sessions.values()) {
        try {
          s.handle.close()
        } catch {
          // Closing is best effort: the process is going away.
        }
      }
      sessions.clear()
      await sql.close()
    },
  }
}
