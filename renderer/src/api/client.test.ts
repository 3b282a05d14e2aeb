import { describe, expect, it, vi } from 'vitest'
import { createClient, detectBridge, httpBridge, type EventSourceLike, type LabBridge } from './client'

describe('LabApi client', () => {
  it('sends each request by its name with its args over the bridge', async () => {
    const invoke = vi.fn(async () => ({ ok: true as const, value: { count: 3, index_of_at: null } }))
    const client = createClient({ invoke, on: () => () => {}, platform: 'web' })
    const r = await client.transitionCount({ session: 's1', kinds: ['finding'] })
    expect(invoke).toHaveBeenCalledWith('transitionCount', { session: 's1', kinds: ['finding'] })
    expect(r).toEqual({ ok: true, value: { count: 3, index_of_at: null } })
  })

  it('turns a bridge that throws into a readable error result', async () => {
    const client = createClient({ invoke: async () => { throw new Error('channel closed') }, on: () => () => {}, platform: 'electron' })
    expect(await client.stateAt({ session: 's1', seq: 4 })).toEqual({ ok: false, error: 'stateAt: channel closed' })
  })

  it('counts requests in flight through its hooks', async () => {
    let pending = 0
    let release!: () => void
    const gate = new Promise<void>((r) => { release = r })
    const bridge: LabBridge = { invoke: async () => { await gate; return { ok: true, value: null } }, on: () => () => {}, platform: 'web' }
    const client = createClient(bridge, { onStart: () => pending++, onEnd: () => pending-- })
    const p = client.closeSession({ session: 's1' })
    expect(pending).toBe(1)
    release()
    await p
    expect(pending).toBe(0)
  })

  it('is not mistaken for a promise (no then)', () => {
    const client = createClient({ invoke: async () => ({ ok: true, value: null }), on: () => () => {}, platform: 'web' })
    expect((client as unknown as { then?: unknown }).then).toBeUndefined()
  })
})

describe('transport choice', () => {
  it('uses the preload bridge when window.lab exists (Electron)', async () => {
    const invoke = vi.fn(async () => ({ ok: true as const, value: [] }))
    const bridge = detectBridge({ lab: { invoke, on: () => () => {}, platform: 'electron' } })
    expect(bridge.platform).toBe('electron')
    await bridge.invoke('listBookmarks', { session: 's1' })
    expect(invoke).toHaveBeenCalledWith('listBookmarks', { session: 's1' })
  })

  it('falls back to HTTP in a browser', () => {
    expect(detectBridge({}).platform).toBe('web')
  })

  it('POSTs JSON args to /api/<name> and returns the LabResult', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ ok: true, value: { seq: 7 } }), { status: 200 }))
    const bridge = httpBridge({ base: 'http://127.0.0.1:7457', fetch: fetch as unknown as typeof globalThis.fetch })
    const r = await bridge.invoke('stateAt', { session: 's1', seq: 7 })
    expect(r).toEqual({ ok: true, value: { seq: 7 } })
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe('http://127.0.0.1:7457/api/stateAt')
    expect(init.method).toBe('POST')
    expect(JSON.parse(String(init.body))).toEqual({ session: 's1', seq: 7 })
  })

  it('keeps the server\'s error result, and explains a non-LabResult answer', async () => {
    const err = httpBridge({ fetch: (async () => new Response(JSON.stringify({ ok: false, error: 'openSession: not a Root Lab session' }), { status: 400 })) as typeof fetch })
    expect(await err.invoke('openSession', { path: '/x' })).toEqual({ ok: false, error: 'openSession: not a Root Lab session' })
    const html = httpBridge({ fetch: (async () => new Response('<html>Bad gateway</html>', { status: 502 })) as typeof fetch })
    const r = await html.invoke('sessionInfo', { session: 's1' })
    expect(r.ok).toBe(false)
    expect(!r.ok && r.error).toContain('HTTP 502')
  })

  it('reports an unreachable server plainly', async () => {
    const down = httpBridge({ fetch: (async () => { throw new TypeError('Failed to fetch') }) as typeof fetch })
    const r = await down.invoke('listSessions', {})
    expect(r).toEqual({ ok: false, error: 'listSessions: the Root Lab server did not answer (Failed to fetch)' })
  })

  it('delivers server-sent events by name and closes the stream with the last listener', () => {
    const handlers = new Map<string, (e: { data: string }) => void>()
    const source: EventSourceLike & { closed: boolean } = {
      closed: false,
      addEventListener: (t, l) => { handlers.set(t, l) },
      removeEventListener: (t) => { handlers.delete(t) },
      close() { this.closed = true },
    }
    const urls: string[] = []
    const bridge = httpBridge({ eventSource: (u) => { urls.push(u); return source } })
    const got: unknown[] = []
    const off = bridge.on('recordingProgress', (p) => got.push(p))
    handlers.get('recordingProgress')!({ data: '{"recording":"r1","fraction":0.5}' })
    expect(urls).toEqual(['/api/events'])
    expect(got).toEqual([{ recording: 'r1', fraction: 0.5 }])
    off()
    expect(source.closed).toBe(true)
  })

  it('is ready once the event stream is open, so no early event is lost', async () => {
    const handlers = new Map<string, (e: { data: string }) => void>()
    const source: EventSourceLike = {
      addEventListener: (t, l) => { handlers.set(t, l) },
      removeEventListener: (t) => { handlers.delete(t) },
      close() {},
    }
    const bridge = httpBridge({ eventSource: () => source })
    await bridge.ready!() // no stream yet: nothing to wait for
    bridge.on('recordingFinished', () => {})
    let ready = false
    const p = bridge.ready!().then(() => { ready = true })
    await new Promise((r) => setTimeout(r, 0))
    expect(ready).toBe(false)
    handlers.get('open')!({ data: '' })
    await p
    expect(ready).toBe(true)
    expect(handlers.has('open')).toBe(false)
  })
})
