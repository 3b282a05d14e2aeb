/**
 * Which better-sqlite3 addon to load. npm builds it for Node's ABI (for `npm test` and the
 * CLI); Electron has another ABI (NODE_MODULE_VERSION 143 for Electron 40 vs 115 for Node 20),
 * so the app loads a second build made by scripts/build-electron-native.mjs into
 * `native/electron-<abi>/better_sqlite3.node` (packaged: `<resources>/native/electron-<abi>/`),
 * passed to better-sqlite3 as `new Database(file, { nativeBinding })`.
 *
 * No electron import here: this is plain logic over process.versions, testable under Node.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'

export const NATIVE_FILE = 'better_sqlite3.node'

/** Folder of the Electron-ABI build for ABI `abi`, under `base` (the app or resources folder). */
export const nativeDir = (base: string, abi: string): string => join(base, 'native', `electron-${abi}`)

export type NativeBindingChoice =
  /** Running under plain Node: better-sqlite3's own build is the right one. */
  | { kind: 'node' }
  | { kind: 'electron'; path: string }
  | { kind: 'missing'; path: string; message: string }

/**
 * The addon for this process. `base` is the app folder (development) or process.resourcesPath
 * (packaged).
 */
export function chooseNativeBinding(base: string, versions: NodeJS.ProcessVersions = process.versions): NativeBindingChoice {
  if (!versions.electron) return { kind: 'node' }
  const path = join(nativeDir(base, versions.modules), NATIVE_FILE)
  if (existsSync(path)) return { kind: 'electron', path }
  return {
    kind: 'missing',
    path,
    message: `better-sqlite3 is not built for Electron ${versions.electron} (ABI ${versions.modules}): ${path} is missing; run \`npm run build:native\` on a machine with network access`,
  }
}
