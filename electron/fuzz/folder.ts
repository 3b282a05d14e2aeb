/**
 * A fuzz folder as the debugger lists it (LabApi `fuzzReproducers`): summary.json read through
 * the caller's path policy and checked field by field (summary.ts), every reproducer's files
 * checked by the same policy, so a summary cannot point the viewer anywhere it may not read.
 */
import { dirname, join } from 'node:path'
import type { FuzzFolder } from './folder-types'
import { readSummary, SUMMARY_FILE } from './summary'

/**
 * The reproducers of `dir`. `readable` is the path policy's check (absolute real path of an
 * existing file the caller may read, or a throw); errors are thrown with one readable line.
 */
export function listReproducers(dir: string, readable: (path: string) => string): FuzzFolder {
  const folder = dirname(readable(join(dir, SUMMARY_FILE)))
  const s = readSummary(folder)
  return {
    dir: folder, runs: s.runs, seconds: s.seconds, seed: s.seed, policy: s.policy, against: s.against,
    reproducers: s.failures.map((f) => ({
      id: f.id, oracle: f.oracle, failure: f.failure, detail: f.detail, ops: f.ops, vcpus: f.vcpus, first_seq: f.first_seq,
      script: readable(join(folder, f.script)),
      session: readable(join(folder, f.session)),
    })),
  }
}
