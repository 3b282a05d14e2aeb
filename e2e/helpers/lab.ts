/**
 * THE e2e helper: starts `rootlab serve` on a free port in a temporary folder (its own data
 * folder too, so the default session is recorded afresh), opens a session in the page, and
 * waits until the UI is idle: `document.body.dataset.labIdle === 'true'`, which the renderer
 * sets when no LabApi request is pending and the app is ready (renderer/src/main.ts).
 *
 *   import { test, expect } from './helpers/lab'
 *   test('…', async ({ lab, page }) => {
 *     await lab.open()                       // the default session
 *     await lab.open({ file: 'x.rootlab' })  // a file under lab.dir
 *   })
 *
 * One server per test file (worker-scoped fixture); each test gets a fresh page.
 *
 * The server admits only its token (electron/server/auth.ts): `lab.open` loads the printed URL
 * (`?token=`, which sets the token cookie), the fixture also gives each test's browser context the
 * cookie (so `page.goto(lab.serve.url)` works too), and `serve.api` sends `Authorization: Bearer`.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { test as base, expect, type Page } from '@playwright/test'

const ROOT = resolve(import.meta.dirname, '..', '..')

export interface LabServe {
  /** http://127.0.0.1:PORT/ (without the token) */
  url: string
  /** This server's token (the printed URL's `?token=`). */
  token: string
  /** The URL that admits a browser: `url?token=TOKEN`, plus `&file=` (FILE relative to `dir`). */
  pageUrl(file?: string): string
  /** The whole URL the server printed (with &file=...&seq=... when given a FILE). */
  readonly printed: string
  /** The folder the server serves (its working directory); files the tests create go here. */
  dir: string
  /** POSTs a LabApi request directly (test setup), returning its LabResult. */
  api<T = unknown>(name: string, args: unknown): Promise<{ ok: true; value: T } | { ok: false; error: string }>
  stop(): Promise<void>
}

/** The command that runs `rootlab serve`: the package's bin if built, else the source entry. */
function serveCommand(): string[] {
  const bin = join(ROOT, 'bin', 'rootlab.js')
  if (existsSync(bin)) return [bin, 'serve']
  // The loader by absolute URL: the server runs in a temporary folder, not in the package.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
  return ['--import', tsx, join(ROOT, 'electron', 'server', 'serve-main.ts')]
}

/** Starts `rootlab serve --port 0 [FILE]` in a new temporary folder and waits for its URL. */
export async function startServe(args: string[] = []): Promise<LabServe> {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html'))) {
    throw new Error('e2e: out/renderer is not built; run `npm run build` (or the e2e global setup)')
  }
  const top = mkdtempSync(join(tmpdir(), 'rootlab-e2e-'))
  const dir = join(top, 'work')
  mkdirSync(dir)
  const child: ChildProcess = spawn(process.execPath, [...serveCommand(), ...args, '--port', '0'], {
    cwd: dir,
    env: { ...process.env, ROOTLAB_DATA_DIR: join(top, 'data'), ROOTLAB_RENDERER_DIR: join(ROOT, 'out', 'renderer') },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const printedUrl = await new Promise<string>((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`e2e: rootlab serve printed no URL within 30 s:\n${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const m = /Root Lab viewer: (http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)/.exec(output)
      if (m) {
        clearTimeout(timer)
        done(m[1]!)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()))
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`e2e: rootlab serve exited (${code}) before printing its URL:\n${output}`))
    })
  })
  const printed = new URL(printedUrl)
  const token = printed.searchParams.get('token')!
  const url = `${printed.origin}/`
  return {
    url,
    token,
    dir,
    get printed() {
      return /Root Lab viewer: (\S+)\r?\n/.exec(output)?.[1] ?? printedUrl
    },
    pageUrl: (file) => `${url}?token=${token}${file === undefined ? '' : `&file=${encodeURIComponent(resolve(dir, file))}`}`,
    async api(name, a) {
      const res = await fetch(new URL(`/api/${name}`, url), {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(a),
      })
      return (await res.json()) as { ok: true; value: never } | { ok: false; error: string }
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(top, { recursive: true, force: true })
    },
  }
}

/** The cookie the server gives a page loaded with its token (electron/server/auth.ts). */
export function tokenCookie(serve: LabServe): { name: string; value: string; url: string; httpOnly: boolean; sameSite: 'Strict' } {
  return { name: `rootlab-token-${new URL(serve.url).port}`, value: serve.token, url: serve.url, httpOnly: true, sameSite: 'Strict' }
}

/** Waits until no request is pending and the app is ready. */
export async function waitForIdle(page: Page): Promise<void> {
  // A selector rather than waitForFunction: the app's CSP forbids the eval that a string needs,
  // and this project's Node tsconfig has no DOM types for a function.
  await page.locator('body[data-lab-idle="true"]').waitFor({ state: 'attached', timeout: 30_000 })
}

export interface Lab {
  serve: LabServe
  /** Loads the app with FILE (relative to serve.dir) or the default session, and waits for idle. */
  open(opts?: { file?: string }): Promise<void>
}

export const test = base.extend<{ lab: Lab }, { serve: LabServe }>({
  serve: [
    // Playwright requires the destructuring pattern for a fixture that uses no other fixture.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServe()
      await use(s)
      await s.stop()
    },
    { scope: 'worker' },
  ],
  lab: async ({ page, serve }, use) => {
    await page.context().addCookies([tokenCookie(serve)])
    await use({
      serve,
      async open(opts = {}) {
        await page.goto(serve.pageUrl(opts.file))
        await waitForIdle(page)
      },
    })
  },
})

export { expect }
