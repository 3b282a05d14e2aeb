/**
 * Benchmark of `rootlab fuzz` (npm run bench:fuzz; figures in docs/benchmarks.md, "Fuzzer").
 *
 *  1. the generator: how often scripts reach root zaps, prev-root hits, memslot updates, and the
 *     v5.18.0 finding (10,000 scripts of 40 ops);
 *  2. throughput against the model alone, one thread (scripts of 40 ops per second per core, by
 *     wall clock and by CPU time: the machine is shared, CPU time is the steadier figure);
 *  3. from a cold start, the built CLI (node bin/rootlab.js fuzz --policy free-obsolete-buggy,
 *     both cores) on 5 seeds: wall time of the whole command (fuzz, shrink, record), when each
 *     face of the bug was first found, the reproducers' sizes; the smallest reproducers replayed
 *     with `rootlab record --script` under free-obsolete-buggy (a finding) and free-obsolete (none);
 *  4. reload-all against free-obsolete: how fast the patch's difference is found;
 *  5. the kernel oracle on this host (skipped with the reason where the host cannot capture):
 *     scripts/s with 1 and 2 workers, and where a kernel script's time goes.
 * Needs the CLI built (npm run build).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generator_coverage, TARGET_EVENTS } from '../sim/fuzz/coverage'
import { DEFAULT_FUZZ_SHAPE, generate_script } from '../sim/fuzz/generate'
import type { Policy } from '../sim/types'
import type { FuzzTarget } from '../electron/fuzz/engine'
import { inlineExecutor } from '../electron/fuzz/pool'
import { runFuzz } from '../electron/fuzz/runner'
import type { FuzzSummary } from '../electron/fuzz/summary'
import { planText } from '../electron/kvm/capture-plan'
import { compareMarked } from '../electron/kvm/compare-trace'
import { splitByMarkers } from '../electron/kvm/kernel-events'
import { checkCaptureHost, runPlan } from '../electron/kvm/native-helper'
import { parseTrace } from '../electron/kvm/trace-parser'

// Run bundled from out/bench/fuzz.mjs (bench/run.js): the repository is two folders up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const bin = join(root, 'bin', 'rootlab.js')
const load = (): string => loadavg().map((x) => x.toFixed(1)).join(' ')

function cli(args: string[], cwd: string): { code: number; ms: number; out: string; err: string } {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8' })
  return { code: r.status ?? -1, ms: performance.now() - t0, out: r.stdout, err: r.stderr }
}

function coverage(): void {
  const n = 10_000
  for (const capturable of [false, true]) {
    const shape = { ...DEFAULT_FUZZ_SHAPE, capturable }
    const fixed = generator_coverage(1, 0, n, shape, 'free-obsolete')
    const buggy = generator_coverage(1, 0, n, shape, 'free-obsolete-buggy')
    const pct = (k: number): string => `${((100 * k) / n).toFixed(1)}%`
    const rows = TARGET_EVENTS.map((e) => {
      const c = e === 'finding' ? buggy : fixed
      return `${e} in ${pct(c.scripts_with[e])} of scripts (${(c.events[e] / n).toFixed(2)} per script)`
    })
    console.log(`generator (${capturable ? 'capturable' : 'all ops'}, ${n} scripts of 40 ops, seed 1): ${(fixed.transitions / n).toFixed(0)} transitions/script; ${rows.join('; ')} (finding: under free-obsolete-buggy)`)
  }
}

async function modelThroughput(policy: Policy): Promise<number> {
  const t: FuzzTarget = { seed: 1, policy, against: null, shape: DEFAULT_FUZZ_SHAPE }
  await runFuzz({ target: t, shard: { index: 0, count: 1 }, runs: 5000, seconds: null, executors: [inlineExecutor(t)] }) // warm-up
  const runs = 40_000
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await runFuzz({ target: { ...t, seed: 2 }, shard: { index: 0, count: 1 }, runs, seconds: null, executors: [inlineExecutor({ ...t, seed: 2 })] })
  const wall = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  const cpuS = (cpu.user + cpu.system) / 1e6
  console.log(`model alone, ${policy}, one thread: ${runs} scripts of 40 ops in ${wall.toFixed(2)} s = ${(runs / wall).toFixed(0)} scripts/s by wall clock, ` +
    `${(runs / cpuS).toFixed(0)} scripts/s per CPU-second (target >= 2000/s per core; load ${load()})`)
  return runs / cpuS
}

function coldStart(tmp: string): void {
  const seeds = [1, 2, 3, 4, 5]
  for (const seed of seeds) {
    const out = join(tmp, `cold-${seed}`)
    const r = cli(['fuzz', '--policy', 'free-obsolete-buggy', '--runs', '4000', '--seed', String(seed), '--out', out, '--json'], tmp)
    const s = JSON.parse(r.out) as FuzzSummary
    const face = (re: RegExp) => s.failures.find((f) => re.test(f.failure))
    const first = face(/a prev root zapped by a write flood stays in prev_roots; current root VALID$/)
    const second = face(/memslot update stays in prev_roots; current root INVALID$/)
    const line = (f: FuzzSummary['failures'][number] | undefined) => (f ? `${f.ops} ops, found after ${f.found_after_s.toFixed(2)} s` : 'not found')
    console.log(`cold start, seed ${seed}: exit ${r.code}, whole command ${(r.ms / 1000).toFixed(1)} s (${s.runs} scripts, ${s.failures.length} reproducers); ` +
      `first face (flooded prev root kept beside a VALID root): ${line(first)}; second face (memslot, INVALID root): ${line(second)}; ` +
      `smallest ${s.failures[0]?.ops} ops (load ${load()})`)
    if (seed === 1 && first) {
      for (const policy of ['free-obsolete-buggy', 'free-obsolete']) {
        const rec = cli(['record', '--script', join(out, first.script), '--policy', policy, '--out', join(tmp, `replay-${policy}.rootlab`), '--json'], tmp)
        console.log(`  rootlab record --script ${first.script} --policy ${policy}: findings ${JSON.parse(rec.out).findings}`)
      }
    }
  }
}

function reloadAll(tmp: string): void {
  const r = cli(['fuzz', '--policy', 'free-obsolete', '--against', 'reload-all', '--runs', '200', '--seed', '1', '--out', join(tmp, 'reload'), '--json'], tmp)
  const s = JSON.parse(r.out) as FuzzSummary
  const kept = s.failures.find((f) => f.failure.startsWith('prev root: valid under free-obsolete, INVALID under reload-all'))
  console.log(`free-obsolete against reload-all: whole command ${(r.ms / 1000).toFixed(1)} s; "${kept?.failure}" found after ${kept?.found_after_s.toFixed(2)} s, ` +
    `${kept?.ops} ops; ${s.failures.length} ways of differing`)
}

async function kernel(tmp: string): Promise<void> {
  const host = await checkCaptureHost()
  if (!host.ok) {
    console.log(`kernel oracle: skipped: ${host.reason}`)
    return
  }
  for (const workers of [1, 2]) {
    const r = cli(['fuzz', '--against', 'kernel', '--runs', '96', '--seed', '7', '--workers', String(workers), '--out', join(tmp, `kernel-${workers}`), '--json'], tmp)
    const s = JSON.parse(r.out) as FuzzSummary
    console.log(`kernel oracle (${host.paging}), ${workers} worker(s): ${s.runs} scripts in ${s.seconds.toFixed(1)} s = ${(s.runs / s.seconds).toFixed(1)} scripts/s, ` +
      `${s.failures.length} disagreement(s) (load ${load()})`)
  }
  // Where the time goes: the helper (VM, KVM_RUNs, tracefs) vs reading and comparing the trace.
  const scripts = Array.from({ length: 48 }, (_, i) => generate_script(11, i, { ...DEFAULT_FUZZ_SHAPE, capturable: true }))
  const t0 = performance.now()
  const trace = await runPlan(host.bin, planText(scripts, 1024))
  const helper = performance.now() - t0
  const t1 = performance.now()
  const marked = splitByMarkers(parseTrace(trace))
  scripts.forEach((s, k) => compareMarked(s, marked.find((m) => m.script === k)!, { alignment: host.alignment }))
  const compare = performance.now() - t1
  console.log(`kernel script breakdown (48 scripts of 40 ops): helper ${(helper / 48).toFixed(1)} ms/script (VM create/destroy, KVM_RUNs, tracefs), ` +
    `parse + compare ${(compare / 48).toFixed(1)} ms/script (CPU)`)
}

export async function benchFuzz(): Promise<void> {
  if (!existsSync(join(root, 'out', 'cli', 'fuzz-worker.js'))) {
    console.error('bench fuzz: the CLI is not built (out/cli/fuzz-worker.js is missing); run npm run build')
    process.exitCode = 1
    return
  }
  console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load ${load()}`)
  const tmp = mkdtempSync(join(tmpdir(), 'rootlab-bench-fuzz-'))
  try {
    coverage()
    await modelThroughput('free-obsolete')
    await modelThroughput('free-obsolete-buggy')
    coldStart(tmp)
    reloadAll(tmp)
    await kernel(tmp)
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}
