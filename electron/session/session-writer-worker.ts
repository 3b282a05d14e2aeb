/**
 * Worker-thread entry of the session writer (writer-thread.ts threadWriter): waits for `open`
 * (the worker may be started before the file exists, writer-worker-start.ts), then handles the
 * recorder's messages (posted in batches) in order with a SessionWriter, counts each in the
 * shared control words (backpressure), and reports the end (the digest) or the first error
 * (message and SQLite code) on the port and in the control words, which the recorder reads with
 * Atomics.
 *
 * The writer's code is imported dynamically so that a failure to load it (a broken bundle, a
 * missing module) is reported like any other error instead of killing the worker silently while
 * the recorder waits on the control words.
 */
import { workerData } from 'node:worker_threads'
import type { SessionWriter, WriterMessage } from './session-writer'
import type { WriterBatch } from './writer-thread'
import { FAILED, FINISHED, HANDLED, STATE, type WriterOpen, type WriterWorkerData } from './writer-worker-start'

const init = (workerData as { rootlabSessionWriter?: WriterWorkerData } | null)?.rootlabSessionWriter
if (init) {
  const { ctl, port } = init
  let writer: SessionWriter | null = null
  let failed = false
  const fail = (e: unknown): void => {
    if (failed) return
    failed = true
    writer?.abort()
    const err = e as Error & { code?: string }
    port.postMessage({ error: { message: err?.message ?? String(e), ...(typeof err?.code === 'string' ? { code: err.code } : {}) } })
    Atomics.store(ctl, STATE, FAILED)
    Atomics.notify(ctl, STATE)
    Atomics.notify(ctl, HANDLED)
    port.close()
  }
  // Messages that arrive before the writer's code is loaded wait here, in order.
  const queue: (WriterOpen | WriterMessage)[] = []
  let ready: typeof import('./session-writer') | null = null
  const handle = (m: WriterOpen | WriterMessage): void => {
    if (failed || Atomics.load(ctl, STATE) !== 0) return
    try {
      if (m.t === 'open') {
        writer = new ready!.SessionWriter(m.file, m.nativeBinding ?? undefined, m.header ?? undefined)
        return
      }
      if (!writer) throw new Error('the session writer was sent a message before its file')
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
  }
  const receive = (m: WriterOpen | WriterMessage): void => {
    if (ready) handle(m)
    else queue.push(m)
  }
  port.on('message', (m: WriterOpen | WriterBatch) => {
    if (m.t === 'batch') for (const x of m.list) receive(x)
    else receive(m)
  })
  import('./session-writer').then((mod) => {
    ready = mod
    for (const m of queue.splice(0)) handle(m)
  }, fail)
}
