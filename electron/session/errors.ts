/**
 * SessionError: a problem a user can act on (a bad file, a bad argument), with a message of one
 * sentence that names the file or field. Callers (CLI, IPC, HTTP) show `message` as is and never
 * a stack trace. Anything else thrown from the session layer is a bug.
 */
export class SessionError extends Error {
  override name = 'SessionError'
}

/** True for better-sqlite3's SqliteError (without importing the native module's class). */
export function isSqliteError(e: unknown): e is Error & { code: string } {
  return e instanceof Error && e.name === 'SqliteError' && typeof (e as { code?: unknown }).code === 'string'
}
