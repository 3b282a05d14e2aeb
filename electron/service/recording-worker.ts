/**
 * Worker-thread entry of a recording: runs the session layer's synchronous recordSession() off
 * the main thread and reports over the parent port.
 *
 * Protocol (parent -> worker): workerData = { opts: RecordOptions without signal/onProgress,
 * cancelPort: MessagePort, cancelFlag: Int32Array over a SharedArrayBuffer }; the parent cancels
 * by setting cancelFlag[0] = 1 (read by the recorder between operations) and sending
 * { type: 'cancel' } on cancelPort.
 * Worker -> parent: { type: 'progress', progress } (throttled), then exactly one of
 * { type: 'done', summary, cancelled } or { type: 'error', message }.
 *
 * recordSession() blocks this thread's event loop, so a cancel message would never be
 * delivered while it runs: the shared flag is what stops it; as a second path the progress
 * callback polls cancelPort synchronously (receiveMessageOnPort) and aborts the signal.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads'
import { errorLine } from './errors'
import { sessionLayer } from './session-layer'
import type { RecordOptions, RecordProgress } from './session-port'

/** Fewest milliseconds between two progress messages. */
const PROGRESS_INTERVAL_MS = 50

export type WorkerRequest = { opts: Omit<RecordOptions, 'signal' | 'onProgress' | 'cancelFlag'>; cancelPort: MessagePort; cancelFlag: Int32Array }
export type WorkerMessage =
  | { type: 'progress'; progress: RecordProgress }
  | { type: 'done'; summary: unknown; cancelled: boolean }
  | { type: 'error'; message: string; cancelled: boolean }

function main(): void {
  const port = parentPort
  if (!port) throw new Error('recording-worker must run in a worker thread')
  const { opts, cancelPort, cancelFlag } = workerData as WorkerRequest
  const abort = new AbortController()
  let last = 0
  const pollCancel = () => {
    const m = receiveMessageOnPort(cancelPort)
    if (m && (m.message as { type?: string }).type === 'cancel') abort.abort()
  }
  cancelPort.on('message', (m: { type?: string }) => {
    if (m.type === 'cancel') abort.abort()
  })
  try {
    const summary = sessionLayer.recordSession({
      ...opts,
      signal: abort.signal,
      cancelFlag,
      onProgress: (progress) => {
        pollCancel()
        const now = Date.now()
        if (now - last >= PROGRESS_INTERVAL_MS || progress.fraction >= 1) {
          last = now
          port.postMessage({ type: 'progress', progress } satisfies WorkerMessage)
        }
      },
    })
    port.postMessage({ type: 'done', summary, cancelled: abort.signal.aborted || Atomics.load(cancelFlag, 0) !== 0 } satisfies WorkerMessage)
  } catch (e) {
    port.postMessage({ type: 'error', message: errorLine(e), cancelled: abort.signal.aborted || Atomics.load(cancelFlag, 0) !== 0 } satisfies WorkerMessage)
  } finally {
    cancelPort.close()
  }
}

main()
