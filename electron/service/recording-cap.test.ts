/**
 * Recordings at once: at most MAX_RECORDINGS started through the API run together (each is a
 * worker thread busy on a core); one more is refused with a clear message, and accepted again
 * once one of them has finished. Real worker recordings, real files.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LabEvents } from '../api/contract'
import { createLabService, MAX_RECORDINGS } from './lab-service'
import { rootFolderPolicy } from './path-policy'
import { workerRunner } from './recording-runner'
import { sessionLayer } from './session-layer'

const root = mkdtempSync(join(tmpdir(), 'rootlab-cap-'))
mkdirSync(join(root, 'files'))
const service = createLabService({
  sessions: sessionLayer, paths: rootFolderPolicy(join(root, 'files')), dataDir: join(root, 'data'), runner: workerRunner(),
})
afterAll(async () => {
  await service.close()
  rmSync(root, { recursive: true, force: true })
})

/** A recording long enough to still run while the test goes on (it is cancelled). */
const long = (out: string) => ({ source: { type: 'scenario', scenario: 'mixed', vcpus: 4, steps: 10_000_000, seed: 1 }, policy: 'free-obsolete', out })

describe('recordings at once', () => {
  it(`runs ${MAX_RECORDINGS} started recordings at most, and says so for one more`, async () => {
    const finished = new Map<string, LabEvents['recordingFinished']>()
    service.on('recordingFinished', (p) => void finished.set(p.recording, p))
    const ids: string[] = []
    for (let i = 0; i < MAX_RECORDINGS; i++) {
      const r = await service.startRecording(long(`long-${i}.rootlab`))
      if (!r.ok) throw new Error(r.error)
      ids.push(r.value.recording)
    }
    const refused = await service.startRecording(long('one-more.rootlab'))
    expect(refused).toEqual({
      ok: false, error: `${MAX_RECORDINGS} recordings are running already (the most at once); wait for one to finish or cancel one`,
    })
    expect((await service.cancelRecording({ recording: ids[0] })).ok).toBe(true)
    while (!finished.has(ids[0]!)) await new Promise((r) => setTimeout(r, 20))
    const again = await service.startRecording(long('one-more.rootlab'))
    expect(again.ok).toBe(true)
  })
})
