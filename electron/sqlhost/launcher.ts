/**
 * What starts an SQL host process: child_process.fork under Node (node-launcher.ts), Electron's
 * utilityProcess in the desktop app (electron/main/sql-host-launcher.ts). The pool (hosts.ts)
 * sees only this.
 */
import type { HostReply, HostRequest } from './protocol'

/** A started host process, whatever runs it (child_process.fork, Electron's utilityProcess). */
export interface HostProcess {
  send(m: HostRequest): void
  onMessage(fn: (m: HostReply) => void): void
  /** Called once when the process is gone (killed, crashed or exited); `why` for messages. */
  onExit(fn: (why: string) => void): void
  /** Kills it at once (SIGKILL). */
  kill(): void
  /** Its process id, once started (tests, diagnostics). */
  readonly pid?: number | undefined
}

/** Starts one host process. */
export type HostLauncher = () => HostProcess

/** For launchers: calls the onExit listeners once, however many exit signals the runtime gives. */
export function exitListeners(): { add(fn: (why: string) => void): void; fire(why: string): void; readonly gone: boolean } {
  const fns: ((why: string) => void)[] = []
  let gone = false
  return {
    add: (fn) => void fns.push(fn),
    fire(why) {
      if (gone) return
      gone = true
      for (const f of fns) f(why)
    },
    get gone() {
      return gone
    },
  }
}
