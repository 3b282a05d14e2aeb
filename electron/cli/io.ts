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
