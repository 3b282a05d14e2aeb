/**
 * rootlab fuzz: generates random scripts, runs them through an oracle on every core, shrinks the
 * failing ones and writes reproducers (docs/fuzzing.md; cli-contract.md `fuzz`).
 * `rootlab fuzz merge` is in fuzz-merge.ts.
 */
import { randomInt } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_FUZZ_SHAPE, type FuzzShape } from '../../../sim/fuzz/generate'
import { POLICIES, type Policy } from '../../../sim/types'
import { MAX_OPS_PER_VCPU } from '../../kvm/capture-plan'
import { checkCaptureHost } from '../../kvm/native-helper'
import { oracleName, type FuzzTarget } from '../../fuzz/engine'
import type { KernelHost } from '../../fuzz/kernel-oracle'
import { outputProblem, writeFuzzFolder } from '../../fuzz/output'
import { workerExecutor, type Executor } from '../../fuzz/pool'
import { runFuzz, type FuzzProgress, type Shard } from '../../fuzz/runner'
import type { FuzzSummary } from '../../fuzz/summary'
import { intFlag, parse } from '../args'
import { num, table } from '../format'
import { CliFailure, UsageError, type Io } from '../io'

/** Seconds of fuzzing when neither --seconds nor --runs is given. */
export const DEFAULT_SECONDS = 60

export const help = `Usage: rootlab fuzz [--policy P] [--against POLICY|kernel] [--vcpus N] [--ops N] [--seed N]
                    [--seconds S | --runs N] [--workers N] [--shard I/N] --out DIR [--force] [--json]
       rootlab fuzz merge DIR... --out DIR [--force] [--json]

Generates random scripts, runs each through an oracle, shrinks every way of failing to a small
script, and writes the reproducers to DIR: fail-N.script.json, fail-N.rootlab (its session, with
a bookmark at the failure: rootlab serve DIR/fail-N.rootlab opens there) and summary.json.
Exit status 0 when nothing failed, 1 when something did.

Oracles:
  (default)            a finding (the lab's WARN_ONs) under P
  --against POLICY     the observable state (root slots, pending requests, findings) differs
                       between P and POLICY after some operation
  --against kernel     this host's KVM disagrees with the model under P (needs root, /dev/kvm
                       with shadow paging and tracefs; see docs/real-kvm.md)
Options:
  --policy P       ${POLICIES.join(', ')} (default free-obsolete)
  --vcpus N        vCPUs per script, 1-64 (default 1-4 at random)
  --ops N          ops per script, 1-10000 (default ${DEFAULT_FUZZ_SHAPE.ops})
  --seed N         0-4294967295 (default: a random seed, printed and kept in summary.json)
  --seconds S      fuzz for S seconds (default ${DEFAULT_SECONDS} when --runs is not given)
  --runs N         run scripts 0 to N-1 (of this shard)
  --workers N      worker threads (default: the number of cores, ${availableParallelism()} here)
  --shard I/N      run only the scripts i with i % N == I (needs --seed); merge the folders
                   with rootlab fuzz merge
  --out DIR        the folder to write (refused if it holds fuzz results, unless --force)
  --json           print summary.json on stdout
`

/** "I/N" -> shard. */
function parseShard(raw: string | undefined): Shard | undefined {
  if (raw === undefined) return undefined
  const m = /^(\d{1,7})\/(\d{1,7})$/.exec(raw)
  if (!m) throw new UsageError(`--shard must be I/N (shard I of N, 0 <= I < N), got "${raw}"`)
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1 || count > 1_000_000 || index >= count) {
    throw new UsageError(`--shard must be I/N with 0 <= I < N <= 1000000, got "${raw}"`)
  }
  return { index, count }
}

function parseSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!/^\d+(\.\d+)?$/.test(raw) || !(n > 0) || n > 1e7) throw new UsageError(`--seconds must be a number of seconds above 0, got "${raw}"`)
  return n
}

function policyFlag(raw: string | undefined, flag: string, extra: string[] = []): string | undefined {
  if (raw === undefined) return undefined
  const allowed = [...POLICIES, ...extra]
  if (!allowed.includes(raw)) throw new UsageError(`${flag}: unknown ${extra.length ? 'policy or target' : 'policy'} "${raw}" (allowed: ${allowed.join(', ')})`)
  return raw
}

/** "3 s", "2 min 5 s". */
function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)} s`
  return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`
}

function progressLine(label: string, p: FuzzProgress): string {
  const rate = p.runs / Math.max(p.elapsed_s, 1e-3)
  const left = p.left_s === null ? '' : `, ${duration(p.left_s)} left`
  const failing = p.failing ? `${num(p.failing)} failing (${p.distinct} distinct)` : 'no failure'
  return `${label}: ${num(p.runs)} scripts, ${num(Math.round(rate))}/s, ${failing}${left}`
}

