/**
 * Writing a file the user named (a recording, an export) without losing or clobbering anything:
 *
 *   - only a regular file is ever replaced (never a device, a directory or a symbolic link);
 *   - a replacement is written to a temporary file beside the target and renamed over it only
 *     once it is complete, so a failed or cancelled replace leaves the old file as it was;
 *   - a new file is created with link(2), which fails if the name was taken meanwhile;
 *   - `<out>-wal` / `-journal` files are never deleted: one that exists (a file of that name
 *     left in the middle of a transaction, or something else entirely) would be read by SQLite
 *     as part of the new file, so the write is refused and the user decides;
 *   - every message names the output, never the temporary file or the input.
 */
import { existsSync, linkSync, lstatSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { SessionError } from './errors'

/** SQLite's side files of a database at `path`. */
export const SIDE_SUFFIXES = ['-wal', '-shm', '-journal'] as const

/** How an output will be written: a new file, or a replacement of an existing regular file. */
export type OutputMode = 'new' | 'replace'

function errno(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message
}

/**
 * Checks that `out` may be written (replacing an existing file only if `replace`). Throws a
 * SessionError naming `out`. `sqlite`: the output is a database (its side files matter).
 */
export function checkOutput(out: string, o: { replace: boolean; sqlite: boolean }): OutputMode {
  if (!out) throw new SessionError('the output file name is empty')
  let mode: OutputMode = 'new'
  let st
  try {
    st = lstatSync(out)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new SessionError(`${out} cannot be written (${errno(e)})`)
  }
  if (st) {
    if (st.isDirectory()) throw new SessionError(`${out} is a directory`)
    if (!o.replace) throw new SessionError(`${out} already exists (use --force to overwrite it)`)
    if (st.isSymbolicLink()) throw new SessionError(`${out} is a symbolic link; only a regular file is replaced`)
    if (!st.isFile()) throw new SessionError(`${out} is not a regular file; only a regular file is replaced`)
    mode = 'replace'
  }
  if (o.sqlite) {
    for (const suffix of ['-wal', '-journal']) {
      const side = `${out}${suffix}`
      if (existsSync(side) && statSync(side).size > 0) {
        throw new SessionError(`${side} exists (a file of that name was left mid-write, or is open in another program); ` +
          'remove it or choose another name')
      }
    }
  }
  return mode
}

/** A fresh name for a temporary file beside `out` (same folder, so a rename is atomic). */
export function tempBeside(out: string): string {
  return join(dirname(out), `.${basename(out)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
}

/** Removes a temporary file and its SQLite side files (all ours). */
export function removeTemp(tmp: string): void {
  for (const f of [tmp, ...SIDE_SUFFIXES.map((s) => `${tmp}${s}`)]) rmSync(f, { force: true })
}

/** Moves the finished temporary file to `out`: over it ('replace'), or only if `out` is still free ('new'). */
export function putInPlace(tmp: string, out: string, mode: OutputMode): void {
  try {
    if (mode === 'replace') renameSync(tmp, out)
    else {
      linkSync(tmp, out)
      unlinkSync(tmp)
    }
  } catch (e) {
    removeTemp(tmp)
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new SessionError(`${out} already exists (it was created while this was written)`)
    throw new SessionError(`${out} cannot be written (${errno(e)})`)
  }
}

/**
 * Writes `out` through a temporary file beside it: `write(tmp)` makes the whole file, then it is
 * put in place. On any failure the temporary file is removed and `out` is as it was; the error
 * becomes one SessionError naming `out`.
 */
export function writeThroughTemp(out: string, o: { replace: boolean; sqlite: boolean }, write: (tmp: string) => void): void {
  const mode = checkOutput(out, o)
  const tmp = tempBeside(out)
  try {
    write(tmp)
  } catch (e) {
    removeTemp(tmp)
    const msg = (e as Error).message.replaceAll(tmp, out)
    throw new SessionError(e instanceof SessionError ? msg : `${out} cannot be written (${msg.replace(/\s*\n\s*/g, ' ')})`)
  }
  putInPlace(tmp, out, mode)
}
