/**
 * The command table. A command is a module with `help` and `run(argv, io)` loaded on first use.
 * `serve` lives in ./serve.ts (built by the app-shell work) and exports runServe(argv); it is
 * found through import.meta.glob so the CLI still builds, and says so clearly, without it.
 */
import type { Io } from './io'

export interface Command {
  name: string
  /** One line for `rootlab --help`. */
  summary: string
  load(): Promise<{ help: string; run(argv: string[], io: Io): number | Promise<number> }>
}

type ServeModule = { runServe(argv: string[]): Promise<number> }
// Vite replaces this with a map of the files that exist ({} if serve.ts is missing).
const optional = (import.meta as unknown as { glob(p: string): Record<string, () => Promise<unknown>> }).glob('./serve.ts')

export const COMMANDS: Command[] = [
  { name: 'record', summary: 'record a session from a scenario or a script', load: () => import('./commands/record') },
  { name: 'info', summary: "show a session's metadata", load: () => import('./commands/info') },
  { name: 'inspect', summary: 'show the state after a transition', load: () => import('./commands/inspect') },
  { name: 'events', summary: 'list transitions, filtered', load: () => import('./commands/events') },
  { name: 'compare', summary: 'compare two sessions of the same operations', load: () => import('./commands/compare') },
  { name: 'export', summary: 'export a copy of the session, a Perfetto trace or a flat SQLite database', load: () => import('./commands/export') },
  { name: 'sql', summary: 'run a read-only SQL query (transitions, roots_at, pages_at, ...)', load: () => import('./commands/sql') },
  { name: 'verify', summary: 'check every chunk, checkpoint and index of a session, and its digest', load: () => import('./commands/verify') },
  { name: 'find', summary: 'find where a watched slot, page or requests change, or a condition holds', load: () => import('./commands/find') },
  {
    name: 'import', summary: 'import a kernel trace (ftrace / trace-cmd text) into a session',
    load: async () => {
      const m = await import('../kvm/import-command')
      return { help: m.IMPORT_HELP, run: (argv, io) => m.runImport(argv, io, io.errIsTTY) }
    },
  },
  {
    name: 'capture', summary: "run a script on this host's KVM and record the kernel's events",
    load: async () => {
      const m = await import('../kvm/capture-command')
      return { help: m.CAPTURE_HELP, run: (argv, io) => m.runCapture(argv, io) }
    },
  },
  { name: 'fuzz', summary: 'find scripts that break a kernel, shrink them, write reproducers', load: () => import('./commands/fuzz') },
  {
    name: 'serve', summary: 'serve the debugger and the API on 127.0.0.1',
    load: async () => {
      const loader = optional['./serve.ts']
      if (!loader) throw new Error('rootlab serve is not part of this build')
      const m = (await loader()) as ServeModule
      return {
        help: 'Usage: rootlab serve [FILE] [--port N] [--sql-timeout S]\n\nServes the debugger and the LabApi on 127.0.0.1 and prints the URL, which carries\na random token (ROOTLAB_TOKEN sets it); API requests need it (the cookie the page gets, or\nAuthorization: Bearer TOKEN).\n  --sql-timeout S   the SQL console\'s default deadline in seconds (default 2, at most 600)\n',
        run: (argv) => m.runServe(argv),
      }
    },
  },
]
