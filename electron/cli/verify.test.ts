/**
 * `rootlab verify` and the damage messages of the other commands, run in-process through the
 * CLI's main() (the same code as bin/rootlab.js) on real, damaged session files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { deleteChunkRow, flipChunkByte, setChunkCount, plantTrigger } from '../session/testing/damage'
import { SMALL_TUNING, tempDir } from '../session/testing/fixtures'
import type { Io } from './io'
import { main } from './main'

const tmp = tempDir()
let good: string
let digest: string
beforeAll(() => {
  good = tmp.file('good.rootlab')
  digest = recordSession({
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 300, seed: 2 }, policy: 'free-obsolete', out: good,
    tuning: SMALL_TUNING,
  }).digest!
})
afterAll(() => tmp.cleanup())

async function rootlab(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, columns: 100 }
  const code = await main(argv, io)
  return { code, out, err }
}

const copy = (): string => tmp.copy(good)

describe('rootlab verify', () => {
  it('prints verified and exits 0 for a good session; --json has the contract shape', async () => {
    const r = await rootlab('verify', good)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('verified')
    expect(r.out).toContain(`${digest} (matches)`)
    const j = await rootlab('verify', good, '--json')
    expect(j.code).toBe(0)
    const v = JSON.parse(j.out) as Record<string, unknown>
    expect(v).toMatchObject({ ok: true, digest, damaged: [] })
    expect(Object.keys(v)).toEqual(['ok', 'digest', 'checked', 'damaged'])
  })

  it('exits 1 naming the first damaged seq range of a flipped byte', async () => {
    const p = copy()
    const d = flipChunkByte(p)
    const r = await rootlab('verify', p)
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toBe(`rootlab: ${p} is damaged: transitions ${d.from} to ${d.to}: the checksum does not match\n`)
    const j = await rootlab('verify', p, '--json')
    expect(j.code).toBe(1)
    expect(JSON.parse(j.out)).toMatchObject({ ok: false, digest: null, damaged: [{ from: d.from, to: d.to, what: 'the checksum does not match' }] })
  })
})

describe('the other commands on a damaged session', () => {
  it('events and inspect exit 1 with one line naming the file and the range, never wrong data', async () => {
    const p = copy()
    const d = flipChunkByte(p)
    const want = `rootlab: ${p} is damaged (transitions ${d.from} to ${d.to}: the checksum does not match)\n`
    const e = await rootlab('events', p, '--from', String(d.from), '--limit', '5', '--json')
    expect(e.code).toBe(1)
    expect(e.err).toBe(want)
    const i = await rootlab('inspect', p, '--at', String(d.to), '--json')
    expect(i.code).toBe(1)
    expect(i.err).toBe(want)
  })

  it('info says it checked the structure only, and refuses a deleted chunk row, n = 4e9 and a planted trigger', async () => {
    const ok = await rootlab('info', good, '--json')
    expect(JSON.parse(ok.out)).toMatchObject({ complete: true, checked: 'structure' })
    expect((await rootlab('info', good)).out).toMatch(/checked: +structure only/)
    const a = copy()
    deleteChunkRow(a)
    const b = copy()
    setChunkCount(b)
    const c = copy()
    plantTrigger(c)
    for (const [p, msg] of [[a, /is damaged \(transitions \d+ to \d+ are missing\)/], [b, /is damaged \(.*checksum does not match\)/],
      [c, /is refused: its schema differs/]] as const) {
      const r = await rootlab('info', p)
      expect(r.code).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toMatch(msg)
      expect(r.err.split('\n')).toHaveLength(2)
    }
  })
})
