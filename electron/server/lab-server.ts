/**
 * `rootlab serve`'s HTTP transport of the LabApi, on 127.0.0.1 only:
 *
 *   POST /api/<name>   body: the request's JSON args -> 200 + JSON LabResult (ok or error alike)
 *                      400 body is not JSON · 404 unknown request · 405 not POST · 413 too large
 *                      401 no token (./auth.ts) · 403 wrong Host / cross-origin · 415 not JSON
 *   GET  /api/events   server-sent events, one named event per LabEvent (token needed too)
 *   GET  /...          the built renderer (index.html for paths without an extension); loaded
 *                      with the right `?token=`, it sets the token cookie
 *   any request with more than one Host header: 400 (which one would the checks believe?)
 *
 * There is deliberately no way to bind another interface: the host is not an option.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { httpRoute, isLabRequestName } from '../api/contract'
import type { LabService } from '../service/lab-service'
import { MAX_SCRIPT_BYTES } from '../../sim/script'
import { isAuthorized, sameToken, tokenCookie } from './auth'
import { createEventStreams } from './event-stream'
import { refusal, setSecurityHeaders } from './security'
import { serveStatic } from './static-files'

/** The only address the viewer listens on. */
export const LOOPBACK = '127.0.0.1'

/** Largest request body accepted: the script limit, the largest input anywhere in Root Lab. */
export const MAX_BODY_BYTES = MAX_SCRIPT_BYTES

export interface LabServerOptions {
  service: LabService
  /** Folder of the built renderer, or null to serve the API only (tests). */
  staticDir: string | null
  /** TCP port; 0 picks a free one. */
  port?: number
  maxBodyBytes?: number
  /** The token every /api/ request needs (./auth.ts serverToken). */
  token: string
}

export interface LabServer {
  /** http://127.0.0.1:PORT/ (without the token) */
  readonly url: string
  /** The token every /api/ request needs. */
  readonly token: string
  readonly port: number
  readonly server: Server
  /** Stops accepting, ends event streams and open connections. Does not close the service. */
  close(): Promise<void>
}

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.setHeader('Cache-Control', 'no-store')
  res.setHeader('Content-Length', Buffer.byteLength(text))
  res.end(text)
}

const formatBytes = (n: number): string => (n >= 1_000_000 ? `${Math.round(n / 1_000_000)} MB` : `${n} bytes`)

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) {
      reject(new HttpError(413, `request body larger than ${formatBytes(limit)}`))
      req.resume()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      if (size > limit) return // already refused; drain the rest so the 413 reaches the client
      size += c.length
      if (size > limit) {
        chunks.length = 0
        reject(new HttpError(413, `request body larger than ${formatBytes(limit)}`))
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

async function handleApiCall(service: LabService, name: string, req: IncomingMessage, res: ServerResponse, limit: number): Promise<void> {
  if (!isLabRequestName(name)) throw new HttpError(404, `unknown request "${name.slice(0, 64)}"`)
  if (req.method !== 'POST') {
    res.setHeader('Allow', 'POST')
    throw new HttpError(405, `${name}: use POST ${httpRoute(name)} with JSON arguments`)
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new HttpError(415, `${name}: the request body must be application/json`)
  const body = await readBody(req, limit)
  let args: unknown
  if (body.trim() !== '') {
    try {
      args = JSON.parse(body)
    } catch {
      throw new HttpError(400, `${name}: the request body is not valid JSON`)
    }
  }
  sendJson(res, 200, await service.call(name, args))
}

/** How many Host headers the request has (Node keeps only the first in req.headers). */
function hostHeaderCount(req: IncomingMessage): number {
  let n = 0
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'host') n++
  return n
}

/** Starts the server; resolves once it listens. */
export function startLabServer(opts: LabServerOptions): Promise<LabServer> {
  const limit = opts.maxBodyBytes ?? MAX_BODY_BYTES
  const streams = createEventStreams(opts.service)
  let port = 0

  const server = createServer((req, res) => {
    setSecurityHeaders(res)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/')
    const fail = (status: number, message: string) => {
      if (isApi) sendJson(res, status, { ok: false, error: message })
      else {
        res.statusCode = status
        res.setHeader('Content-Type', 'text/plain; charset=utf-8')
        res.end(`${message}\n`)
      }
    }
    if (hostHeaderCount(req) > 1) {
      res.setHeader('Connection', 'close')
      return fail(400, 'refused: more than one Host header')
    }
    const why = refusal(req, port)
    if (why) return fail(403, why)
    if (isApi && !isAuthorized(req, opts.token, port)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="rootlab"')
      return fail(401, 'not authorized: open the URL that rootlab serve printed (it carries ?token=), or send Authorization: Bearer TOKEN')
    }
    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return fail(405, 'events: use GET /api/events')
      return streams.attach(req, res)
    }
    if (isApi) {
      const name = url.pathname.slice('/api/'.length)
      handleApiCall(opts.service, name, req, res, limit).catch((e: unknown) => {
        if (e instanceof HttpError) {
          if (e.status === 413) res.setHeader('Connection', 'close')
          fail(e.status, e.message)
        }
        else fail(500, `internal error: ${e instanceof Error ? e.message.split('\n')[0] : 'unknown'}`)
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405, 'only GET is served here')
    const given = url.searchParams.get('token')
    if (given !== null && sameToken(given, opts.token)) res.setHeader('Set-Cookie', tokenCookie(port, opts.token))
    if (opts.staticDir && serveStatic(opts.staticDir, url.pathname, res, req.method === 'HEAD')) return
    fail(404, `not found: ${url.pathname.slice(0, 200)}`)
  })
  // Slow or stuck clients must not pin sockets forever (the event stream is exempt: no timeout
  // once headers are sent, since requestTimeout only covers receiving the request).
  server.requestTimeout = 60_000
  server.headersTimeout = 10_000

  return new Promise((resolveStart, reject) => {
    server.once('error', reject)
    server.listen({ host: LOOPBACK, port: opts.port ?? 0, exclusive: true }, () => {
      server.off('error', reject)
      port = (server.address() as AddressInfo).port
      resolveStart({
        url: `http://${LOOPBACK}:${port}/`,
        token: opts.token,
        port,
        server,
        close: () => new Promise<void>((done) => {
          streams.closeAll()
          server.close(() => done())
          server.closeAllConnections()
        }),
      })
    })
  })
}
