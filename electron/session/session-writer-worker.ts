/**
 * Worker-thread entry of the session writer (writer-thread.ts threadWriter): handles the
 * recorder's messages in order with a SessionWriter, counts them in the shared control words
 * (backpressure), and reports the end (the digest) or the first error (message and SQLite code)
 * on the port and in the control words, which the recorder reads with Atomics.
 */
import { workerData, type MessagePort } from 'node:worker_threads'
import { SessionWriter, type WriterMessage } from './session-writer'
import { FAILED, FINISHED, HANDLED, STATE } from './writer-thread'

const init = (workerData as { rootlabSessionWriter?: { file: string; nativeBinding: string | null; ctl: Int32Array; port: MessagePort } })
  .rootlabSessionWriter
if (init) {
  const { ctl, port } = init
  let writer: SessionWriter | null = null
  const fail = (e: unknown): void => {
    writer?.abort()
    const err = e as Error & { code?: string }
    port.postMessage({ error: { message: err.message, ...(typeof err.code === 'string' ? { code: err.code } : {}) } })
    Atomics.store(ctl, STATE, FAILED)
    Atomics.notify(ctl, STATE)
    Atomics.notify(ctl, HANDLED)
    port.close()
  }
  try {
    writer = new SessionWriter(init.file, init.nativeBinding ?? undefined)
  } catch (e) {
    fail(e)
  }
  port.on('message', (m: WriterMessage) => {
    if (!writer || Atomics.load(ctl, STATE) !== 0) return
    try {
      writer.handle(m)
    } catch (e) {
      fail(e)
      return
    }
    Atomics.add(ctl, HANDLED, 1)
    Atomics.notify(ctl, HANDLED)
    if (m.t === 'finish') {
      port.postMessage({ digest: writer.digest })
      Atomics.store(ctl, STATE, FINISHED)
      Atomics.notify(ctl, STATE)
      port.close()
    }
  })
}
