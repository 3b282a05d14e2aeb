import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inlineRunner } from '../service/recording-runner'
import { fakeSessionLayer } from '../service/testing/fake-session-layer'
import { serveCommand, type ServeDeps } from './serve-command'

describe('rootlab serve', () => {
  let dir: string
  let env: NodeJS.ProcessEnv
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rootlab-serve-'))
    mkdirSync(join(dir, 'renderer'))
    mkdirSync(join(dir, 'work'))
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><title>Root Lab</title>')
    env = { ROOTLAB_RENDERER_DIR: join(dir, 'renderer'), ROOTLAB_DATA_DIR: join(dir, 'data') }
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  function run(argv: string[], extra: Partial<ServeDeps> = {}) {
    const lines: string[] = []
    const errors: string[] = []
    let stop!: () => void
    const stopSignal = new Promise<void>((r) => (stop = r))
    const code = serveCommand(argv, {
      sessions: fakeSessionLayer, runner: inlineRunner(fakeSessionLayer), cwd: join(dir, 'work'), env,
      out: (l) => lines.push(l), err: (l) => errors.push(l), stopSignal, ...extra,
    })
    return { code, lines, errors, stop }
  }

  it('refuses --host with a usage error (exit 2)', async () => {
    const r = run(['--host', '0.0.0.0'])
    expect(await r.code).toBe(2)
    expect(r.errors[0]).toBe('rootlab: serve: --host is not supported; the viewer listens on 127.0.0.1 only')
  })

  it('says in one line that the viewer must be built first', async () => {
    const r = run([], { env: { ...env, ROOTLAB_RENDERER_DIR: join(dir, 'nothing') } })
    expect(await r.code).toBe(1)
    expect(r.errors).toEqual([expect.stringMatching(/^rootlab: the browser viewer is not built .*npm run build/)])
  })

  it('refuses a FILE that is not a session before listening', async () => {
    writeFileSync(join(dir, 'work', 'junk.rootlab'), 'junk')
    const r = run(['junk.rootlab', '--port', '0'])
    expect(await r.code).toBe(1)
    expect(r.errors).toEqual([expect.stringMatching(/^rootlab: .*junk.rootlab is not a Root Lab session$/)])
  })

  it('prints the loopback URL with a random token and stops cleanly', async () => {
    const tokens: string[] = []
    for (let i = 0; i < 2; i++) {
      const rec = run(['--port', '0'])
      // Without FILE it records the default session in the background; wait for the URL.
      while (!rec.lines.length) await new Promise((r) => setTimeout(r, 5))
      expect(rec.lines[0]).toMatch(/^Root Lab viewer: http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{64}$/)
      tokens.push(/token=(\w+)/.exec(rec.lines[0]!)![1]!)
      rec.stop()
      expect(await rec.code).toBe(0)
    }
    expect(tokens[0]).not.toBe(tokens[1])
  })

  it('takes the token from ROOTLAB_TOKEN, and refuses one that cannot be put in a URL', async () => {
    const r = run(['--port', '0'], { env: { ...env, ROOTLAB_TOKEN: 'scripted-token-0123456789' } })
    while (!r.lines.length) await new Promise((res) => setTimeout(res, 5))
    expect(r.lines[0]).toMatch(/\/\?token=scripted-token-0123456789$/)
    const base = /http:\S+\//.exec(r.lines[0]!)![0]
    const call = (authorization?: string) => fetch(new URL('/api/listSessions', base), {
      method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body: '{}',
    })
    expect((await call()).status).toBe(401)
    expect((await call('Bearer scripted-token-0123456789')).status).toBe(200)
    r.stop()
    expect(await r.code).toBe(0)

    for (const bad of ['short', 'has space in it 0123456789', 'x'.repeat(300), 'tab\there-0123456789abc']) {
      const b = run(['--port', '0'], { env: { ...env, ROOTLAB_TOKEN: bad } })
      expect(await b.code).toBe(1)
      expect(b.errors).toEqual([expect.stringMatching(/^rootlab: ROOTLAB_TOKEN must be 16 to 256 characters from A-Z a-z 0-9 \. _ ~ - \(got \d+ characters\)$/)])
    }
  })

  it('prints the loopback URL with ?token= and &file= for FILE', async () => {
    fakeSessionLayer.recordSession({
      source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 3, seed: 1 }, policy: 'free-obsolete',
      out: join(dir, 'work', 'ok.rootlab'),
    })
    const r = run(['ok.rootlab', '--port', '0'])
    while (!r.lines.length) await new Promise((res) => setTimeout(res, 5))
    const url = /http:\S+/.exec(r.lines[0]!)![0]
    expect(url).toMatch(new RegExp(`\\?token=\\w+&file=${encodeURIComponent(join(dir, 'work', 'ok.rootlab')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
    const token = new URL(url).searchParams.get('token')!
    const list = (await (await fetch(new URL('/api/listSessions', url), {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{}',
    })).json()) as { value: { open: unknown[] } }
    expect(list.value.open).toHaveLength(1)
    r.stop()
    expect(await r.code).toBe(0)
    expect(r.lines.at(-1)).toBe('Root Lab viewer stopped.')
  })
})
