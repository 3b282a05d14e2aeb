/**
 * The writer's worker protocol (writer-worker-start.ts, session-writer-worker.ts): a worker is
 * started before its file exists and told the file by `open`; a file it cannot open is reported
 * to the recorder as an error (never a wait that does not end), and a worker started early that
 * no recording takes is terminated. The happy path is recorder-digest.test.ts (writer `thread`).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from './testing/fixtures'
import { threadWriter } from './writer-thread'
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

  it('discardStartedWriter with nothing started does nothing', () => {
    expect(() => discardStartedWriter()).not.toThrow()
  })
})
