/**
 * The desktop app's SQL hosts: Electron's `utilityProcess.fork` of the built `sql-host.js`
 * (out/main, next to main.js; electron.vite.config.ts). Forking process.execPath as Node would
 * need the RunAsNode fuse, which the packaged app turns off; a utility process is a Node
 * process Electron starts itself, with the Electron-ABI better-sqlite3 (the service passes the
 * native binding with each request). The host speaks over `process.parentPort`
 * (electron/sqlhost/host-entry.ts). A query past its deadline kills the process with SIGKILL
 * (`kill()` would send SIGTERM, which a thread inside sqlite3_step cannot act on any sooner).
 */
import { utilityProcess } from 'electron'
import { exitListeners, type HostLauncher, type HostProcess } from '../sqlhost/launcher'
import type { HostReply } from '../sqlhost/protocol'

/** Starts hosts from `entry` (absolute path of sql-host.js). utilityProcess needs app `ready`. */
export function utilityProcessLauncher(entry: string): HostLauncher {
  return () => {
    const child = utilityProcess.fork(entry, [], { serviceName: 'Root Lab SQL', stdio: 'inherit' })
    const exit = exitListeners()
    child.on('exit', (code) => exit.fire(`exit code ${code}`))
    child.on('error', (type, location) => exit.fire(`${type}${location ? ` at ${location}` : ''}`))
    const proc: HostProcess = {
      get pid() {
        return child.pid
      },
      send: (m) => {
        if (!exit.gone) child.postMessage(m)
      },
      onMessage: (fn) => void child.on('message', (m: unknown) => fn(m as HostReply)),
      onExit: exit.add,
      kill: () => {
        if (exit.gone) return
        const pid = child.pid
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL')
            return
          } catch {
            // Already gone: fall through to Electron's own kill.
          }
        }
        child.kill()
      },
    }
    return proc
  }
}
