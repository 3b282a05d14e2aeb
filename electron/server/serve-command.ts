/**
 * `rootlab serve [FILE] [--port N]`: serves the built renderer and the LabApi on 127.0.0.1,
 * prints the URL with this run's token (`http://127.0.0.1:PORT/?token=TOKEN`; ROOTLAB_TOKEN
 * sets it, see ./auth.ts), opens FILE (or records/opens the default session in the background), and
 * stops cleanly on SIGINT/SIGTERM (recordings cancelled, sessions closed).
 *
 * The folder it serves is the working directory: the browser may open files under it and
 * create recordings and exports in it, nothing else (plus FILE itself).
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { createLabService } from '../service/lab-service'
import { rootFolderPolicy } from '../service/path-policy'
import type { RecordingRunner } from '../service/recording-runner'
import type { SessionLayer } from '../service/session-port'
import { errorLine } from '../service/errors'
import { dataDir, rendererDir } from './app-dirs'
import { serverToken, TokenError, viewerUrl } from './auth'
import { startLabServer, type LabServer } from './lab-server'
import { parseServeArgs, SERVE_USAGE, UsageError } from './serve-args'
import { isRendererBuilt } from './static-files'

/** The port tried first when --port is not given; any free port if it is taken. */
export const DEFAULT_PORT = 7457

export interface ServeDeps {
  sessions: SessionLayer
  runner?: RecordingRunner
  cwd?: string
  env?: NodeJS.ProcessEnv
  out?: (line: string) => void
  err?: (line: string) => void
  /** Resolves when the server should stop (default: SIGINT or SIGTERM). */
  stopSignal?: Promise<unknown>
  /** Called once the server listens (tests). */
  onListening?: (server: LabServer) => void
}

function waitForSignal(): Promise<string> {
  return new Promise((done) => {
    const on = (sig: string) => {
      process.off('SIGINT', on)
      process.off('SIGTERM', on)
      done(sig)
    }
    process.on('SIGINT', on)
    process.on('SIGTERM', on)
  })
}

/** Runs the command; resolves with the exit code (0 after a clean stop, 1 failure, 2 usage). */
export async function serveCommand(argv: string[], deps: ServeDeps): Promise<number> {
  const out = deps.out ?? ((l: string) => process.stdout.write(`${l}\n`))
  const err = deps.err ?? ((l: string) => process.stderr.write(`${l}\n`))
  const env = deps.env ?? process.env
  // One line, control characters escaped (a file name or an error may hold them).
  const error = (message: string) => err(`rootlab: ${errorLine(message)}`)
  const cwd = resolve(deps.cwd ?? process.cwd())

  let args
  try {
    args = parseServeArgs(argv)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    error(e.message)
    err(SERVE_USAGE)
    return 2
  }
  if (args.help) {
    out(SERVE_USAGE)
    return 0
  }

  const staticDir = rendererDir(env)
  if (!isRendererBuilt(staticDir)) {
    error(`the browser viewer is not built (${staticDir}/index.html is missing); run \`npm run build\` first`)
    return 1
  }
  const file = args.file === null ? null : resolve(cwd, args.file)
  if (file !== null && !existsSync(file)) {
    error(`${file} does not exist`)
    return 1
  }

  let token: string
  try {
    token = serverToken(env)
  } catch (e) {
    if (!(e instanceof TokenError)) throw e
    error(e.message)
    return 1
  }

  const service = createLabService({
    sessions: deps.sessions,
    paths: rootFolderPolicy(cwd, file ? [file] : []),
    dataDir: dataDir(env),
    ...(deps.runner ? { runner: deps.runner } : {}),
    ...(args.sqlTimeoutMs !== null ? { sqlTimeoutMs: args.sqlTimeoutMs } : {}),
  })

  // A FILE with bookmarks (a fuzz reproducer has one at its failure) opens at the first one.
  let startSeq: number | null = null
  if (file !== null) {
    // Open it now, so a bad file is reported here rather than as an error page in the browser.
    const r = await service.openSession({ path: file })
    if (!r.ok) {
      error(r.error)
      await service.close()
      return 1
    }
    const marks = await service.listBookmarks({ session: r.value.session })
    if (marks.ok && marks.value.length > 0) startSeq = marks.value[0]!.seq
  }

  let server: LabServer
  try {
    server = await listen(service, staticDir, args.port, token)
  } catch (e) {
    error(`${e instanceof Error ? e.message : String(e)}`)
    await service.close()
    return 1
  }

  const url = `${viewerUrl(server.url, token, file)}${startSeq === null ? '' : `&seq=${startSeq}`}`
  out(`Root Lab viewer: ${url}`)
  out(`Serving files under ${cwd} (127.0.0.1 only). Press Ctrl-C to stop.`)
  deps.onListening?.(server)

  if (file === null) {
    // Record the default session now, so it is ready when the browser asks for it (the
    // browser's openDefaultSession joins this same recording if it is still running).
    void service.openDefaultSession({}).then((r) => {
      if (!r.ok) error(r.error)
    })
  }

  await (deps.stopSignal ?? waitForSignal())
  await server.close()
  await service.close()
  out('Root Lab viewer stopped.')
  return 0
}

async function listen(service: ReturnType<typeof createLabService>, staticDir: string, port: number | null, token: string): Promise<LabServer> {
  try {
    return await startLabServer({ service, staticDir, port: port ?? DEFAULT_PORT, token })
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' && port === null) return startLabServer({ service, staticDir, port: 0, token })
    if (code === 'EADDRINUSE') throw new Error(`port ${port} is in use; choose another with --port N (0 = any free port)`, { cause: e })
    if (code === 'EACCES') throw new Error(`port ${port} needs privileges; choose one above 1023 with --port N`, { cause: e })
    throw e
  }
}
