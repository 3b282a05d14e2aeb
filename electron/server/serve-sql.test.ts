/**
 * `rootlab serve` (the real process, from source under tsx) while an SQL query never returns:
 * the query is stopped at its deadline with a clear message, every other API call keeps
 * answering meanwhile, and SIGINT stops the server within a second even in the middle of one.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'

const HANG = 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c'
const TOKEN = 'serve-sql-test-token-0123456789'
const tmp = tempDir()

interface Served {
  child: ChildProcess
  url: string
  api(name: string, args: unknown): Promise<{ ok: boolean; value?: unknown; error?: string }>
}

async function serve(file: string, extra: string[] = []): Promise<Served> {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  const child = spawn(process.execPath, ['--import', tsx, join(import.meta.dirname, 'serve-main.ts'), file, '--port', '0', ...extra], {
    cwd: tmp.dir,
    env: { ...process.env, ROOTLAB_TOKEN: TOKEN, ROOTLAB_RENDERER_DIR: join(tmp.dir, 'renderer'), ROOTLAB_DATA_DIR: join(tmp.dir, 'data') },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      const m = /Root Lab viewer: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)))
  })
  return {
    child, url,
    async api(name, args) {
      const res = await fetch(new URL(`/api/${name}`, url), {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(args),
      })
      return (await res.json()) as { ok: boolean; value?: unknown; error?: string }
    },
  }
}

let file: string
beforeAll(() => {
  mkdirSync(join(tmp.dir, 'renderer'))
  writeFileSync(join(tmp.dir, 'renderer', 'index.html'), '<!doctype html><title>Root Lab</title>')
  file = tmp.file('served.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 400, seed: 3 }, policy: 'free-obsolete', out: file })
})
afterAll(() => tmp.cleanup())

describe('rootlab serve with a query that never returns', () => {
  it('stops it at the deadline with a clear message while other calls answer', async () => {
    const s = await serve(file)
    try {
      const sessions = (await s.api('listSessions', {})).value as { open: { session: string }[] }
      const session = sessions.open[0]!.session
      const hung = s.api('sqlQuery', { session, sql: HANG })
      await new Promise((r) => setTimeout(r, 500))
      for (let i = 0; i < 5; i++) {
        const t0 = Date.now()
        const r = await s.api('stateAt', { session, seq: 100 + i })
        expect(r.ok).toBe(true)
        expect(Date.now() - t0).toBeLessThan(500)
        const page = await fetch(s.url)
        expect(page.status).toBe(200)
      }
      expect(await hung).toEqual({ ok: false, error: 'the SQL query ran past its deadline of 2 s and was stopped' })
      // A longer deadline per call, and Cancel by id.
      const long = s.api('sqlQuery', { session, sql: HANG, timeoutMs: 60_000, id: 'q1' })
      await new Promise((r) => setTimeout(r, 500))
      expect(await s.api('cancelSql', { session, id: 'q1' })).toEqual({ ok: true, value: true })
      expect(await long).toEqual({ ok: false, error: 'the SQL query was cancelled' })
      const ok = await s.api('sqlQuery', { session, sql: "SELECT count(*) FROM transitions WHERE kind = 'kvm_mmu_get_page'" })
      expect(ok.ok).toBe(true)
      const tables = await s.api('sqlTables', { session })
      expect((tables.value as { name: string }[]).map((t) => t.name)).toContain('roots_at')
    } finally {
      s.child.kill('SIGKILL')
    }
  }, 60_000)

  it('exits within a second on SIGINT in the middle of one (and with --sql-timeout)', async () => {
    const s = await serve(file, ['--sql-timeout', '120'])
    const sessions = (await s.api('listSessions', {})).value as { open: { session: string }[] }
    const hung = s.api('sqlQuery', { session: sessions.open[0]!.session, sql: HANG }).catch((e: unknown) => e)
    await new Promise((r) => setTimeout(r, 2500)) // past the default deadline: --sql-timeout holds it
    const exited = new Promise<number | null>((r) => s.child.once('exit', (code) => r(code)))
    const t0 = Date.now()
    s.child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(await hung).toBeInstanceOf(Error) // the connection was closed, not answered
  }, 60_000)
})
