/**
 * Where the Electron binary is, without require('electron') (electron >= 42 would try to
 * download it; <= 41 throws when it is missing). Order: $ELECTRON_EXEC_PATH, then the electron
 * package's own dist/ as named by its path.txt (what electron-vite and the package itself use).
 * Shared by scripts/start.mjs and e2e/electron.spec.ts.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * @param {string} root the package folder
 * @returns {{ path: string } | { why: string }}
 */
export function findElectronBinary(root, env = process.env) {
  if (env.ELECTRON_EXEC_PATH) {
    return existsSync(env.ELECTRON_EXEC_PATH)
      ? { path: env.ELECTRON_EXEC_PATH }
      : { why: `ELECTRON_EXEC_PATH=${env.ELECTRON_EXEC_PATH} does not exist` }
  }
  const pkg = join(root, 'node_modules', 'electron')
  const pathTxt = join(pkg, 'path.txt')
  if (!existsSync(pathTxt)) return { why: 'Electron binary not installed (node_modules/electron/path.txt is missing; set ELECTRON_EXEC_PATH or install electron with network access)' }
  const dist = env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist')
  const bin = join(dist, readFileSync(pathTxt, 'utf8').trim())
  return existsSync(bin) ? { path: bin } : { why: `Electron binary not installed (${bin} is missing)` }
}

/** Electron's version and NODE_MODULE_VERSION (ABI), from the installed package. */
export function electronVersions(root) {
  const pkg = join(root, 'node_modules', 'electron')
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version
  const abiFile = join(pkg, 'abi_version')
  const abi = existsSync(abiFile) ? readFileSync(abiFile, 'utf8').trim() : null
  return { version, abi }
}

/** Where scripts/build-electron-native.mjs puts better-sqlite3 for Electron (see electron/main/native-binding.ts). */
export const nativeBindingPath = (root, abi) => join(root, 'native', `electron-${abi}`, 'better_sqlite3.node')
