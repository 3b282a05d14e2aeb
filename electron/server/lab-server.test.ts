/**
 * The HTTP transport's own rules (the API behaviours are in electron/service/contract.test.ts):
 * loopback only, the token, Host and Origin checks, status codes for bad requests, security
 * headers, and static files that cannot escape the renderer folder.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLabService, type LabService } from '../service/lab-service'
import { rootFolderPolicy } from '../service/path-policy'
import { inlineRunner } from '../service/recording-runner'
import { fakeSessionLayer } from '../service/testing/fake-session-layer'
import { serverToken, tokenCookieName } from './auth'
import { LOOPBACK, MAX_BODY_BYTES, startLabServer, type LabServer } from './lab-server'
import { MAX_SCRIPT_BYTES } from '../../sim/script'

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function send(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  return new Promise((done, reject) => {
    const req = request({ host: LOOPBACK, port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    if (opts.body !== undefined) req.write(opts.body)
    req.end()
  })
}

/** Sends raw bytes (several Host headers cannot be sent with http.request) and returns the status. */
function sendRaw(port: number, text: string): Promise<number> {
  return new Promise((done, reject) => {
    const s = connect({ host: LOOPBACK, port })
    let out = ''
    s.on('data', (c) => (out += c.toString()))
    s.on('end', () => done(Number(/^HTTP\/1\.1 (\d+)/.exec(out)?.[1] ?? 0)))
    s.on('error', reject)
    s.write(text)
  })
}

const TOKEN = serverToken({})
const auth = { authorization: `Bearer ${TOKEN}` }
const json = { 'content-type': 'application/json', ...auth }
const jsonNoToken = { 'content-type': 'application/json' }

