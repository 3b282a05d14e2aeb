/**
 * Child process of crash.test.ts: records a long process-churn session into argv[2], printing
 * the number of operations done at every progress callback, until it is killed.
 * ROOTLAB_WRITER_THREAD=1: the writer runs on its second thread (writer-thread.ts).
 */
import { recordSession } from '../recorder'

const out = process.argv[2]!
recordSession({
  source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: 200_000, seed: 9 }, policy: 'free-obsolete', out,
  force: true, tuning: { commitMs: 10, commitTransitions: 5000, writerThread: process.env.ROOTLAB_WRITER_THREAD === '1' },
  onProgress: (p) => process.stdout.write(`${p.ops}\n`),
})
