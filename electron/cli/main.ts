/**
 * rootlab: the command line of Root Lab (cli-contract.md). Exit status 0 success, 1 failure
 * (bad file, invalid script, I/O error), 2 usage error; every error is one line on stderr that
 * starts with "rootlab: ". Set ROOTLAB_DEBUG=1 to see stack traces of unexpected errors.
 */
import { SessionError } from '../session/errors'
import { discardStartedWriter, startWriterEarly } from '../session/writer-worker-start'
import { COMMANDS } from './commands'
import { limitHeapGrowth, RECORDING_COMMANDS } from './heap-growth'
import { InputFileError } from './input-file'
import { escapeForTerminal } from '../../sim/quote'
import { CliFailure, errorLine, processIo, UsageError, type Io } from './io'

const HELP = `Usage: rootlab COMMAND [ARGS...]   (rootlab COMMAND --help for details)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(9)}${c.summary}`).join('\n')}
`

/**
 * `io` with stdout made safe for a terminal: text from a session file (a scenario name, a finding
 * message, a bookmark note) reaches stdout, and a control character in it must not act on the
 * terminal. Newlines and tabs stay; JSON stays valid (see escapeForTerminal).
 */
function safeIo(io: Io): Io {
  return { ...io, out: (t) => io.out(escapeForTerminal(t)) }
}

/** Runs the CLI; resolves with the exit status. */
export async function main(argv: string[], rawIo: Io = processIo): Promise<number> {
  const io = safeIo(rawIo)
  if (rawIo === processIo) {
    // `rootlab events ... | head`: a closed pipe ends the output quietly, as with other tools.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(0)
        throw e
      })
    }
  }
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP)
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-V') {
    const { APP_VERSION } = await import('../session/meta')
    io.out(`rootlab ${APP_VERSION}\n`)
    return 0
  }
  const cmd = COMMANDS.find((c) => c.name === name)
  if (!cmd) {
    io.err(errorLine(`unknown command "${name.slice(0, 80)}" (allowed: ${COMMANDS.map((c) => c.name).join(', ')})`))
    return 2
  }
  // A process of its own (not a test calling main): its peak memory is the recorder's (heap-growth.ts).
  if (rawIo === processIo && RECORDING_COMMANDS.has(name)) limitHeapGrowth()
  // The writer's worker boots while the recorder loads (writer-worker-start.ts).
  if (name === 'record' && !rest.includes('--help') && !rest.includes('-h')) startWriterEarly()
  try {
    const mod = await cmd.load()
    return await mod.run(rest, io)
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(errorLine(`${e.message} (see rootlab ${name} --help)`))
      return 2
    }
    if (e instanceof SessionError || e instanceof CliFailure || e instanceof InputFileError) {
      io.err(errorLine(e.message))
      return 1
    }
    const err = e as NodeJS.ErrnoException
    if (err && typeof err.code === 'string' && err.syscall) {
      io.err(errorLine(err.message))
      return 1
    }
    io.err(errorLine(`internal error: ${err?.message ?? String(e)}`))
    if (process.env.ROOTLAB_DEBUG) io.err(`${err?.stack ?? ''}\n`)
    return 1
  } finally {
    discardStartedWriter()
  }
}
