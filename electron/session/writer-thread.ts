/**
 * Feeding the session writer (session-writer.ts) from the recorder, which must stay a plain
 * synchronous function (callers: the CLI, the app's recording worker, kvm import/capture, the
 * fuzzer). Two sinks with one interface:
 *
 *   - inline: the writer runs on the recorder's thread, message by message;
 *   - thread: the writer runs in a worker (session-writer-worker.ts). Messages go by
 *     postMessage (chunk, ops and checkpoint buffers transferred, not copied); the recorder
 *     never waits for the writer except when it is more than MAX_IN_FLIGHT messages ahead
 *     (bounded memory) and at the end, where it blocks on Atomics.wait until the writer has
 *     finished, and takes its answer with receiveMessageOnPort. A write error (a full disk)
 *     is reported at the next check, with the SQLite code of the original error.
 */
import { receiveMessageOnPort } from 'node:worker_threads'
import { SessionError } from './errors'
import { SessionWriter, type SessionHeader, type WriterMessage } from './session-writer'
import { FAILED, HANDLED, RUNNING, startWriterWorker, STATE, takeStartedWriter, type StartedWriter, type WriterOpen } from './writer-worker-start'

export interface WriterSink {
  /** Sends one message (buffers in `transfer` are handed over: do not use them afterwards). */
  send(m: WriterMessage, transfer?: ArrayBuffer[]): void
  /** Throws the writer's error, if it failed. */
  check(): void
  /** Sends `finish`, waits for the writer to close the file, returns the digest. */
  finish(m: Extract<WriterMessage, { t: 'finish' }>): string
  /** After a failure on the recorder's side: stop the writer, keep what was committed. */
  abort(): void
}

/** The writer's error as it crosses threads: the message and the SQLite code. */
interface WriterError { message: string; code?: string }

function rethrow(e: WriterError): never {
  const err = new Error(e.message) as Error & { code?: string }
  if (e.code) err.code = e.code
  throw err
}

export function inlineWriter(file: string, nativeBinding?: string, header?: SessionHeader): WriterSink {
  const w = new SessionWriter(file, nativeBinding, header)
  return {
    send: (m) => w.handle(m),
    check: () => undefined,
    finish: (m) => {
      w.handle(m)
      return w.digest!
    },
    abort: () => w.abort(),
  }
}

/** Messages the recorder may be ahead of the writer (a chunk is ~12 KB, a checkpoint ~10-30 KB). */
export const MAX_IN_FLIGHT = 64

/**
 * Messages posted together: a postMessage costs 50-80 us of the recorder's thread however small
 * the message (structured clone, transfer, waking the worker), ~5% of a recording's model thread
 * at 780 messages per million transitions (docs/benchmarks.md, "Session 17"). A `commit` is
 * posted at once with what is pending, so what the writer commits is never held back.
 */
export const MESSAGES_PER_POST = 8

/** What the recorder posts to the worker: messages in order (the worker counts each in HANDLED). */
export interface WriterBatch { t: 'batch'; list: WriterMessage[] }

/**
 * How long the recorder waits for the writer to handle one more message before it gives up: a
 * message takes milliseconds, so a writer silent this long is gone (a worker killed by running
 * out of memory reports nothing, and the recorder, blocked in Atomics.wait, would wait forever).
 */
export const WRITER_STALL_MS = 60_000

/**
 * Writes `file` on a worker: the one started early (writer-worker-start.ts), or a new one
 * (`started` and `stallMs`: for tests).
 */
export function threadWriter(file: string, nativeBinding?: string,
  opts: { started?: StartedWriter; stallMs?: number; header?: SessionHeader } = {}): WriterSink {
  const { worker, ctl, port: port1 } = opts.started ?? takeStartedWriter() ?? startWriterWorker()
  const stallMs = opts.stallMs ?? WRITER_STALL_MS
  const open: WriterOpen = { t: 'open', file, nativeBinding: nativeBinding ?? null, header: opts.header ?? null }
  port1.postMessage(open)
  let sent = 0
  const failed = (): never => {
    const msg = receiveMessageOnPort(port1)?.message as { error?: WriterError } | undefined
    void worker.terminate()
    port1.close()
    rethrow(msg?.error ?? { message: 'the session writer stopped' })
  }
  const check = (): void => {
    if (Atomics.load(ctl, STATE) === FAILED) failed()
  }
  // The writer's progress while the recorder waits for it (see WRITER_STALL_MS).
  let lastHandled = -1
  let lastProgressAt = 0
  const stalled = (): void => {
    const handled = Atomics.load(ctl, HANDLED)
    const now = Date.now()
    if (handled !== lastHandled) {
      lastHandled = handled
      lastProgressAt = now
    } else if (now - lastProgressAt > stallMs) {
      void worker.terminate()
      port1.close()
      throw new SessionError(`the session writer has not written anything for ${stallMs >= 1000 ? `${Math.round(stallMs / 1000)} s` : `${stallMs} ms`} and was stopped (it may have run out of memory)`)
    }
  }
  // Messages not posted yet, and the buffers they hand over.
  let pending: WriterMessage[] = []
  let pendingTransfer: ArrayBuffer[] = []
  const post = (): void => {
    if (!pending.length) return
    const batch: WriterBatch = { t: 'batch', list: pending }
    port1.postMessage(batch, pendingTransfer)
    sent += pending.length
    pending = []
    pendingTransfer = []
  }
  return {
    send(m, transfer) {
      pending.push(m)
      if (transfer) for (const b of transfer) pendingTransfer.push(b)
      if (pending.length < MESSAGES_PER_POST && m.t !== 'commit') return
      post()
      // Backpressure: never more than MAX_IN_FLIGHT messages ahead of the writer.
      for (;;) {
        check()
        const handled = Atomics.load(ctl, HANDLED)
        if (sent - handled <= MAX_IN_FLIGHT) return
        stalled()
        Atomics.wait(ctl, HANDLED, handled, Math.min(200, stallMs))
      }
    },
    check,
    finish(m) {
      pending.push(m)
      post()
      while (Atomics.load(ctl, STATE) === RUNNING) {
        stalled()
        Atomics.wait(ctl, STATE, RUNNING, Math.min(200, stallMs))
      }
      if (Atomics.load(ctl, STATE) === FAILED) failed()
      const reply = receiveMessageOnPort(port1)?.message as { digest?: string } | undefined
      port1.close()
      void worker.terminate()
      if (!reply?.digest) throw new Error('the session writer finished without a digest')
      return reply.digest
    },
    abort() {
      void worker.terminate()
      port1.close()
    },
  }
}
