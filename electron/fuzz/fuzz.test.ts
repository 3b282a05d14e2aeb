/**
 * The fuzzer end to end on the model, with fixed seeds and small budgets: the v5.18.0 bug found
 * and shrunk, shrinking keeping the failure, no false alarm under free-obsolete, reload-all's
 * difference found, reproducer folders (sessions with bookmarks, summary.json), shards merged
 * equal to one process, and determinism across worker threads.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generate_script, DEFAULT_FUZZ_SHAPE } from '../../sim/fuzz/generate'
import { parse_script, type Script } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { openSession, recordSession } from '../session/index'
import { modelCheck, type FuzzTarget } from './engine'
import { mergeFuzzFolders } from './merge'
import { writeFuzzFolder } from './output'
import { inlineExecutor, workerExecutor } from './pool'
import { runFuzz, type FuzzRunResult, type Shard } from './runner'
import { shrinkScript } from './shrink'
import { FuzzFolderError, readSummary, type FuzzSummary } from './summary'

const tmp = mkdtempSync(join(tmpdir(), 'rootlab-fuzz-test-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const target = (policy: Policy, against: FuzzTarget['against'] = null, seed = 1): FuzzTarget =>
  ({ seed, policy, against, shape: DEFAULT_FUZZ_SHAPE })

async function fuzz(t: FuzzTarget, runs: number, shard: Shard = { index: 0, count: 1 }, executors = 1): Promise<FuzzRunResult> {
  return runFuzz({ target: t, shard, runs, seconds: null, executors: Array.from({ length: executors }, () => inlineExecutor(t)), blockSize: 64 })
}

/** A summary without its timings (which differ from run to run). */
const timeless = (s: FuzzSummary) => ({ ...s, seconds: 0, failures: s.failures.map((f) => ({ ...f, found_after_s: 0 })) })

