/**
 * The writer's worker protocol (writer-worker-start.ts, session-writer-worker.ts): a worker is
 * started before its file exists and told the file by `open`; a file it cannot open is reported
 * to the recorder as an error (never a wait that does not end), and a worker started early that
 * no recording takes is terminated. The happy path is recorder-digest.test.ts (writer `thread`).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from './testing/fixtures'
import { MAX_IN_FLIGHT, threadWriter } from './writer-thread'
import { discardStartedWriter, FAILED, STATE, startWriterWorker } from './writer-worker-start'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

describe('the session writer worker', () => {
  it('reports a file it cannot open as an error at the next check or at finish', () => {
    const sink = threadWriter(tmp.file('missing-dir/none.rootlab'))
    sink.send({ t: 'commit' })
    expect(() => sink.finish({ t: 'finish', cancelled: false, meta: {} })).toThrow(/unable to open|does not exist|cannot open/i)
  }, 30_000)

  it('waits idle for `open`, and fails on a message sent before it', async () => {
    const w = startWriterWorker()
    w.port.postMessage({ t: 'commit' })
    for (let i = 0; i < 300 && Atomics.load(w.ctl, STATE) !== FAILED; i++) await new Promise((r) => setTimeout(r, 50))
    expect(Atomics.load(w.ctl, STATE)).toBe(FAILED)
    w.port.close()
    await w.worker.terminate()
  }, 30_000)

  it('gives up with a clear error when the writer stops answering (a worker gone without a word)', async () => {
    for (const at of ['send', 'finish'] as const) {
      const started = startWriterWorker()
      await started.worker.terminate()
      const sink = threadWriter(tmp.file(`gone-${at}.rootlab`), undefined, { started, stallMs: 300 })
      const t0 = Date.now()
      const act = at === 'send'
        ? () => { for (let i = 0; i <= MAX_IN_FLIGHT + 1; i++) sink.send({ t: 'commit' }) }
        : () => sink.finish({ t: 'finish', cancelled: false, meta: {} })
      expect(act).toThrow(/the session writer has not written anything for 300 ms and was stopped/)
      expect(Date.now() - t0).toBeLessThan(5_000)
    }
  }, 30_000)

  it('discardStartedWriter with nothing started does nothing', () => {
    expect(() => discardStartedWriter()).not.toThrow()
  })
})
