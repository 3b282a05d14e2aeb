/**
 * Reading the files a user names as input (a script, a trace), bounded whatever they are.
 *
 * `--script /dev/zero` read 1.5 GiB before anything was checked. Here a file is opened without
 * blocking (a FIFO would otherwise wait for a writer forever), must be a regular file, and is
 * read up to a size limit: a script up to MAX_SCRIPT_BYTES (the limit the LabApi and
 * `rootlab serve` apply too); a trace line by line, in chunks, so a 200 MB trace never sits in
 * memory whole and a "line" of a gigabyte without a newline costs no more than a short one.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs'
import { MAX_SCRIPT_BYTES } from '../../sim/script'
import { num } from './format'

/** A file that cannot be used as input; the message names it and says why. */
export class InputFileError extends Error {
  override name = 'InputFileError'
}

/** "50 MB", "1.2 GB", "312 bytes". */
export function formatSize(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`
  if (n >= 1e6) return `${Math.round(n / 1e6)} MB`
  if (n >= 1e3) return `${Math.round(n / 1e3)} kB`
  return `${n} bytes`
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isFIFO()) return 'a named pipe'
  if (st.isSocket()) return 'a socket'
  return 'not a regular file'
}

/** Opens `path` for reading as a `what` (e.g. "script") file; the caller closes the fd. */
export function openInput(path: string, what: string): { fd: number; size: number } {
  let fd: number
  try {
    // O_NONBLOCK: opening a FIFO returns at once instead of waiting for a writer; no effect on files.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new InputFileError(`${path} does not exist`)
    if (code === 'EACCES' || code === 'EPERM') throw new InputFileError(`cannot read ${path}: permission denied`)
    if (code === 'EISDIR') throw new InputFileError(`${path} is a directory, not a ${what} file`)
    if (code === 'ENXIO') throw new InputFileError(`${path} is a socket or a device without data, not a ${what} file`)
    throw new InputFileError(`cannot open ${path} (${code ?? 'unknown error'})`)
  }
  const st = fstatSync(fd)
  if (!st.isFile()) {
    closeSync(fd)
    throw new InputFileError(`${path} is ${kindOf(st)}, not a ${what} file`)
  }
  return { fd, size: st.size }
}

/** The whole text of a `what` file of at most `maxBytes` (UTF-8; invalid bytes become U+FFFD). */
export function readInputText(path: string, what: string, maxBytes: number): string {
  const { fd, size } = openInput(path, what)
  try {
    const bytes = (n: number) => `${num(n)} bytes`
    const tooLarge = (n: number) => new InputFileError(`${path} is ${n > 2 * maxBytes ? formatSize(n) : bytes(n)}: a ${what} file may be at most ${bytes(maxBytes)} (${formatSize(maxBytes)})`)
    if (size > maxBytes) throw tooLarge(size)
    // Read to the end, but never past the limit (the file may grow while it is read).
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(size, 64 * 1024)))
    let used = 0
    for (;;) {
      if (used === buf.length) {
        if (used > maxBytes) throw tooLarge(used)
        break
      }
      const n = readSync(fd, buf, used, buf.length - used, null)
      if (n === 0) break
      used += n
    }
    if (used > maxBytes) throw tooLarge(used)
    return buf.toString('utf8', 0, used)
  } catch (e) {
    if (e instanceof InputFileError) throw e
    throw new InputFileError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  } finally {
    closeSync(fd)
  }
}

/** A script file's text: a regular file of at most MAX_SCRIPT_BYTES. */
export const readScriptFile = (path: string): string => readInputText(path, 'script', MAX_SCRIPT_BYTES)

/** A line of a text file: its text (without the newline), or how long it was when it was too long. */
export type InputLine = { text: string; tooLong: null } | { text: null; tooLong: number }

const CHUNK_BYTES = 4 * 1024 * 1024

/**
 * The lines of a `what` file, read in chunks. A line longer than `maxLineBytes` is not kept (its
 * length is reported instead), so memory stays bounded by the chunk size whatever the file holds.
 * `onBytes(read, size)` is called after each chunk (progress).
 */
export function* readInputLines(
  path: string, what: string, o: { maxLineBytes: number; onBytes?: (read: number, size: number) => void },
): Generator<InputLine> {
  const { fd, size } = openInput(path, what)
  try {
    const buf = Buffer.alloc(CHUNK_BYTES)
    let carry: Buffer[] = []
    let carryBytes = 0
    let skipping = 0 // > 0: inside a line that is too long, this many bytes so far
    let read = 0
    const lineOf = (parts: Buffer[]): InputLine => {
      let text = Buffer.concat(parts).toString('utf8')
      if (text.endsWith('\r')) text = text.slice(0, -1)
      return { text, tooLong: null }
    }
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      if (n === 0) break
      read += n
      let start = 0
      for (;;) {
        const nl = buf.indexOf(10, start)
        const end = nl < 0 || nl >= n ? n : nl
        const len = end - start
        if (skipping > 0) skipping += len
        else if (carryBytes + len > o.maxLineBytes) {
          skipping = carryBytes + len
          carry = []
          carryBytes = 0
        } else if (nl >= 0 && nl < n) {
          carry.push(buf.subarray(start, end))
          yield lineOf(carry)
          carry = []
          carryBytes = 0
        } else {
          // The line goes on in the next chunk: keep a copy (buf is reused).
          carry.push(Buffer.from(buf.subarray(start, end)))
          carryBytes += len
        }
        if (nl < 0 || nl >= n) break
        if (skipping > 0) {
          yield { text: null, tooLong: skipping }
          skipping = 0
        }
        start = nl + 1
      }
      o.onBytes?.(read, size)
    }
    if (skipping > 0) yield { text: null, tooLong: skipping }
    else if (carryBytes > 0) yield lineOf(carry)
  } finally {
    closeSync(fd)
  }
}
