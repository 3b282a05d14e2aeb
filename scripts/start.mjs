#!/usr/bin/env node
/**
 * `npm start`: builds, then launches the desktop app if an Electron binary exists here;
 * otherwise says so in one line and starts the browser viewer (`rootlab serve`, default
 * session) instead, so the README's first command works on every machine.
 *
 * The Electron path also needs better-sqlite3 built for Electron's ABI; when it is missing,
 * scripts/build-electron-native.mjs is run first (it needs network access and fails with one
 * clear line otherwise).
 */
import { spawnSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronVersions, findElectronBinary, nativeBindingPath } from './electron-binary.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts })
  return r.status ?? 1
}

/** Runs a long-lived child, forwarding Ctrl-C / SIGTERM, and exits with its code. */
function handOver(cmd, args, env = process.env) {
  const child = spawn(cmd, args, { cwd: root, stdio: 'inherit', env })
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
}

if (!process.argv.includes('--skip-build')) {
  const code = run(npm, ['run', 'build'])
  if (code !== 0) process.exit(code)
}

const electron = findElectronBinary(root)
if ('path' in electron) {
  const { abi } = electronVersions(root)
  if (abi && !existsSync(nativeBindingPath(root, abi))) {
    const code = run(process.execPath, [join(root, 'scripts', 'build-electron-native.mjs')])
    if (code !== 0) process.exit(code)
  }
  const noSandbox = typeof process.getuid === 'function' && process.getuid() === 0 ? ['--noSandbox'] : []
  handOver(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'preview', '--skipBuild', ...noSandbox], {
    ...process.env, ELECTRON_EXEC_PATH: electron.path,
  })
} else {
  const bin = join(root, 'bin', 'rootlab.js')
  const serve = existsSync(bin)
    ? [bin, 'serve']
    : ['--import', 'tsx', join(root, 'electron', 'server', 'serve-main.ts')]
  const detail = electron.why.startsWith('ELECTRON_EXEC_PATH') ? ` (${electron.why})` : ''
  process.stdout.write(`Electron binary not installed here; starting the browser viewer instead: rootlab serve${detail}\n`)
  handOver(process.execPath, serve)
}
