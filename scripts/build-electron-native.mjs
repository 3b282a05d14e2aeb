#!/usr/bin/env node
/**
 * Builds better-sqlite3 for Electron's ABI into native/electron-<abi>/better_sqlite3.node, next to
 * (not instead of) the Node build in node_modules, which `npm test` and the CLI keep using. The
 * app loads it with `new Database(file, { nativeBinding })` (electron/main/native-binding.ts).
 *
 * What it does (the equivalent of @electron/rebuild for one module): copies
 * node_modules/better-sqlite3 to a temporary folder, runs node-gyp there with
 * --target=<electron version> --dist-url=https://electronjs.org/headers (which downloads
 * Electron's headers), checks that the result really is for Electron's ABI, and copies it.
 *
 * Needs network access to electronjs.org.
 * Usage: node scripts/build-electron-native.mjs [--force] [--verbose]
 * Run by `npm run build:native`, and by `npm start` / `npm run dist` when the file is missing.
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronVersions, nativeBindingPath } from './electron-binary.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function fail(message) {
  process.stderr.write(`rootlab: ${message}\n`)
  process.exit(1)
}

const { version, abi } = electronVersions(root)
if (!abi) fail(`cannot tell the ABI of Electron ${version} (node_modules/electron/abi_version is missing)`)
const out = nativeBindingPath(root, abi)
if (existsSync(out) && !process.argv.includes('--force')) {
  process.stdout.write(`better-sqlite3 for Electron ${version} (ABI ${abi}) is already built: ${out}\n`)
  process.exit(0)
}

const verbose = process.argv.includes('--verbose')
const require = createRequire(import.meta.url)
let nodeGyp
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js')
} catch {
  fail('node-gyp is not installed (it comes with electron-builder); run npm install')
}
const source = dirname(require.resolve('better-sqlite3/package.json'))
const work = mkdtempSync(join(tmpdir(), 'rootlab-native-'))
try {
  // Build in a copy: node-gyp rebuild in place would replace the Node build that tests use.
  cpSync(source, join(work, 'better-sqlite3'), { recursive: true, filter: (p) => !p.includes(`${join(source, 'build')}`) })
  // npm puts nodedir=/usr (or another Node's headers) into npm_config_*; that would silently build
  // for Node's ABI again, so drop every npm_config_ variable for the child.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_config_')))
  const r = spawnSync(process.execPath, [
    nodeGyp, 'rebuild', '--release', `--target=${version}`, `--arch=${process.arch}`,
    '--dist-url=https://electronjs.org/headers', `--devdir=${join(root, 'node_modules', '.cache', 'electron-gyp')}`,
  ], { cwd: join(work, 'better-sqlite3'), env, stdio: ['ignore', verbose ? 'inherit' : 'pipe', verbose ? 'inherit' : 'pipe'], maxBuffer: 64 * 1024 * 1024 })
  if (r.status !== 0) {
    // node-gyp's own output is long; keep it in a log and say in one line what went wrong.
    const log = join(root, 'native', 'build-electron-native.log')
    mkdirSync(dirname(log), { recursive: true })
    writeFileSync(log, `${r.stdout ?? ''}${r.stderr ?? ''}`)
    const offline = /network connectivity|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT/.test(String(r.stderr))
    fail(`could not build better-sqlite3 for Electron ${version} (ABI ${abi})${offline ? ': electronjs.org/headers is not reachable (this step needs network access)' : ''}; node-gyp's output is in ${log}`)
  }
  const built = join(work, 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
  // A "successful" build against Node's headers is the classic trap: check the ABI symbol.
  if (!readFileSync(built).includes(Buffer.from(`node_register_module_v${abi}`))) {
    fail(`the build of better-sqlite3 is not for Electron's ABI ${abi} (Node headers were used); nothing was installed`)
  }
  mkdirSync(dirname(out), { recursive: true })
  copyFileSync(built, out)
  process.stdout.write(`built better-sqlite3 for Electron ${version} (ABI ${abi}): ${out}\n`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
