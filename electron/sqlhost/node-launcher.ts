/**
 * Starts SQL host processes under Node (`rootlab serve`, the CLI, tests) with
 * child_process.fork. Built: the `sql-host.js` entry next to the bundle (vite.cli.config.ts).
 * From source (vitest, tsx): `host-entry.ts` under tsx's loader, given by absolute URL so the
 * child does not depend on its working directory. The child's stdout / stderr are the parent's.
 */
import { fork } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { exitListeners, type HostLauncher, type HostProcess } from './launcher'
import type { HostReply } from './protocol'

const BUILT_NAME = 'sql-host.js'

export interface HostScript {
  file: string
  execArgv: string[]
}

/** The host's entry for code loaded from `fromUrl` (default: this module). */
export function resolveHostScript(fromUrl: string = import.meta.url): HostScript {
  const here = dirname(fileURLToPath(fromUrl))
  for (const dir of [here, join(here, '..')]) {
    const built = join(dir, BUILT_NAME)
    if (existsSync(built)) return { file: built, execArgv: [] }
  }
  for (const source of [join(here, 'host-entry.ts'), join(here, '..', '..', 'electron', 'sqlhost', 'host-entry.ts')]) {
    if (existsSync(source)) {
      const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href
      return { file: source, execArgv: ['--import', tsx] }
    }
  }
  throw new Error(`the SQL host (${BUILT_NAME}) was not found next to ${here}; run npm run build`)
}

/** A launcher that forks `script` (default: resolveHostScript()). */
export function nodeHostLauncher(script?: HostScript): HostLauncher {
  return () => {
    const { file, execArgv } = script ?? resolveHostScript()
    const child = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'json' })
    const exit = exitListeners()
    child.on('exit', (code, signal) => exit.fire(signal ? `signal ${signal}` : `exit code ${code}`))
    child.on('error', (e) => exit.fire(e.message))
    const proc: HostProcess = {
      pid: child.pid,
      send: (m) => {
        if (child.connected) child.send(m)
      },
      onMessage: (fn) => void child.on('message', (m) => fn(m as HostReply)),
      onExit: exit.add,
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
      },
    }
    return proc
  }
}
