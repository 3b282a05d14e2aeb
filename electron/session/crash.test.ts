/**
 * Crash safety, for real: a child process records a long session and is killed with SIGKILL
 * in the middle; the file must open, say it is incomplete, and replay every committed transition.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { transitions_digest } from '../../sim/digest'
import { openSession } from './index'
import { modelRun, scenarioOps, tempDir } from './testing/fixtures'

const tmp = tempDir()
afterAll(() => tmp.cleanup())
const child = join(import.meta.dirname, 'testing', 'record-child.ts')

/** Starts the child; resolves once it reported `minOps` operations, then kills it. */
function recordAndKill(out: string, minOps: number, writerThread = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', child, out], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROOTLAB_WRITER_THREAD: writerThread ? '1' : '' },
    })
    let err = ''
    let walSeen = false
    p.stderr.on('data', (d) => (err += String(d)))
    p.stdout.on('data', (d: Buffer) => {
      const last = String(d).trim().split('\n').pop()!
      // Killed once it reported minOps operations and something was committed (the writer
      // thread may start after the model has run ahead). A WAL that has bytes may still be in
      // its first commit (frames written, commit frame not yet): wait for the next progress
      // report (50 ms, several commits at commitMs 10) after the WAL was first seen non-empty.
      if (Number(last) < minOps || p.killed) return
      if (walSeen) p.kill('SIGKILL')
      else walSeen = existsSync(`${out}-wal`) && statSync(`${out}-wal`).size > 0
    })
    p.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${err}`))))
  })
}

describe('a recording killed with SIGKILL', () => {
  it.each([['inline', false], ['on its own thread', true]] as const)('opens as incomplete and replays every committed transition (writer %s)', async (_w, thread) => {
    const out = tmp.file(`killed-${thread}.rootlab`)
    await recordAndKill(out, 3000, thread)
    const walBefore = createHash('sha256').update(readFileSync(`${out}-wal`)).digest('hex')
    const s = openSession(out)
    try {
      const info = s.info()
      expect(info.complete).toBe(false)
      expect(info.digest).toBeNull()
      expect(info.operations).toBeGreaterThan(0)
      expect(info.transitions).toBeGreaterThan(0)
      // The committed prefix is exactly the model's run of the first `operations` operations.
      const ops = scenarioOps('process-churn', 4, 200_000, 9).slice(0, info.operations)
      const model = modelRun(ops, 4, 'free-obsolete', [1, info.transitions >> 1])
      expect(info.transitions).toBe(model.transitions.length)
      expect(s.digest()).toBe(transitions_digest(model.transitions))
      expect(s.stateAt(info.transitions)).toEqual(model.final)
      expect(s.stateAt(info.transitions >> 1)).toEqual(model.snapshots.get(info.transitions >> 1))
    } finally {
      s.close()
    }
    // Reading it did not touch the WAL that holds the committed transactions.
    expect(createHash('sha256').update(readFileSync(`${out}-wal`)).digest('hex')).toBe(walBefore)
  })
})
