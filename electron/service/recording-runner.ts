/**
 * Runs one recording and reports progress; the service does not care where. The worker runner
 * is what the app and `rootlab serve` use (the main thread stays responsive); the inline runner
 * exists for tests against a stand-in session layer.
 */
import { MessageChannel, Worker } from 'node:worker_threads'
import { errorLine } from './errors'
import type { RecordOptions, RecordProgress, RecordSummary, SessionLayer } from './session-port'
import { resolveRecordingWorker, type WorkerScript } from './worker-script'
import type { WorkerMessage } from './recording-worker'

/** How a recording ended. A cancelled recording leaves a valid, incomplete session file. */
export type RecordingOutcome =
  | { ok: true; summary: RecordSummary | null; cancelled: boolean }
  | { ok: false; error: string; cancelled: boolean }

export interface RecordingJob {
  readonly done: Promise<RecordingOutcome>
  cancel(): void
}

export type RecordingRunner = (
  opts: Omit<RecordOptions, 'signal' | 'onProgress' | 'cancelFlag'>,
  onProgress: (p: RecordProgress) => void,
) => RecordingJob

/** Grace period after a cancel before the worker is terminated outright. */
const CANCEL_GRACE_MS = 10_000

/** Records in a worker thread (see recording-worker.ts for the protocol). */
export function workerRunner(script?: WorkerScript): RecordingRunner {
  return (opts, onProgress) => {
    const { filename, options } = script ?? resolveRecordingWorker()
    const channel = new MessageChannel()
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4))
    const worker = new Worker(filename, {
      ...options,
      workerData: { opts, cancelPort: channel.port2, cancelFlag },
      transferList: [channel.port2],
    })
    let cancelled = false
    let killTimer: NodeJS.Timeout | undefined
    const done = new Promise<RecordingOutcome>((resolveDone) => {
      let settled = false
      const settle = (o: RecordingOutcome) => {
        if (settled) return
        settled = true
        clearTimeout(killTimer)
        channel.port1.close()
        resolveDone(o)
      }
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') onProgress(m.progress)
        else if (m.type === 'done') settle({ ok: true, summary: m.summary as RecordSummary, cancelled: m.cancelled || cancelled })
        else settle({ ok: false, error: m.message, cancelled: m.cancelled || cancelled })
      })
      worker.on('error', (e) => settle({ ok: false, error: errorLine(e), cancelled }))
      worker.on('exit', (code) => settle(cancelled
        ? { ok: true, summary: null, cancelled: true }
        : { ok: false, error: `recording stopped unexpectedly (worker exit code ${code})`, cancelled }))
    })
    return {
      done,
      cancel() {
        if (cancelled) return
        cancelled = true
        Atomics.store(cancelFlag, 0, 1)
        channel.port1.postMessage({ type: 'cancel' })
        killTimer = setTimeout(() => void worker.terminate(), CANCEL_GRACE_MS)
        killTimer.unref()
      },
    }
  }
}

/** Records on this thread, after the current tick (tests with a stand-in session layer). */
export function inlineRunner(layer: SessionLayer): RecordingRunner {
  return (opts, onProgress) => {
    const abort = new AbortController()
    const done = new Promise<RecordingOutcome>((resolveDone) => {
      setImmediate(() => {
        try {
          const summary = layer.recordSession({ ...opts, signal: abort.signal, onProgress })
          resolveDone({ ok: true, summary, cancelled: abort.signal.aborted })
        } catch (e) {
          resolveDone({ ok: false, error: errorLine(e), cancelled: abort.signal.aborted })
        }
      })
    })
    return { done, cancel: () => abort.abort() }
  }
}