/** The summary for a terminal: what ran, the reproducers, how to open the smallest. */
function report(io: Io, s: FuzzSummary, dir: string): void {
  const rate = s.runs / Math.max(s.seconds, 1e-3)
  const oracle = s.against === null ? `findings under ${s.policy}` : `${s.policy} against ${s.against}`
  io.out(`Fuzzed ${num(s.runs)} scripts in ${s.seconds.toFixed(1)} s (${num(Math.round(rate))}/s), seed ${s.seed}, ${oracle}: ` +
    `${s.failures.length === 0 ? 'nothing failed' : `${s.failures.length} reproducer${s.failures.length === 1 ? '' : 's'} in ${dir}`}\n`)
  if (s.failures.length === 0) return
  io.out('\n' + table(['id', 'ops', 'vCPUs', 'failing runs', 'found after', 'failure'], s.failures.map((f) => [
    `fail-${f.id}`, f.ops, f.vcpus, f.failing_runs, `${f.found_after_s.toFixed(2)} s`, f.failure,
  ]), '  '))
  io.out(`\nOpen the smallest at its failure: rootlab serve ${join(dir, s.failures[0]!.session)}\n`)
}

/** The exit status and its line for a summary (also used by fuzz merge). */
export function finish(io: Io, s: FuzzSummary, dir: string): number {
  if (s.failures.length === 0) return 0
  const n = s.failures.length
  const smallest = s.failures[0]!
  io.err(`rootlab: ${n} failing script${n === 1 ? '' : 's'}; the smallest has ${smallest.ops} op${smallest.ops === 1 ? '' : 's'}: ${join(dir, smallest.script)}\n`)
  return 1
}

export async function run(argv: string[], io: Io): Promise<number> {
  if (argv[0] === 'merge') {
    const m = await import('./fuzz-merge')
    return m.run(argv.slice(1), io)
  }
  const { values } = parse(argv, {
    policy: { type: 'string' }, against: { type: 'string' }, vcpus: { type: 'string' }, ops: { type: 'string' },
    seed: { type: 'string' }, seconds: { type: 'string' }, runs: { type: 'string' }, workers: { type: 'string' },
    shard: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, json: { type: 'boolean' },
  }, { min: 0, max: 0, names: '' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const out = values.out as string | undefined
  if (!out) throw new UsageError('--out DIR is required')
  const policy = (policyFlag(values.policy as string | undefined, '--policy') ?? 'free-obsolete') as Policy
  const against = (policyFlag(values.against as string | undefined, '--against', ['kernel']) ?? null) as Policy | 'kernel' | null
  if (against === policy) throw new UsageError(`--against ${against} is the same kernel as --policy: give another policy, or kernel`)
  const kernel = against === 'kernel'
  const opsMax = kernel ? MAX_OPS_PER_VCPU : 10_000
  const shape: FuzzShape = {
    vcpus: intFlag(values, 'vcpus', 1, 64) ?? null,
    ops: intFlag(values, 'ops', 1, opsMax) ?? DEFAULT_FUZZ_SHAPE.ops,
    capturable: kernel,
  }
  if (values.seconds !== undefined && values.runs !== undefined) throw new UsageError('give either --seconds or --runs, not both')
  const runs = intFlag(values, 'runs', 1, Number.MAX_SAFE_INTEGER) ?? null
  const seconds = runs === null ? parseSeconds(values.seconds as string | undefined) ?? DEFAULT_SECONDS : null
  const workers = intFlag(values, 'workers', 1, 256) ?? availableParallelism()
  const shard = parseShard(values.shard as string | undefined)
  const givenSeed = intFlag(values, 'seed', 0, 2 ** 32 - 1)
  if (shard && givenSeed === undefined) throw new UsageError('--shard needs --seed: every shard of a run must use the same seed')
  const seed = givenSeed ?? randomInt(2 ** 32)
  const problem = outputProblem(out, Boolean(values.force))
  if (problem) throw new CliFailure(problem)

  let host: KernelHost | undefined
  if (kernel) {
    const h = await checkCaptureHost()
    if (!h.ok) throw new CliFailure(`cannot fuzz against the kernel on this host: ${h.reason}`)
    host = { bin: h.bin, alignment: h.alignment, paging: h.paging }
  }
  const target: FuzzTarget = { seed, policy, against, shape }
  const theShard = shard ?? { index: 0, count: 1 }
  const label = `fuzz ${oracleName(target) === 'alone' ? policy : `${policy} vs ${against}`} (seed ${seed}${shard ? `, shard ${shard.index}/${shard.count}` : ''})`

  // Ctrl-C stops handing out scripts; what was found is still shrunk and written.
  const abort = new AbortController()
  const onSigint = (): void => abort.abort()
  process.once('SIGINT', onSigint)
  const executors: Executor[] = Array.from({ length: workers }, () => workerExecutor(target, host))
  let result
  try {
    result = await runFuzz({
      target, shard: theShard, runs, seconds, executors, signal: abort.signal,
      ...(io.errIsTTY ? { onProgress: (p: FuzzProgress) => io.err(`\r${progressLine(label, p)}\x1b[K`) } : {}),
    })
  } catch (e) {
    throw new CliFailure(`fuzzing stopped: ${(e as Error).message}`)
  } finally {
    process.off('SIGINT', onSigint)
    await Promise.all(executors.map((x) => x.close()))
    if (io.errIsTTY) io.err('\r\x1b[K')
  }
  if (io.errIsTTY && result.failures.length) io.err(`recording ${result.failures.length} reproducer${result.failures.length === 1 ? '' : 's'}...\r`)
  const summary = await writeFuzzFolder({ dir: out, target, shard: theShard, result, ...(host ? { host } : {}) })
  if (io.errIsTTY) io.err('\r\x1b[K')
  if (values.json) io.out(JSON.stringify(summary) + '\n')
  else report(io, summary, out)
  return finish(io, summary, out)
}
