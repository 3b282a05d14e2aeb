/**
 * What runs inside an SQL host process: the sessions it has open (read-only, one console
 * connection each, kept warm between requests) and the handling of one request. Synchronous: a
 * request runs to its end (or until the process is killed at its deadline); the client sends the
 * next only after the result.
 */
import { openSession, type Session } from '../session/index'
import type { HostReply, HostRequest } from './protocol'

/** Longest error line sent back (a runaway SQL error text is cut). */
const MAX_ERROR = 500

function errorText(e: unknown): string {
  const raw = e instanceof Error ? e.message : String(e)
  const line = raw.split(/\r?\n/, 1)[0]!.trim() || 'unexpected error'
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR - 1)}…` : line
}

export interface HostHandler {
  handle(req: HostRequest): void
  close(): void
}

export function createHostHandler(send: (m: HostReply) => void): HostHandler {
  const open = new Map<string, Session>()

  const sessionFor = (req: HostRequest): Session => {
    let s = open.get(req.path)
    if (!s) {
      s = openSession(req.path, { readonly: true, ...(req.nativeBinding ? { nativeBinding: req.nativeBinding } : {}) })
      open.set(req.path, s)
    } else s.store.refresh() // a session still being recorded has grown since
    return s
  }

  const run = (req: HostRequest): unknown => {
    // One-time work of this connection, reported so that the deadline bounds the request's own
    // time: opening the session, and copying a schema-3 file's operations if the request names them.
    const started = performance.now()
    const fresh = !open.has(req.path)
    if (fresh) send({ type: 'setup', id: req.id, phase: 'start' })
    const s = sessionFor(req)
    const sql = s.sqlConsole()
    const text = req.type === 'query' ? req.sql : req.type === 'find' ? req.where : null
    const tables = text === null ? null : sql.sqlTables()
    const copy = text !== null && tables !== null && tables.needsOperations(text)
    if (copy && !fresh) send({ type: 'setup', id: req.id, phase: 'start' })
    if (copy) tables!.ensureOperations(text)
    if (fresh || copy) send({ type: 'setup', id: req.id, phase: 'done', ms: Math.round(performance.now() - started) })
    switch (req.type) {
      case 'query':
        return sql.run(req.sql, req.limit, Infinity)
      case 'find':
        return sql.findWhere({
          where: req.where, from: req.from, backward: req.backward,
          onProgress: (progress) => send({ type: 'progress', id: req.id, progress }),
        })
      case 'tables':
        return sql.catalog()
    }
  }

  return {
    handle(req) {
      try {
        send({ type: 'result', id: req.id, ok: true, value: run(req) })
      } catch (e) {
        send({ type: 'result', id: req.id, ok: false, error: errorText(e) })
      }
    },
    close() {
      for (const s of open.values()) s.close()
      open.clear()
    },
  }
}
