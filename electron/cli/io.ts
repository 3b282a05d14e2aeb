import { escapeControls } from '../../sim/quote'

/** Longest error line (values in it are cut at about 80 characters already; this is the backstop). */
const MAX_ERROR_CHARS = 1000

/**
 * The one error line of the CLI (cli-contract.md): `rootlab: ` + the message on one line, every
 * control character escaped (a file name or a value from a crafted file must not act on the
 * terminal or forge a line), cut at MAX_ERROR_CHARS.
 */
export function errorLine(message: string): string {
  const one = escapeControls(message.replace(/\s*\r?\n\s*/g, ' ').trim())
  return `rootlab: ${one.length > MAX_ERROR_CHARS ? `${one.slice(0, MAX_ERROR_CHARS)}…` : one}\n`
}

/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Io {
  out(text: string): void
  err(text: string): void
  /** stderr is a terminal (progress bars only then). */
  errIsTTY: boolean
  /** Width of the terminal for tables, if known. */
  columns: number
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  errIsTTY: Boolean(process.stderr.isTTY),
  columns: process.stdout.columns || 100,
}

/** A usage error: wrong flags or arguments (exit status 2). */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** A failure the user can act on (exit status 1), raised by a command. */
export class CliFailure extends Error {
  override name = 'CliFailure'
}
