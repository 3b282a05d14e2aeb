/**
 * The `serve` command of the rootlab CLI (the command table in electron/cli calls runServe).
 * Everything but the wiring to the real session layer lives in electron/server/serve-command.ts.
 */
import { serveCommand } from '../server/serve-command'
import { sessionLayer } from '../service/session-layer'

/** Runs `rootlab serve ARGV...` until Ctrl-C / SIGTERM; resolves with the exit code. */
export function runServe(argv: string[]): Promise<number> {
  return serveCommand(argv, { sessions: sessionLayer })
}
