/**
 * Builds the renderer (and the Electron main/preload) before the e2e run, so the tests never
 * run against a stale out/. Skipped with ROOTLAB_E2E_SKIP_BUILD=1 (CI that just ran the build).
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export default function globalSetup(): void {
  const root = join(import.meta.dirname, '..')
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (!existsSync(chromium)) {
    throw new Error(`e2e: ${chromium} is missing; install it with \`apt-get update && apt-get install -y chromium\` (or set CHROMIUM_PATH)`)
  }
  if (process.env.ROOTLAB_E2E_SKIP_BUILD === '1') return
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: root, stdio: 'inherit',
  })
  if (r.status !== 0) throw new Error('e2e: `electron-vite build` failed; see the output above')
}
