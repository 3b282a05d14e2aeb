/**
 * Which files the renderer may name. Paths that arrive over IPC or HTTP are untrusted: a page
 * (or anything that can reach the viewer's port) must not read or write files of its choosing.
 *
 * - `rootFolderPolicy` (rootlab serve): only files under the folder the server was started for,
 *   plus the FILE given on the command line. Symbolic links are resolved before the check, so a
 *   link inside the folder cannot lead out of it.
 * - `allowListPolicy` (Electron): files the user picked in a native dialog, files in the recent
 *   list, and files under the app's user-data folder.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path'
import { LabError } from './errors'

export interface PathPolicy {
  /** The absolute path of an existing file the renderer may read; throws a LabError otherwise. */
  readable(path: string): string
  /** The absolute path of a file the renderer may create or overwrite; throws a LabError otherwise. */
  writable(path: string): string
  /** Folder where recordings without an explicit name are created. */
  readonly recordingsDir: string
  /** May an existing file at `path` be replaced? (A native Save dialog asked the user.) Default: no. */
  replaceable?(path: string): boolean
}

/** True when `child` is `parent` or inside it (both absolute, already resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))
}

/** realpath of an existing path, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  if (existsSync(p)) return realpathSync(p)
  const parent = dirname(p)
  if (parent === p) return p
  return resolve(realish(parent), basename(p))
}

function refuseSymlinkTarget(p: string): void {
  // Writing through a link would write wherever the link points.
  try {
    if (lstatSync(p).isSymbolicLink()) throw new LabError(`${p} is a symbolic link; choose a regular file`)
  } catch (e) {
    if (e instanceof LabError) throw e
  }
}

/** rootlab serve: files under `root` only (plus `extraReadable`, e.g. the FILE argument). */
export function rootFolderPolicy(root: string, extraReadable: string[] = []): PathPolicy {
  const rootReal = realish(resolve(root))
  const extras = new Set(extraReadable.map((p) => realish(resolve(p))))
  const outside = (p: string) => new LabError(`${p} is outside the folder this viewer serves (${rootReal})`)
  return {
    recordingsDir: rootReal,
    readable(path) {
      const abs = resolve(rootReal, path)
      const real = realish(abs)
      if (!extras.has(real) && !isInside(rootReal, real)) throw outside(abs)
      if (!existsSync(real)) throw new LabError(`${abs} does not exist`)
      return real
    },
    writable(path) {
      const abs = resolve(rootReal, path)
      const real = realish(abs)
      if (!isInside(rootReal, real) || real === rootReal) throw outside(abs)
      // The browser has no Save dialog to confirm an overwrite, so never replace a file.
      if (existsSync(abs)) throw new LabError(`${abs} already exists; choose another name`)
      return real
    },
  }
}

export interface AllowListPolicy extends PathPolicy {
  /** Allows a path the user chose in a native open (read) or save (write) dialog. */
  allow(path: string, mode: 'read' | 'write'): void
}

/**
 * Electron: files the user chose in a dialog, files `isRecent` accepts, and anything under
 * `userData` (where the default session and unnamed recordings live).
 */
export function allowListPolicy(opts: { userData: string; recordingsDir: string; isRecent: (p: string) => boolean }): AllowListPolicy {
  const userData = realish(resolve(opts.userData))
  const readAllowed = new Set<string>()
  const writeAllowed = new Set<string>()
  return {
    recordingsDir: resolve(opts.recordingsDir),
    allow(path, mode) {
      const real = realish(resolve(path))
      ;(mode === 'read' ? readAllowed : writeAllowed).add(real)
      // A file the user saved to may be opened afterwards (an export of type db, a recording).
      if (mode === 'write') readAllowed.add(real)
    },
    readable(path) {
      const abs = resolve(opts.recordingsDir, path)
      const real = realish(abs)
      if (!readAllowed.has(real) && !isInside(userData, real) && !opts.isRecent(abs) && !opts.isRecent(real)) {
        throw new LabError(`${abs} was not chosen in an Open dialog; use File ▸ Open Session…`)
      }
      if (!existsSync(real)) throw new LabError(`${abs} does not exist`)
      return real
    },
    replaceable(path) {
      return writeAllowed.has(realish(resolve(opts.recordingsDir, path)))
    },
    writable(path) {
      const abs = resolve(opts.recordingsDir, path)
      const real = realish(abs)
      // A Save dialog has asked the user about overwriting; inside userData we only create.
      if (!writeAllowed.has(real)) {
        if (!isInside(userData, real) || real === userData) throw new LabError(`${abs} was not chosen in a Save dialog`)
        if (existsSync(abs)) throw new LabError(`${abs} already exists; choose another name`)
      }
      refuseSymlinkTarget(abs)
      return real
    },
  }
}
