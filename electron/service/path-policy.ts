/**
 * Which files the renderer may name. Paths that arrive over IPC or HTTP are untrusted: a page
 * (or anything that can reach the viewer's port) must not read or write files of its choosing.
 *
 * - `rootFolderPolicy` (rootlab serve): only files under the folder the server was started for,
 *   plus the FILE given on the command line. Symbolic links are resolved before the check, so a
 *   link inside the folder cannot lead out of it; a file is written only where the real path of
 *   its parent folder is inside, never through a link (dangling or not) at the target itself.
 * - Both refuse NUL bytes and control characters in any path.
 * - `allowListPolicy` (Electron): files the user picked in a native dialog, files in the recent
 *   list, and files under the app's user-data folder.
 */
import { existsSync, lstatSync, realpathSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { quote } from '../../sim/quote'
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

/**
 * Refuses NUL bytes and control characters anywhere in a path: no file a user chose has them, a
 * NUL cuts the path short where C reads it, and a newline or an escape sequence in a path would
 * act on the terminal or the log that shows it.
 */
export function checkPathText(path: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) throw new LabError(`a path may not contain control characters or NUL bytes (got ${quote(path)})`)
}

/** lstat, or null when nothing is there (a dangling link IS there). */
function lstatOrNull(p: string): ReturnType<typeof lstatSync> | null {
  try {
    return lstatSync(p)
  } catch {
    return null
  }
}

/**
 * Where a new file at `abs` would really be written: the real path of its parent folder (the
 * nearest one that exists, symbolic links resolved) joined with the rest. The target itself is
 * not resolved: a link there is refused (refuseSymlinkTarget) rather than followed. A parent that
 * is a dangling link is refused too: creating the folders below it would follow it.
 */
function realParentJoin(abs: string): string {
  let existing = dirname(abs)
  const rest: string[] = [basename(abs)]
  for (;;) {
    const st = lstatOrNull(existing)
    if (st) {
      if (st.isSymbolicLink() && !existsSync(existing)) throw new LabError(`${existing} is a symbolic link to a place that does not exist`)
      break
    }
    const up = dirname(existing)
    if (up === existing) break
    rest.unshift(basename(existing))
    existing = up
  }
  return join(realpathSync(existing), ...rest)
}

/** realpath of an existing path, or of its nearest existing ancestor joined with the rest. */
function realish(p: string): string {
  if (existsSync(p)) return realpathSync(p)
  const parent = dirname(p)
  if (parent === p) return p
  return resolve(realish(parent), basename(p))
}

function refuseSymlinkTarget(p: string): void {
  // Writing through a link would write wherever the link points; a dangling one too (it points
  // outside the folder as easily as inside).
  if (lstatOrNull(p)?.isSymbolicLink()) {
    throw new LabError(`${p} is a symbolic link${existsSync(p) ? '' : ' (to nothing)'}; choose a regular file`)
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
      checkPathText(path)
      const abs = resolve(rootReal, path)
      const real = realish(abs)
      if (!extras.has(real) && !isInside(rootReal, real)) throw outside(abs)
      if (!existsSync(real)) throw new LabError(`${abs} does not exist`)
      return real
    },
    writable(path) {
      checkPathText(path)
      const abs = resolve(rootReal, path)
      const real = realParentJoin(abs)
      if (!isInside(rootReal, real) || real === rootReal) throw outside(abs)
      refuseSymlinkTarget(abs)
      // The browser has no Save dialog to confirm an overwrite, so never replace a file.
      if (lstatOrNull(abs)) throw new LabError(`${abs} already exists; choose another name`)
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
      checkPathText(path)
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
      checkPathText(path)
      const abs = resolve(opts.recordingsDir, path)
      realParentJoin(abs) // refuses a parent that is a dangling link
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
