/**
 * Starting the session writer's worker (session-writer-worker.ts), apart from the rest of the
 * writer so that the CLI can start it before it loads anything else (electron/cli/main.ts:
 * `rootlab record`): a worker takes ~100-200 ms to boot and load its bundle and better-sqlite3,
 * time in which the recorder's thread is itself loading and writing the schema. Started early,
 * the writer is ready by the first chunk instead of ~150 ms after it (docs/benchmarks.md).
 *
 * A started worker waits, idle, for an `open` message naming the file (writer-thread.ts
 * threadWriter takes it); one that is never taken is terminated by discardStartedWriter, and
 * is unref'd so it never keeps a process alive.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads'
import type { SessionHeader } from './session-writer'

/** Control words shared with the worker: [0] messages handled, [1] state. */
export const HANDLED = 0
export const STATE = 1
export const RUNNING = 0
export const FAILED = 1
export const FINISHED = 2

/** What the worker is given when it starts; `open` (the file) comes later, by message. */
export interface WriterWorkerData { ctl: Int32Array; port: MessagePort }

/**
 * The first message on the port: the file to write, created empty by the recorder, and the
 * header the writer writes first (session-writer.ts SessionHeader; null: the file has it).
 */
export interface WriterOpen { t: 'open'; file: string; nativeBinding: string | null; header: SessionHeader | null }

export interface StartedWriter { worker: Worker; ctl: Int32Array; port: MessagePort }

/** The worker entry: the built session-writer.js beside the bundle, or the source under tsx. */
export function writerScript(): { filename: string | URL; options: { eval?: boolean } } | null {
  const here = dirname(fileURLToPath(import.meta.url))
  for (const dir of [here, join(here, '..')]) {
    const built = join(dir, 'session-writer.js')
    if (existsSync(built)) return { filename: built, options: {} }
  }
  const source = join(here, 'session-writer-worker.ts')
  if (!existsSync(source)) return null
  // From source (tests): register tsx's loader in the worker, then load the entry.
  const require = createRequire(import.meta.url)
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(pathToFileURL(source).href)}) })`
  return { filename: code, options: { eval: true } }
}

/** Starts a writer worker, idle until `open`. Throws if there is no worker script. */
export function startWriterWorker(): StartedWriter {
  const script = writerScript()
  if (!script) throw new Error('the session writer worker is missing; run npm run build')
  const ctl = new Int32Array(new SharedArrayBuffer(8))
  const { port1, port2 } = new MessageChannel()
  const data: WriterWorkerData = { ctl, port: port2 }
  const worker = new Worker(script.filename, {
    ...script.options,
    workerData: { rootlabSessionWriter: data },
    // The writer allocates little that lives: a small young generation keeps its memory small.
    resourceLimits: { maxYoungGenerationSizeMb: 8 },
    transferList: [port2 as unknown as MessagePort],
  })
  worker.unref()
  return { worker, ctl, port: port1 }
}

let started: StartedWriter | null = null

/**
 * Starts a writer worker now, for the next recording of this process (built CLI only: from
 * source the recorder writes inline). Does nothing if one is already waiting.
 */
export function startWriterEarly(): void {
  if (started) return
  const script = writerScript()
  if (!script || script.options.eval) return
  started = startWriterWorker()
}

/** The worker started early, if any (each is taken once). */
export function takeStartedWriter(): StartedWriter | null {
  const s = started
  started = null
  return s
}

/** Terminates a worker started early that no recording took (a failed or other command). */
export function discardStartedWriter(): void {
  const s = takeStartedWriter()
  if (!s) return
  s.port.close()
  void s.worker.terminate()
}
