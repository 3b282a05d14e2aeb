/**
 * `rootlab fuzz` and `rootlab fuzz merge` as a user runs them (the CLI's main(), worker threads
 * from source): exit codes, the one-line report, --json = summary.json, usage errors.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSummary } from '../../fuzz/summary'
import type { Io } from '../io'
import { main } from '../main'

const tmp = mkdtempSync(join(tmpdir(), 'rootlab-fuzz-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

async function rootlab(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { out: (t) => { out += t }, err: (t) => { err += t }, errIsTTY: false, columns: 100 }
  const code = await main(args, io)
  return { code, out, err }
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('rootlab fuzz', () => {
  it('finds the v5.18.0 bug: exit 1, one line naming the smallest reproducer, --json = summary.json', async () => {
    const dir = join(tmp, 'buggy')
    const r = await rootlab('fuzz', '--policy', 'free-obsolete-buggy', '--runs', '200', '--seed', '1', '--workers', '2', '--out', dir, '--json')
    expect(r.code).toBe(1)
    const summary = readSummary(dir)
    expect(JSON.parse(r.out)).toEqual(summary)
    expect(summary).toMatchObject({ runs: 200, seed: 1, policy: 'free-obsolete-buggy', against: null })
    const n = summary.failures.length
    expect(n).toBeGreaterThanOrEqual(2)
    expect(r.err).toMatch(new RegExp(`^rootlab: ${n} failing scripts; the smallest has ${summary.failures[0]!.ops} ops: ${escape(join(dir, 'fail-1.script.json'))}\\n$`))
    for (const f of summary.failures) {
      expect(existsSync(join(dir, f.script))).toBe(true)
      expect(existsSync(join(dir, f.session))).toBe(true)
    }
  }, 120_000)

  it('exits 0 when nothing fails, and says so', async () => {
    const r = await rootlab('fuzz', '--runs', '500', '--seed', '2', '--workers', '1', '--out', join(tmp, 'fixed'))
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toMatch(/^Fuzzed 500 scripts in .* seed 2, findings under free-obsolete: nothing failed\n$/)
    expect(readSummary(join(tmp, 'fixed')).failures).toEqual([])
  }, 120_000)

  it('refuses a folder that holds fuzz results unless --force', async () => {
    const r = await rootlab('fuzz', '--runs', '10', '--seed', '2', '--workers', '1', '--out', join(tmp, 'fixed'))
    expect(r.code).toBe(1)
    expect(r.err).toBe(`rootlab: ${join(tmp, 'fixed')} already holds fuzz results (summary.json, fail-N files); choose another --out or use --force\n`)
    expect((await rootlab('fuzz', '--runs', '10', '--seed', '2', '--workers', '1', '--out', join(tmp, 'fixed'), '--force')).code).toBe(0)
  }, 120_000)

  it.each([
    [['--runs', '5', '--seconds', '1'], 'give either --seconds or --runs, not both'],
    [['--shard', '1/3'], '--shard needs --seed: every shard of a run must use the same seed'],
    [['--shard', '3/3', '--seed', '1'], '--shard must be I/N with 0 <= I < N <= 1000000, got "3/3"'],
    [['--policy', 'v5.18'], '--policy: unknown policy "v5.18" (allowed: reload-all, free-obsolete-buggy, free-obsolete)'],
    [['--against', 'free-obsolete'], '--against free-obsolete is the same kernel as --policy: give another policy, or kernel'],
    [['--seconds', '0'], '--seconds must be a number of seconds above 0, got "0"'],
    [['--vcpus', '65'], '--vcpus must be an integer from 1 to 64, got 65'],
  ])('usage error (exit 2): %j', async (args, message) => {
    const r = await rootlab('fuzz', ...args, '--out', join(tmp, 'usage'))
    expect(r).toEqual({ code: 2, out: '', err: `rootlab: ${message} (see rootlab fuzz --help)\n` })
    expect(existsSync(join(tmp, 'usage'))).toBe(false)
  })

  it('against the kernel, says in one line why this host cannot capture and exits 1', async () => {
    // A helper that does not exist: the host check fails here whatever the host (elsewhere it
    // fails earlier: no /dev/kvm, not root, no shadow paging).
    const saved = process.env.ROOTLAB_KVM_CAPTURE
    process.env.ROOTLAB_KVM_CAPTURE = join(tmp, 'no-such-helper')
    try {
      const r = await rootlab('fuzz', '--against', 'kernel', '--runs', '5', '--out', join(tmp, 'kernel'))
      expect(r.code).toBe(1)
      expect(r.out).toBe('')
      expect(r.err).toMatch(/^rootlab: cannot fuzz against the kernel on this host: [^\n]+\n$/)
      expect(existsSync(join(tmp, 'kernel'))).toBe(false)
    } finally {
      if (saved === undefined) delete process.env.ROOTLAB_KVM_CAPTURE
      else process.env.ROOTLAB_KVM_CAPTURE = saved
    }
  })

  it('needs --out', async () => {
    expect(await rootlab('fuzz', '--runs', '5')).toEqual({ code: 2, out: '', err: 'rootlab: --out DIR is required (see rootlab fuzz --help)\n' })
  })
})

describe('rootlab fuzz merge', () => {
  it('merges shards into what one process finds, with the same exit status and line', async () => {
    const shard = async (i: number) => {
      const r = await rootlab('fuzz', '--policy', 'free-obsolete-buggy', '--runs', '120', '--seed', '4', '--shard', `${i}/2`, '--workers', '1', '--out', join(tmp, `s${i}`))
      expect(r.code).toBe(1)
    }
    await shard(0)
    await shard(1)
    const one = await rootlab('fuzz', '--policy', 'free-obsolete-buggy', '--runs', '120', '--seed', '4', '--workers', '1', '--out', join(tmp, 'one'))
    expect(one.code).toBe(1)
    const m = await rootlab('fuzz', 'merge', join(tmp, 's0'), join(tmp, 's1'), '--out', join(tmp, 'merged'), '--json')
    expect(m.code).toBe(1)
    const merged = readSummary(join(tmp, 'merged'))
    expect(JSON.parse(m.out)).toEqual(merged)
    const strip = (s: typeof merged) => s.failures.map(({ found_after_s: _t, ...f }) => f)
    expect(strip(merged)).toEqual(strip(readSummary(join(tmp, 'one'))))
    expect(m.err).toBe(one.err.replace(join(tmp, 'one'), join(tmp, 'merged')))
  }, 120_000)

  it('refuses a folder that is not a fuzz folder (exit 1) and no folder at all (exit 2)', async () => {
    mkdirSync(join(tmp, 'empty'))
    expect(await rootlab('fuzz', 'merge', join(tmp, 'empty'), '--out', join(tmp, 'm'))).toEqual({
      code: 1, out: '', err: `rootlab: ${join(tmp, 'empty')} is not a fuzz folder (no summary.json)\n`,
    })
    expect((await rootlab('fuzz', 'merge', '--out', join(tmp, 'm'))).code).toBe(2)
  })
})
