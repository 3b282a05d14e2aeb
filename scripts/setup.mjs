#!/usr/bin/env node
/**
 * npm run setup: installs the project (npm ci). Electron's own install step downloads its binary
 * from outside the npm registry; where that download cannot be made, the install is retried
 * without the binary (ELECTRON_SKIP_BINARY_DOWNLOAD=1) and `npm start` opens the same debugger in
 * the browser instead (rootlab serve). Runs with no node_modules (plain Node only).
 */
import { spawnSync } from 'node:child_process'

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
function npmCi(env) {
  return spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit', env: { ...process.env, ...env } }).status
}

if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) process.exit(npmCi({}) ?? 1)
if (npmCi({}) === 0) process.exit(0)
console.error('\nsetup: npm ci failed (most often: the Electron binary could not be downloaded); retrying without it.\n' +
  'setup: `npm start` will then serve Root Lab to your browser (open the URL it prints) instead of a desktop window.\n')
process.exit(npmCi({ ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }) ?? 1)
