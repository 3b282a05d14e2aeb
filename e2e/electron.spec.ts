/**
 * The real desktop app through Playwright's `_electron`, where an Electron binary exists
 * ($ELECTRON_EXEC_PATH, or the electron package's dist/). Elsewhere (this project's build
 * machines) the whole file is skipped with one reason line. `require('electron')` is never
 * called: it throws (or, in electron >= 42, downloads) when the binary is missing.
 *
 * Needs `electron-vite build` (the e2e global setup does it) and better-sqlite3 built for
 * Electron (`npm run build:native`). As root, Chromium needs --no-sandbox; without a display,
 * run under `xvfb-run -a`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { _electron as electron, expect, test } from '@playwright/test'
import { findElectronBinary } from '../scripts/electron-binary.mjs'

const ROOT = resolve(import.meta.dirname, '..')
const found = findElectronBinary(ROOT)
const why = 'why' in found ? found.why : ''
if (why) console.warn(`[electron e2e] skipped: ${why}`)

test.describe('desktop app', () => {
  test.skip(!('path' in found), `SKIP: ${why}`)

  test('first start records the default session and shows its vCPUs, with a locked-down window', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'rootlab-electron-'))
    const app = await electron.launch({
      executablePath: (found as { path: string }).path,
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), ROOT],
      env: { ...process.env, ROOTLAB_USER_DATA_DIR: userData },
    })
    try {
      const win = await app.firstWindow()
      await win.locator('body[data-lab-idle="true"]').waitFor({ state: 'attached', timeout: 60_000 })
      for (const id of [0, 1, 2, 3]) await expect(win.getByRole('region', { name: `vCPU ${id}`, exact: true })).toBeVisible()

      // The bridge is exactly { invoke, on, platform }, and the page has no Node.
      // Page-side code as strings: this project's Node tsconfig has no DOM types.
      const shape = await win.evaluate('({ keys: Object.keys(window.lab).sort(), node: typeof window.require, process: typeof window.process })')
      expect(shape).toEqual({ keys: ['invoke', 'on', 'platform'], node: 'undefined', process: 'undefined' })

      // Unknown requests and window.open are refused.
      const r = await win.evaluate("window.lab.invoke('dropTables', {})")
      expect(r).toEqual({ ok: false, error: 'unknown request "dropTables"' })
      expect(await win.evaluate("window.open('https://example.com') === null")).toBe(true)
      expect(app.windows()).toHaveLength(1)
    } finally {
      await app.close()
      rmSync(userData, { recursive: true, force: true })
    }
  })
})