describe('rootlab fuzz on the model', () => {
  const buggy = target('free-obsolete-buggy')
  let found: FuzzRunResult

  it('finds the v5.18.0 bug in 200 scripts (seed 1) and shrinks both faces to at most 8 ops, every way of failing to at most 9', async () => {
    found = await fuzz(buggy, 200)
    expect(found.runs).toBe(200)
    const sigs = found.failures.map((f) => f.failure.signature)
    // The first face: a zapped prev root kept beside a VALID current root; the second: a memslot
    // update handled with an INVALID current root keeps every obsolete prev root.
    expect(sigs).toContain('obsolete_root_kept: a prev root zapped by a write flood stays in prev_roots; current root VALID')
    expect(sigs.filter((s) => /zapped by a memslot update stays in prev_roots; current root INVALID$/.test(s)).length).toBeGreaterThan(0)
    for (const f of found.failures) {
      // The two faces in at most 8 ops; the other ways (a flooded current root that the vCPU
      // then switches away from needs a second vCPU to write) in at most 9.
      const face = /a prev root zapped by a write flood .* VALID$|memslot update .* INVALID$/.test(f.failure.signature)
      expect(f.shrunk.ops.length, f.failure.signature).toBeLessThanOrEqual(face ? 8 : 9)
      expect(f.failing_runs).toBeGreaterThan(0)
    }
    // The smallest first.
    const sizes = found.failures.map((f) => f.shrunk.ops.length)
    expect(sizes).toEqual([...sizes].sort((a, b) => a - b))
    const flood = found.failures.find((f) => f.failure.signature.includes('a prev root zapped by a write flood stays in prev_roots; current root VALID'))!
    expect(flood.shrunk).toEqual({
      vcpus: 1,
      ops: [
        { op: 'cr3', vcpu: 0, pgd: 0xa000 }, { op: 'run', vcpu: 0 }, { op: 'cr3', vcpu: 0, pgd: 0xb000 }, { op: 'run', vcpu: 0 },
        { op: 'pt_write', vcpu: 0, gfn: 0xa }, { op: 'pt_write', vcpu: 0, gfn: 0xa }, { op: 'pt_write', vcpu: 0, gfn: 0xa },
        { op: 'run', vcpu: 0 },
      ],
    })
  })

  it('shrinks to scripts that fail the same oracle the same way, and no single op can go', async () => {
    const check = modelCheck(buggy)
    let shrunk = 0
    for (let i = 0; shrunk < 12; i++) {
      const s = generate_script(42, i)
      const f = check(s)
      if (!f) continue
      shrunk++
      const r = await shrinkScript(s, (cs) => cs.findIndex((c) => check(c)?.signature === f.signature))
      expect(check(r.script)).toMatchObject({ oracle: 'alone', signature: f.signature })
      expect(r.script.ops.length).toBeLessThan(s.ops.length)
      for (let j = 0; j < r.script.ops.length; j++) {
        const without: Script = { vcpus: r.script.vcpus, ops: r.script.ops.filter((_, k) => k !== j) }
        expect(check(without)?.signature, `op ${j} of ${JSON.stringify(r.script)}`).not.toBe(f.signature)
      }
    }
  })

  it('finds nothing under free-obsolete in 5,000 scripts', async () => {
    const r = await fuzz(target('free-obsolete'), 5000)
    expect(r.runs).toBe(5000)
    expect(r.failures).toEqual([])
  })

  it('shows the difference the patch made: reload-all against free-obsolete diverges at once', async () => {
    const r = await fuzz(target('free-obsolete', 'reload-all'), 50)
    const kept = r.failures.find((f) => f.failure.signature === 'prev root: valid under free-obsolete, INVALID under reload-all')
    expect(kept).toBeDefined()
    expect(kept!.index).toBeLessThan(10)
    expect(kept!.shrunk.ops.length).toBeLessThanOrEqual(8)
  })

  it('writes the reproducers: scripts that record --script replays, sessions bookmarked at the first finding, summary.json', async () => {
    const dir = join(tmp, 'buggy')
    const s = await writeFuzzFolder({ dir, target: buggy, shard: { index: 0, count: 1 }, result: found })
    expect(readSummary(dir)).toEqual(s)
    expect(Object.keys(s).slice(0, 3)).toEqual(['runs', 'seconds', 'seed'])
    expect(s.failures.map((f) => f.id)).toEqual(s.failures.map((_, i) => i + 1))
    for (const f of s.failures) {
      expect(f).toMatchObject({ oracle: 'alone', script: `fail-${f.id}.script.json`, session: `fail-${f.id}.rootlab` })
      const text = readFileSync(join(dir, f.script), 'utf8')
      expect(parse_script(text).ops).toHaveLength(f.ops)
      const session = openSession(join(dir, f.session))
      try {
        expect(session.policy).toBe('free-obsolete-buggy')
        expect(session.bookmarks()).toEqual([expect.objectContaining({ seq: f.first_seq, note: f.failure })])
        expect(session.transitionAt(f.first_seq)).toMatchObject({ kind: 'finding', rule: 'obsolete_root_kept' })
        expect(session.find(0, 'next', 'finding')?.seq).toBe(f.first_seq)
      } finally {
        session.close()
      }
      // The reproducer as `rootlab record --script` runs it: a finding under v5.18.0, none with the fix.
      for (const [policy, findings] of [['free-obsolete-buggy', true], ['free-obsolete', false]] as const) {
        const out = join(tmp, `replay-${f.id}-${policy}.rootlab`)
        const r = recordSession({ source: { type: 'script', name: f.script, text }, policy, out })
        expect(r.findings > 0, `${f.script} under ${policy}`).toBe(findings)
      }
    }
  })

  it('bookmarks a divergence at the end of the op after which the kernels differ', async () => {
    const t = target('free-obsolete-buggy', 'free-obsolete')
    const r = await fuzz(t, 30)
    const dir = join(tmp, 'against')
    const s = await writeFuzzFolder({ dir, target: t, shard: { index: 0, count: 1 }, result: r })
    expect(s.failures.length).toBeGreaterThan(0)
    for (const [i, f] of s.failures.entries()) {
      const session = openSession(join(dir, f.session))
      try {
        const op = r.failures[i]!.failure.op
        expect(f.first_seq).toBe(session.operations(op, 1)[0]!.last_seq)
        expect(session.bookmarks()[0]).toMatchObject({ seq: f.first_seq, note: f.failure })
      } finally {
        session.close()
      }
    }
  })

  it('N shards merged find exactly what one process finds over the same seeds', async () => {
    const t = target('free-obsolete-buggy', null, 9)
    const one = await writeFuzzFolder({ dir: join(tmp, 'one'), target: t, shard: { index: 0, count: 1 }, result: await fuzz(t, 300) })
    const dirs: string[] = []
    for (let i = 0; i < 3; i++) {
      const shard = { index: i, count: 3 }
      dirs.push(join(tmp, `shard-${i}`))
      await writeFuzzFolder({ dir: dirs[i]!, target: t, shard, result: await fuzz(t, 300, shard) })
    }
    const merged = mergeFuzzFolders(dirs, join(tmp, 'merged'))
    expect(merged.runs).toBe(300)
    expect(merged.shards).toEqual({ count: 3, done: [0, 1, 2] })
    expect(timeless(merged).failures).toEqual(timeless(one).failures)
    for (const f of one.failures) {
      expect(readFileSync(join(tmp, 'merged', f.script), 'utf8')).toBe(readFileSync(join(tmp, 'one', f.script), 'utf8'))
      const a = openSession(join(tmp, 'merged', f.session))
      const b = openSession(join(tmp, 'one', f.session))
      expect(a.digest()).toBe(b.digest())
      expect(a.bookmarks().map((x) => [x.seq, x.note])).toEqual(b.bookmarks().map((x) => [x.seq, x.note]))
      a.close()
      b.close()
    }
    // A shard given twice, or a shard of another run, is refused in one line.
    expect(() => mergeFuzzFolders([dirs[0]!, dirs[0]!], join(tmp, 'm2'))).toThrow(/shard 0\/3 is in both/)
    expect(() => mergeFuzzFolders([dirs[0]!, join(tmp, 'buggy')], join(tmp, 'm3'))).toThrow(FuzzFolderError)
    expect(() => mergeFuzzFolders([dirs[0]!], dirs[0]!)).toThrow(/is one of the folders being merged/)
  })

  it('reports the same failures whatever the number of worker threads', async () => {
    const t = target('free-obsolete-buggy', null, 5)
    const run = async (workers: number) => {
      const executors = Array.from({ length: workers }, () => workerExecutor(t))
      try {
        return await runFuzz({ target: t, shard: { index: 0, count: 1 }, runs: 1500, seconds: null, executors, blockSize: 32 })
      } finally {
        await Promise.all(executors.map((x) => x.close()))
      }
    }
    const strip = (r: FuzzRunResult) => r.failures.map(({ found_after_s: _t, ...f }) => f)
    const [a, b] = [await run(1), await run(3)]
    expect(a.runs).toBe(1500)
    expect(b.runs).toBe(1500)
    expect(strip(b)).toEqual(strip(a))
  }, 120_000)
})