describe('rootlab serve HTTP transport', () => {
  let dir: string
  let service: LabService
  let server: LabServer
  let port: number

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rootlab-server-'))
    mkdirSync(join(dir, 'renderer', 'assets'), { recursive: true })
    mkdirSync(join(dir, 'files'))
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Root Lab</title>')
    writeFileSync(join(dir, 'renderer', 'assets', 'app.js'), 'export {}')
    for (const f of ['index-GJSjl5Ys.js', 'runtime-core.esm-bundler-Bgljkz5w.js', 'index-C7pdaiy0.css']) writeFileSync(join(dir, 'renderer', 'assets', f), '')
    writeFileSync(join(dir, 'secret.txt'), 'secret')
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'assets', 'link.js'))
    service = createLabService({
      sessions: fakeSessionLayer, paths: rootFolderPolicy(join(dir, 'files')), dataDir: join(dir, 'data'),
      runner: inlineRunner(fakeSessionLayer),
    })
    server = await startLabServer({ service, staticDir: join(dir, 'renderer'), port: 0, maxBodyBytes: 1024, token: TOKEN })
    port = server.port
  })
  afterAll(async () => {
    await server.close()
    await service.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('listens on 127.0.0.1 only', () => {
    expect(server.server.address()).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
    expect(server.url).toBe(`http://127.0.0.1:${port}/`)
  })

  it('cannot be reached on a non-loopback address of this machine', async () => {
    const external = Object.values(networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4')
    if (!external) return // no external interface here: nothing could reach us anyway
    const reached = await new Promise<boolean>((done) => {
      const s = connect({ host: external.address, port })
      s.once('connect', () => (s.destroy(), done(true)))
      s.once('error', () => done(false))
    })
    expect(reached).toBe(false)
  })

  it('answers an API request with a LabResult and HTTP 200', async () => {
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: json, body: '{}' })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ ok: true, value: { open: [], recent: [] } })
  })

  it('answers invalid arguments with HTTP 200 and a readable error', async () => {
    const r = await send(port, { method: 'POST', path: '/api/stateAt', headers: json, body: '{"session":"s1","seq":"x"}' })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: expect.stringMatching(/^stateAt: seq: /) })
  })

  it('answers a body that is not JSON with 400', async () => {
    const r = await send(port, { method: 'POST', path: '/api/stateAt', headers: json, body: '{"session":' })
    expect(r.status).toBe(400)
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'stateAt: the request body is not valid JSON' })
  })

  it('answers an unknown request with 404, GET on a request with 405', async () => {
    expect((await send(port, { method: 'POST', path: '/api/nope', headers: json, body: '{}' })).status).toBe(404)
    expect((await send(port, { method: 'GET', path: '/api/listSessions', headers: auth })).status).toBe(405)
  })

  it('refuses a body over the size limit with 413', async () => {
    const r = await send(port, { method: 'POST', path: '/api/sqlQuery', headers: json, body: JSON.stringify({ sql: 'x'.repeat(2000) }) })
    expect(r.status).toBe(413)
  })

  it('refuses a POST that is not application/json (a cross-site form cannot send JSON)', async () => {
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...auth, 'content-type': 'text/plain' }, body: '{}' })
    expect(r.status).toBe(415)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...json, host: `evil.example:${port}` }, body: '{}' })
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body).error).toMatch(/Host "evil.example/)
    expect((await send(port, { path: '/', headers: { host: `127.0.0.1:${port + 1}` } })).status).toBe(403)
    expect((await send(port, { path: '/', headers: { host: `localhost:${port}` } })).status).toBe(200)
  })

  it('refuses a cross-origin request', async () => {
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...json, origin: 'http://evil.example' }, body: '{}' })
    expect(r.status).toBe(403)
    const s = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...json, 'sec-fetch-site': 'cross-site' }, body: '{}' })
    expect(s.status).toBe(403)
    const same = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...json, origin: `http://127.0.0.1:${port}` }, body: '{}' })
    expect(same.status).toBe(200)
  })

  it('sends the CSP and nosniff with every response', async () => {
    for (const r of [await send(port, { path: '/' }), await send(port, { path: '/missing.js' })]) {
      expect(r.headers['content-security-policy']).toMatch(/default-src 'self'; script-src 'self'/)
      expect(r.headers['content-security-policy']).not.toMatch(/unsafe-inline|unsafe-eval/)
      expect(r.headers['x-content-type-options']).toBe('nosniff')
    }
  })

  it('serves the renderer, index.html for app paths, and nothing outside its folder', async () => {
    const index = await send(port, { path: '/' })
    expect(index.status).toBe(200)
    expect(index.headers['content-type']).toMatch(/text\/html/)
    expect((await send(port, { path: '/session/view' })).body).toMatch(/Root Lab/)
    expect((await send(port, { path: '/assets/app.js' })).headers['content-type']).toMatch(/javascript/)
    expect((await send(port, { path: '/../secret.txt' })).status).toBe(404)
    expect((await send(port, { path: '/assets/..%2f..%2fsecret.txt' })).status).toBe(404)
    expect((await send(port, { path: '/assets/link.js' })).status).toBe(404)
  })

  it('lets the browser keep hashed assets for good, and asks it to revalidate everything else', async () => {
    expect((await send(port, { path: '/assets/index-GJSjl5Ys.js' })).headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect((await send(port, { path: '/assets/runtime-core.esm-bundler-Bgljkz5w.js' })).headers['cache-control']).toMatch(/immutable/)
    expect((await send(port, { path: '/assets/index-C7pdaiy0.css' })).headers['cache-control']).toMatch(/immutable/)
    expect((await send(port, { path: '/' })).headers['cache-control']).toBe('no-cache')
    expect((await send(port, { path: '/session/view' })).headers['cache-control']).toBe('no-cache')
    expect((await send(port, { path: '/assets/app.js' })).headers['cache-control']).toBe('no-cache')
  })

  it('streams pushed events as named server-sent events', async () => {
    const res = await fetch(`${server.url}api/events`, { headers: auth })
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/)
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
    await reader.read() // retry line
    const rec = await fetch(`${server.url}api/startRecording`, {
      method: 'POST', headers: json,
      body: JSON.stringify({ source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 5, seed: 1 }, policy: 'free-obsolete', out: 'ev.rootlab' }),
    })
    expect(((await rec.json()) as { ok: boolean }).ok).toBe(true)
    let text = ''
    while (!text.includes('event: recordingFinished')) text += (await reader.read()).value ?? ''
    expect(text).toMatch(/^id: \d+\nevent: recordingProgress\ndata: \{"recording":"r1"/m)
    await reader.cancel()

    // A client that reconnects with Last-Event-ID is sent what it missed, from the next id on.
    const ids = [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    const again = await fetch(`${server.url}api/events`, { headers: { ...auth, 'Last-Event-ID': String(ids[0]) } })
    const r2 = again.body!.pipeThrough(new TextDecoderStream()).getReader()
    let replay = ''
    while (!replay.includes('event: recordingFinished')) replay += (await r2.read()).value ?? ''
    const replayed = [...replay.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(replayed[0]).toBe(ids[0]! + 1)
    expect(replayed).toEqual(ids.slice(1, replayed.length + 1))
    await r2.cancel()
  })
  it('answers every /api/ request without the token with 401, and does nothing', async () => {
    const start = JSON.stringify({ source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 5, seed: 1 }, policy: 'free-obsolete', out: 'no-token.rootlab' })
    for (const headers of [jsonNoToken, { ...jsonNoToken, authorization: 'Bearer wrong' }, { ...jsonNoToken, authorization: `Basic ${TOKEN}` },
      { ...jsonNoToken, authorization: `Bearer ${TOKEN}x` }, { ...jsonNoToken, cookie: `${tokenCookieName(port)}=nope` },
      { ...jsonNoToken, cookie: `${tokenCookieName(port + 1)}=${TOKEN}` }]) {
      const r = await send(port, { method: 'POST', path: '/api/startRecording', headers, body: start })
      expect(r.status).toBe(401)
      expect(r.headers['www-authenticate']).toMatch(/^Bearer/)
      expect(JSON.parse(r.body)).toEqual({ ok: false, error: expect.stringMatching(/^not authorized: open the URL that rootlab serve printed/) })
    }
    // Unknown names and wrong methods too: nothing about the API is told without the token.
    expect((await send(port, { method: 'POST', path: '/api/nope', headers: jsonNoToken, body: '{}' })).status).toBe(401)
    expect((await send(port, { method: 'GET', path: '/api/listSessions' })).status).toBe(401)
    expect((await send(port, { path: '/api/events' })).status).toBe(401)
    await new Promise((r) => setTimeout(r, 100))
    expect(existsSync(join(dir, 'files', 'no-token.rootlab'))).toBe(false)
    const list = await send(port, { method: 'POST', path: '/api/listSessions', headers: json, body: '{}' })
    expect(list.body).not.toMatch(/no-token/)
  })

  it('gives the page loaded with the right ?token= an HttpOnly SameSite=Strict cookie that admits its API calls', async () => {
    const page = await send(port, { path: `/?token=${TOKEN}&file=%2Fx.rootlab` })
    expect(page.status).toBe(200)
    const setCookie = String(page.headers['set-cookie'])
    expect(setCookie).toBe(`${tokenCookieName(port)}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`)
    const cookie = setCookie.split(';')[0]!
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: { ...jsonNoToken, cookie: `other=1; ${cookie}` }, body: '{}' })
    expect(r.status).toBe(200)
    const events = await fetch(`${server.url}api/events`, { headers: { cookie } })
    expect(events.status).toBe(200)
    await events.body!.cancel()
    // A wrong or missing token gets the page (it is public) but no cookie.
    for (const path of ['/', `/?token=${TOKEN.slice(1)}`, '/?token=']) {
      const p = await send(port, { path })
      expect(p.status).toBe(200)
      expect(p.headers['set-cookie']).toBeUndefined()
    }
  })

  it('refuses a request with more than one Host header with 400', async () => {
    const two = (first: string, second: string, path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: ${first}\r\nHost: ${second}\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`
    expect(await sendRaw(port, two(`127.0.0.1:${port}`, 'evil.example', '/'))).toBe(400)
    expect(await sendRaw(port, two(`127.0.0.1:${port}`, `127.0.0.1:${port}`, '/api/events'))).toBe(400)
    expect(await sendRaw(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`)).toBe(200)
  })

  it('caps request bodies at the script limit, by default', () => {
    expect(MAX_BODY_BYTES).toBe(MAX_SCRIPT_BYTES)
  })

  it('never writes through a dangling symbolic link in the folder (an export used to land outside it)', async () => {
    fakeSessionLayer.recordSession({
      source: { type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 3, seed: 1 }, policy: 'free-obsolete', out: join(dir, 'files', 'x.rootlab'),
    })
    const call = async (name: string, args: unknown) => JSON.parse((await send(port, { method: 'POST', path: `/api/${name}`, headers: json, body: JSON.stringify(args) })).body)
    const opened = await call('openSession', { path: 'x.rootlab' })
    expect(opened.ok).toBe(true)
    symlinkSync(join(dir, 'escaped-export.rootlab'), join(dir, 'files', 'evil.rootlab'))
    const r = await call('exportSession', { session: opened.value.session, format: 'db', out: 'evil.rootlab' })
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/^\/.*evil\.rootlab is a symbolic link \(to nothing\); choose a regular file$/) })
    expect(existsSync(join(dir, 'escaped-export.rootlab'))).toBe(false)
    const nul = await call('exportSession', { session: opened.value.session, format: 'db', out: 'a\u0000b.rootlab' })
    expect(nul.error).toMatch(/a path may not contain control characters or NUL bytes/)
  })
})
