/**
 * A damaged session is never shown as good (issue 9, part 2): checksums on every chunk and
 * checkpoint, structure checks on open, an inflation cap on checkpoints, and `verifySession`
 * listing every damaged seq range. Every file here is a real recording, damaged by the
 * generators of testing/damage.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, SCHEMA_VERSION, SessionError } from './index'
import {
  deleteChunkRow, downgradeToV1, downgradeToV2, flipCheckpointByte, flipChunkByte, flipOpBlockByte, setChunkCount, zipBombCheckpoint,
} from './testing/damage'
import { SMALL_TUNING, tempDir, thrownMessage } from './testing/fixtures'
import { verifySession } from './verify'

const tmp = tempDir()
let good: string
let digest: string
let total: number

beforeAll(() => {
  good = tmp.file('good.rootlab')
  const r = recordSession({
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 3, steps: 600, seed: 4 }, policy: 'free-obsolete', out: good,
    tuning: SMALL_TUNING,
  })
  digest = r.digest!
  total = r.transitions
})
afterAll(() => tmp.cleanup())

const copy = (): string => tmp.copy(good)

/** The message of the SessionError `fn` throws. */
function refusal(fn: () => unknown): string {
  let error: unknown
  const msg = thrownMessage(() => {
    try {
      fn()
    } catch (e) {
      error = e
      throw e
    }
  })
  expect(error).toBeInstanceOf(SessionError)
  return msg
}

describe('a flipped byte inside one chunk blob', () => {
  it('is an error naming the file and the seq range on every read of that chunk, never wrong data', () => {
    const p = copy()
    const d = flipChunkByte(p)
    const s = openSession(p)
    try {
      const want = `${p} is damaged (transitions ${d.from} to ${d.to}: the checksum does not match)`
      expect(refusal(() => s.transitions({ from: d.from, limit: 10 }))).toBe(want)
      expect(refusal(() => s.transitionAt(d.to))).toBe(want)
      expect(refusal(() => s.stateAt(d.to))).toBe(want)
      expect(refusal(() => s.digest())).toBe(want)
      // The rest of the session stays usable.
      expect(s.transitions({ from: 1, to: d.from - 1, limit: 10_000 })).toHaveLength(d.from - 1)
      expect(s.stateAt(d.from - 1).vcpus).toHaveLength(3)
      expect(s.transitionAt(d.to + 1).seq).toBe(d.to + 1)
    } finally {
      s.close()
    }
  })

  it('fails verify with that range first', () => {
    const p = copy()
    const d = flipChunkByte(p)
    const r = verifySession(p)
    expect(r.ok).toBe(false)
    expect(r.digest).toBeNull()
    expect(r.damaged[0]).toEqual({ from: d.from, to: d.to, what: 'the checksum does not match' })
  })
})

describe('a flipped byte inside a block of operations (schema 3)', () => {
  it('is an error naming the operations on every read of them, and the rest stays readable', () => {
    const p = copy()
    const g = openSession(good)
    const all = g.operations(0, 100_000)
    g.close()
    // A block in the middle: the one holding the operation at a third of the session.
    const idx = Math.floor(all.length / 3)
    const d = flipOpBlockByte(p, idx)
    const s = openSession(p)
    try {
      const m = /operations (\d+) to (\d+) flipped/.exec(d.what)!
      const [first, last] = [Number(m[1]), Number(m[2])]
      const want = `${p} is damaged (operations ${first} to ${last}: the block's checksum does not match)`
      expect(first).toBeGreaterThan(0)
      expect(refusal(() => s.operations(idx, 1))).toBe(want)
      expect(refusal(() => s.opEndSeqs())).toBe(want)
      expect(refusal(() => s.sql('SELECT count(*) FROM operations'))).toBe(`SQL: ${want}`)
      expect(s.operations(0, first)).toEqual(all.slice(0, first))
      // (operation last + 1 starts where the damaged block ends: its first_seq is unknown)
      expect(s.operations(last + 2, 10)).toEqual(all.slice(last + 2, last + 12))
      // The transitions are not in the block: they stay readable.
      expect(s.transitionAt(d.to).seq).toBe(d.to)
    } finally {
      s.close()
    }
  })

  it('fails verify with the seq range of those operations, and nothing else', () => {
    const p = copy()
    const d = flipOpBlockByte(p, 40)
    const m = /operations (\d+) to (\d+) flipped/.exec(d.what)!
    const r = verifySession(p)
    expect(r.ok).toBe(false)
    expect(r.damaged).toEqual([{ from: d.from, to: d.to, what: `operations ${m[1]} to ${m[2]}: the block's checksum does not match` }])
  })
})

