/**
 * The HTTP transport's own rules (the API behaviours are in electron/service/contract.test.ts):
 * loopback only, Host and Origin checks, status codes for bad requests, security headers, and
 * static files that cannot escape the renderer folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLabService, type LabService } from '../service/lab-service'
import { rootFolderPolicy } from '../service/path-policy'
import { inlineRunner } from '../service/recording-runner'
import { fakeSessionLayer } from '../service/testing/fake-session-layer'
import { LOOPBACK, startLabServer, type LabServer } from './lab-server'

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

const json = { 'content-type': 'application/json' }

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
    writeFileSync(join(dir, 'secret.txt'), 'secret')
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'renderer', 'assets', 'link.js'))
    service = createLabService({
      sessions: fakeSessionLayer, paths: rootFolderPolicy(join(dir, 'files')), dataDir: join(dir, 'data'),
      runner: inlineRunner(fakeSessionLayer),
    })
    server = await startLabServer({ service, staticDir: join(dir, 'renderer'), port: 0, maxBodyBytes: 1024 })
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
    expect((await send(port, { method: 'GET', path: '/api/listSessions' })).status).toBe(405)
  })

  it('refuses a body over the size limit with 413', async () => {
    const r = await send(port, { method: 'POST', path: '/api/sqlQuery', headers: json, body: JSON.stringify({ sql: 'x'.repeat(2000) }) })
    expect(r.status).toBe(413)
  })

  it('refuses a POST that is not application/json (a cross-site form cannot send JSON)', async () => {
    const r = await send(port, { method: 'POST', path: '/api/listSessions', headers: { 'content-type': 'text/plain' }, body: '{}' })
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

  it('streams pushed events as named server-sent events', async () => {
    const res = await fetch(`${server.url}api/events`)
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
    const again = await fetch(`${server.url}api/events`, { headers: { 'Last-Event-ID': String(ids[0]) } })
    const r2 = again.body!.pipeThrough(new TextDecoderStream()).getReader()
    let replay = ''
    while (!replay.includes('event: recordingFinished')) replay += (await r2.read()).value ?? ''
    const replayed = [...replay.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))
    expect(replayed[0]).toBe(ids[0]! + 1)
    expect(replayed).toEqual(ids.slice(1, replayed.length + 1))
    await r2.cancel()
  })
})
