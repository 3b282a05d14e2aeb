/**
 * `rootlab serve` on the real session layer: the serve command (serve-command.ts) wired to
 * electron/session. The CLI's command table and serve-main.ts (the source entry) both start it
 * from here; the server knows nothing of the CLI (an eslint boundary keeps it so).
 */
import { sessionLayer } from '../service/session-layer'
import { serveCommand } from './serve-command'

/** Runs `rootlab serve ARGV...` until Ctrl-C / SIGTERM; resolves with the exit code. */
export function runServe(argv: string[]): Promise<number> {
  return serveCommand(argv, { sessions: sessionLayer })
}
