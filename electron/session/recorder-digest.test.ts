/**
 * The digest of a recording depends only on its inputs: these were recorded before the
 * recorder's performance work (issue 13) and must never change for the same scenario, seed,
 * vCPUs, steps and policy. Each file is also verified whole (every checkpoint against the replay).
 */
import { afterAll, describe, expect, it } from 'vitest'
import { recordSession } from './index'
import { tempDir } from './testing/fixtures'
import { verifySession } from './verify'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const PINNED = [
  { scenario: 'process-churn', policy: 'free-obsolete', vcpus: 4, steps: 3000, seed: 1, transitions: 37888, digest: '10b226d98c5c3a06acf5d5ff50582d1a2160b60203f44413548eee7fd171b431' },
  { scenario: 'process-churn', policy: 'free-obsolete-buggy', vcpus: 2, steps: 2000, seed: 7, transitions: 22471, digest: 'c69bbd5b91da6a5902d10652e87d94c8df70afd696fd0c4b7f8190d6b10c831d' },
  { scenario: 'mixed', policy: 'reload-all', vcpus: 3, steps: 2000, seed: 3, transitions: 26707, digest: '059e8492e6a75bc045105e3e68ca517ef71fffb3bfa4e3f24e1171d3d31d6077' },
] as const

describe('recording digests', () => {
  it.each(PINNED.flatMap((p) => [{ ...p, writer: 'inline' }, { ...p, writer: 'thread' }]))(
    '$scenario / $policy / $vcpus vCPUs / $steps steps / seed $seed, writer $writer: the pinned digest, and verified', (p) => {
    const out = tmp.file(`${p.scenario}-${p.policy}-${p.writer}.rootlab`)
    const r = recordSession({
      source: { type: 'scenario', scenario: p.scenario, vcpus: p.vcpus, steps: p.steps, seed: p.seed }, policy: p.policy, out,
      tuning: { checkpointInterval: 512, writerThread: p.writer === 'thread' },
    })
    expect(r.transitions).toBe(p.transitions)
    expect(r.digest).toBe(p.digest)
    const v = verifySession(out)
    expect(v.damaged).toEqual([])
    expect(v.digest).toBe(p.digest)
  }, 60_000)
})
