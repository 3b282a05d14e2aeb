/**
 * Opening a session file: checks that come before SQLite sees the file (so a foreign or damaged
 * file gets one clear sentence, not a SQLite error code), then the open itself.
 *
 * A read-only open never writes the database file: better-sqlite3 opens it with
 * SQLITE_OPEN_READONLY. For a file left in WAL mode (a recording that was killed), SQLite reads
 * the committed transactions from the -wal file and keeps its index in the -shm file; neither the
 * database nor the -wal file is modified (tested in open-file.test.ts).
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import Database from 'better-sqlite3'
import { SessionError, isSqliteError } from './errors'
import { APPLICATION_ID, SCHEMA_VERSION } from './schema'
import { checkSchema } from './schema-check'

const SQLITE_MAGIC = 'SQLite format 3\0'

/** How a session file is named in messages: as the user gave it. */
export function fileLabel(path: string): string {
  return path || basename(path)
}

/** Is there a non-empty -wal file beside `path`? */
function walBeside(path: string): boolean {
  try {
    return statSync(`${path}-wal`).size > 0
  } catch {
    return false
  }
}

/** Checks the file's SQLite header. Throws SessionError naming the file and the problem. */
export function checkSessionHeader(path: string): void {
  const name = fileLabel(path)
  let size: number
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw new SessionError(`${name} is a directory, not a session file`)
    // A device or a pipe is no session, and reading one could block or never end.
    if (!st.isFile()) throw new SessionError(`${name} is ${st.isCharacterDevice() ? 'a character device' : st.isFIFO() ? 'a named pipe' : st.isBlockDevice() ? 'a block device' : st.isSocket() ? 'a socket' : 'not a regular file'}, not a session file`)
    size = st.size
  } catch (e) {
    if (e instanceof SessionError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new SessionError(`${name} does not exist`)
    throw new SessionError(`${name} cannot be read (${code ?? (e as Error).message})`)
  }
  if (size === 0) throw new SessionError(`${name} is empty, not a Root Lab session`)
  const head = Buffer.alloc(100)
  let got: number
  try {
    const fd = openSync(path, 'r')
    try {
      got = readSync(fd, head, 0, 100, 0)
    } finally {
      closeSync(fd)
    }
  } catch (e) {
    throw new SessionError(`${name} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  if (got < 16 || head.toString('latin1', 0, 16) !== SQLITE_MAGIC) {
    throw new SessionError(`${name} is not a Root Lab session (it is not an SQLite database)`)
  }
  if (got < 100) throw new SessionError(`${name} is truncated (${size} bytes, shorter than an SQLite header)`)
  const appId = head.readUInt32BE(68)
  const userVersion = head.readUInt32BE(60)
  if (appId !== APPLICATION_ID) {
    throw new SessionError(`${name} is not a Root Lab session (it is an SQLite database of another program)`)
  }
  if (userVersion > SCHEMA_VERSION) {
    throw new SessionError(
      `${name} was written by a newer Root Lab (session schema ${userVersion}; this version reads schema ${SCHEMA_VERSION} and older)`)
  }
  const rawPageSize = head.readUInt16BE(16)
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize
  const pageCount = head.readUInt32BE(28)
  const countValid = head.readUInt32BE(92) === head.readUInt32BE(24)
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) {
    throw new SessionError(`${name} is damaged (its SQLite header is corrupt)`)
  }
  // A file with a WAL beside it (a recording that was killed, or stopped by a full disk while
  // copying the WAL back) may be shorter than its header says: SQLite reads the missing pages
  // from the WAL, so only SQLite can tell whether it is truncated.
  if (walBeside(path)) return
  if (size % pageSize !== 0 || (countValid && pageCount > 0 && size < pageCount * pageSize)) {
    const expected = countValid ? ` of ${pageCount * pageSize}` : ''
    throw new SessionError(`${name} is truncated (${size}${expected} bytes)`)
  }
}

/** Files up to this size are checked with PRAGMA quick_check on open (about 5 ms per MB). */
export const VERIFY_AUTO_MAX_BYTES = 64 * 1024 * 1024

export interface OpenOptions {
  readonly?: boolean
  /**
   * Run SQLite's quick_check on open, so a damaged page anywhere is reported at once: true,
   * false, or 'auto' (default: files up to VERIFY_AUTO_MAX_BYTES). Without it, damage is
   * reported when a query reaches it, still as a SessionError.
   */
  verify?: boolean | 'auto'
  /** better-sqlite3 addon path (Electron-ABI build), passed to the Database constructor. */
  nativeBinding?: string
}

/** Turns an error from SQLite on a session file into one sentence. */
export function damaged(path: string, e: unknown): SessionError {
  if (e instanceof SessionError) return e
  if (e instanceof Error) e.message = e.message.replace(/\s*\n\s*/g, ' ')
  if (isSqliteError(e)) {
    if (e.code === 'SQLITE_NOTADB' || e.code === 'SQLITE_CORRUPT' || e.code.startsWith('SQLITE_IOERR')) {
      return new SessionError(`${fileLabel(path)} is damaged (SQLite: ${e.message})`)
    }
    if (e.code === 'SQLITE_CANTOPEN') return new SessionError(`${fileLabel(path)} cannot be opened (SQLite: ${e.message})`)
    if (e.code === 'SQLITE_BUSY') return new SessionError(`${fileLabel(path)} is locked by another process (SQLite: ${e.message})`)
    return new SessionError(`${fileLabel(path)}: SQLite error: ${e.message}`)
  }
  // The engine's own texts ("k.vcpus is not iterable", "Unexpected token } in JSON at position 3",
  // "Invalid array length") say nothing to a user: name the file and what is wrong with it.
  if (e instanceof RangeError && !ENGINE_RANGE_ERROR.test(e.message)) return new SessionError(`${fileLabel(path)} is damaged (${e.message})`)
  if (e instanceof RangeError) return new SessionError(`${fileLabel(path)} is damaged (a stored count or size is impossible)`)
  if (e instanceof SyntaxError) return new SessionError(`${fileLabel(path)} is damaged (a stored JSON value is not valid JSON)`)
  if (e instanceof TypeError) return new SessionError(`${fileLabel(path)} is damaged (a stored value does not have the type or shape Root Lab writes)`)
  return e instanceof Error ? new SessionError(`${fileLabel(path)}: ${e.message}`) : new SessionError(String(e))
}

/** RangeErrors thrown by the JavaScript engine rather than by the session's own decoders. */
const ENGINE_RANGE_ERROR = /^(Invalid (array|typed array|string) length|Maximum call stack size exceeded|Array buffer allocation failed|Invalid count value|toString\(\) radix)/

/** Opens an existing session file after checking it. Throws SessionError. */
export function openSessionDatabase(path: string, o: OpenOptions = {}): Database.Database {
  checkSessionHeader(path)
  let db: Database.Database | undefined
  try {
    db = new Database(path, {
      readonly: o.readonly ?? true, fileMustExist: true,
      ...(o.nativeBinding ? { nativeBinding: o.nativeBinding } : {}),
    })
    // Reads of checkpoints and chunks are random over the file: a 32 MB page cache keeps the
    // b-tree pages above them in memory. (No mmap: a file truncated under a mapping would
    // crash the process with SIGBUS instead of giving an error.)
    db.pragma('cache_size = -32768')
    const version = db.pragma('user_version', { simple: true }) as number
    if (version > SCHEMA_VERSION) {
      throw new SessionError(`${fileLabel(path)} was written by a newer Root Lab (session schema ${version}; this version reads schema ${SCHEMA_VERSION} and older)`)
    }
    // Before any other statement: a file's own triggers and views must never run.
    checkSchema(db, fileLabel(path), version, o.nativeBinding)
    const verify = o.verify ?? 'auto'
    if (verify === true || (verify === 'auto' && statSync(path).size <= VERIFY_AUTO_MAX_BYTES)) {
      const result = db.pragma('quick_check(1)', { simple: true }) as string
      if (result !== 'ok') throw new SessionError(`${fileLabel(path)} is damaged (SQLite quick_check: ${result.split('\n')[0]})`)
    }
    return db
  } catch (e) {
    db?.close()
    throw damaged(path, e)
  }
}
