/**
 * Builds what the e2e tests run (`npm run build`: the renderer, Electron main/preload, and the
 * CLI whose `rootlab serve` the helper starts), so they never run against a stale out/.
 * Skipped with ROOTLAB_E2E_SKIP_BUILD=1 (CI that just ran the build).
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
  const steps: [string, string[]][] = [
    ['electron-vite build', [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--logLevel', 'warn']],
    ['vite build --config vite.cli.config.ts', [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.cli.config.ts', '--logLevel', 'warn']],
  ]
  for (const [name, args] of steps) {
    if (name.includes('vite.cli') && !existsSync(join(root, 'vite.cli.config.ts'))) continue
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
    if (r.status !== 0) throw new Error(`e2e: \`${name}\` failed; see the output above`)
  }
}
