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

  it('prints the loopback URL with ?file= and stops cleanly', async () => {
    const rec = run(['--port', '0'])
    // Without FILE it records the default session in the background; wait for the URL.
    while (!rec.lines.length) await new Promise((r) => setTimeout(r, 5))
    expect(rec.lines[0]).toMatch(/^Root Lab viewer: http:\/\/127\.0\.0\.1:\d+\/$/)
    rec.stop()
    expect(await rec.code).toBe(0)

    fakeSessionLayer.recordSession({
      source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 3, seed: 1 }, policy: 'free-obsolete',
      out: join(dir, 'work', 'ok.rootlab'),
    })
    const r = run(['ok.rootlab', '--port', '0'])
    while (!r.lines.length) await new Promise((res) => setTimeout(res, 5))
    const url = /http:\S+/.exec(r.lines[0]!)![0]
    expect(url).toMatch(new RegExp(`\\?file=${encodeURIComponent(join(dir, 'work', 'ok.rootlab')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`))
    const list = (await (await fetch(new URL('/api/listSessions', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json()) as { value: { open: unknown[] } }
    expect(list.value.open).toHaveLength(1)
    r.stop()
    expect(await r.code).toBe(0)
    expect(r.lines.at(-1)).toBe('Root Lab viewer stopped.')
  })
})