describe('summary.json is checked before it is trusted', () => {
  const write = (name: string, doc: unknown): string => {
    const dir = join(tmp, name)
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'summary.json'), typeof doc === 'string' ? doc : JSON.stringify(doc))
    return dir
  }
  const base = {
    runs: 1, seconds: 1, seed: 1, policy: 'free-obsolete', against: null, vcpus: null, ops: 40, shards: { count: 1, done: [0] },
    failures: [{
      id: 1, oracle: 'alone', ops: 4, first_seq: 3, found_after_s: 0.1, script: 'fail-1.script.json', session: 'fail-1.rootlab',
      failure: 'x', detail: 'y', vcpus: 1, run: 0, failing_runs: 1,
    }],
  }

  it('accepts a well-formed summary and refuses paths outside the folder, bad JSON and a missing file, naming the field', () => {
    expect(readSummary(write('ok', base)).failures).toHaveLength(1)
    expect(() => readSummary(write('dotdot', { ...base, failures: [{ ...base.failures[0], session: '../../etc/passwd' }] })))
      .toThrow(/failures\.0\.session: must be a file name inside the folder/)
    expect(() => readSummary(write('abs', { ...base, failures: [{ ...base.failures[0], script: '/etc/passwd' }] })))
      .toThrow(/failures\.0\.script: must be a file name inside the folder/)
    expect(() => readSummary(write('policy', { ...base, policy: 'v5.18' }))).toThrow(/policy/)
    expect(() => readSummary(write('json', '{ nope'))).toThrow(/is not valid JSON/)
    expect(() => readSummary(join(tmp, 'nothing-here'))).toThrow(/is not a fuzz folder \(no summary\.json\)/)
  })
})
