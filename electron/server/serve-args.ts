/**
 * `rootlab serve [FILE] [--port N]` arguments (cli-contract.md). Anything else is a usage error,
 * `--host` in particular: the viewer never listens on another interface than 127.0.0.1.
 */
import { clip } from '../../sim/quote'

export interface ServeArgs {
  file: string | null
  /** null: the default port, or any free port if it is taken. */
  port: number | null
  help: boolean
  /** --sql-timeout S: the SQL console's default deadline in ms (null: 2 s). */
  sqlTimeoutMs: number | null
}

export class UsageError extends Error {
  override name = 'UsageError'
}

export const SERVE_USAGE = 'usage: rootlab serve [FILE] [--port N] [--sql-timeout S]   (listens on 127.0.0.1 only)'

export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = { file: null, port: null, help: false, sqlTimeoutMs: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--help' || a === '-h') out.help = true
    else if (a === '--port' || a.startsWith('--port=')) {
      const raw = a.includes('=') ? a.slice('--port='.length) : argv[++i]
      if (raw === undefined) throw new UsageError('serve: --port needs a number (0-65535; 0 = any free port)')
      if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) throw new UsageError(`serve: --port ${clip(raw)} is not a port number (0-65535)`)
      out.port = Number(raw)
    } else if (a === '--sql-timeout' || a.startsWith('--sql-timeout=')) {
      const raw = a.includes('=') ? a.slice('--sql-timeout='.length) : argv[++i]
      const secs = raw === undefined ? NaN : Number(raw)
      if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw) || secs < 0.001 || secs > 600) {
        throw new UsageError(`serve: --sql-timeout needs seconds from 0.001 to 600 (the SQL console's deadline; default 2), got ${raw ?? 'nothing'}`)
      }
      out.sqlTimeoutMs = Math.round(secs * 1000)
    } else if (a === '--host' || a.startsWith('--host=') || a === '--bind' || a.startsWith('--bind=')) {
      throw new UsageError(`serve: ${a.split('=')[0]} is not supported; the viewer listens on 127.0.0.1 only`)
    } else if (a.startsWith('-') && a !== '-') {
      throw new UsageError(`serve: unknown option ${clip(a)}`)
    } else if (out.file === null) out.file = a
    else throw new UsageError(`serve: one FILE at most (got ${clip(out.file)} and ${clip(a)})`)
  }
  return out
}