describe('verify', () => {
  it('verifies a good session: every chunk, summary, index row and checkpoint, and the digest', () => {
    const r = verifySession(good)
    expect(r.damaged).toEqual([])
    expect(r.ok).toBe(true)
    expect(r.digest).toBe(digest)
    expect(r.checked).toMatchObject({ schema_version: SCHEMA_VERSION, checksums: true, transitions: total, digest: true, complete: true })
    expect(r.checked.checkpoints).toBeGreaterThan(total / SMALL_TUNING.checkpointInterval)
    expect(r.checked.index_rows).toBeGreaterThan(0)
  })

  it('verifies a schema-2 file (operations a row each) like the current one', () => {
    const v2 = tmp.file('v2.rootlab')
    downgradeToV2(good, v2)
    const r = verifySession(v2)
    expect(r.damaged).toEqual([])
    expect(r).toMatchObject({ ok: true, digest, checked: { schema_version: 2, checksums: true, digest: true } })
    expect(r.checked.operations).toBe(verifySession(good).checked.operations)
  })

  it('verifies a schema-1 file (no checksums) by its digest, and finds a flipped byte in it', () => {
    const v1 = tmp.file('v1.rootlab')
    downgradeToV1(good, v1)
    const s = openSession(v1)
    try {
      expect(s.info().schema_version).toBe(1)
      expect(s.digest()).toBe(digest)
    } finally {
      s.close()
    }
    const r = verifySession(v1)
    expect(r).toMatchObject({ ok: true, digest, checked: { schema_version: 1, checksums: false, digest: true } })
    // Without checksums a flipped byte may still decode: the summary, the replay or the digest catch it.
    const bad = tmp.file('v1-bad.rootlab')
    downgradeToV1(good, bad)
    flipChunkByte(bad)
    const rb = verifySession(bad)
    expect(rb.ok).toBe(false)
    expect(rb.digest).not.toBe(digest)
    expect(rb.damaged.at(-1)).toMatchObject({ from: 1, to: total, what: expect.stringMatching(/^the recomputed digest .* differs from the stored/) })
  })

  it('finds a damaged checkpoint, an index row that disagrees with the stream, and a summary that lies', async () => {
    const p = copy()
    const c = flipCheckpointByte(p)
    const Database = (await import('better-sqlite3')).default
    const db = new Database(p)
    const zap = db.prepare('SELECT seq FROM root_zaps ORDER BY seq LIMIT 1').pluck().get() as number
    db.prepare('UPDATE root_zaps SET gfn = gfn + 1 WHERE seq = ?').run(zap)
    db.close()
    const r = verifySession(p)
    expect(r.ok).toBe(false)
    expect(r.damaged).toContainEqual({ from: c.from, to: c.from, what: `the checkpoint at seq ${c.from}: the checksum does not match` })
    expect(r.damaged).toContainEqual({ from: zap, to: zap, what: `the root_zaps row of seq ${zap} differs from its transition` })
  })
})

describe('structure damage does not pass open (info)', () => {
  it.each([
    ['the last chunk row deleted', (p: string) => deleteChunkRow(p, { seq: 'last' }), /transitions \d+ to \d+ are missing/],
    ['a middle chunk row deleted', (p: string) => deleteChunkRow(p, { seq: 700 }), /transitions \d+ to \d+ are missing/],
    ['a chunk_data row deleted', (p: string) => deleteChunkRow(p, { table: 'chunk_data', seq: 700 }), /chunks but \d+ chunk_data rows/],
    ["a chunk's count set to 4e9", (p: string) => setChunkCount(p), /the chunk's checksum does not match/],
    ["a chunk's count set to 4e9, checksum recomputed", (p: string) => setChunkCount(p, { fixCrc: true }), /claims 4000000000 transitions/],
    ["a chunk's count set to 3, checksum recomputed", (p: string) => setChunkCount(p, { n: 3, fixCrc: true }), /transitions \d+ to \d+ are missing/],
  ])('%s', (_name, damage, message) => {
    const p = copy()
    damage(p)
    const msg = refusal(() => openSession(p, { verify: true }).info())
    expect(msg).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(`))
    expect(msg).toMatch(message)
  })
})

describe('a checkpoint that inflates to gigabytes', () => {
  it('is refused at once, with bounded memory', () => {
    const p = copy()
    zipBombCheckpoint(p) // 2 GiB of zeros in about 2 MB
    const rss = process.memoryUsage().rss
    const t0 = performance.now()
    const msg = refusal(() => openSession(p))
    expect(msg).toMatch(/is damaged \(the checkpoint at seq 0 cannot be read: it inflates to more than \d+ bytes\)/)
    expect(performance.now() - t0).toBeLessThan(5000)
    expect(process.memoryUsage().rss - rss).toBeLessThan(200 * 1024 * 1024)
  })
})
