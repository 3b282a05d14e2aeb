/**
 * A fuzz run's folder: for each reproducer `fail-N.script.json` (the shrunk script),
 * `fail-N.rootlab` (its session under P, recorded by the session layer, with a bookmark named
 * after the failure at the first finding or divergence) and `summary.json`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Script } from '../../sim/script'
import { format_op } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { openSession, recordSession } from '../session/index'
import { captureScripts } from '../kvm/capture'
import { CAPTURE_N_MAX_MMU_PAGES } from '../kvm/compare-trace'
import type { Comparison } from '../kvm/comparator'
import { writeSession } from '../kvm/session-output'
import type { FuzzTarget } from './engine'
import type { KernelHost } from './kernel-oracle'
import type { FuzzFailure, FuzzRunResult, Shard } from './runner'
import { SUMMARY_FILE, summaryText, type FuzzSummary, type SummaryFailure } from './summary'

/** A script file's text: the contract's format, one op per line. */
export function scriptText(s: Script): string {
  const ops = s.ops.map((op) => `    ${JSON.stringify(format_op(op))}`)
  return `{ "vcpus": ${s.vcpus},\n  "ops": [\n${ops.join(',\n')}\n  ] }\n`
}

/** Files a fuzz run writes: a folder that has them is refused without --force. */
export function isFuzzOutput(name: string): boolean {
  return name === SUMMARY_FILE || /^fail-\d+\.(script\.json|rootlab)$/.test(name)
}

/** Removes a previous run's files from `dir` (with --force), so no stale reproducer stays. */
export function clearFuzzOutput(dir: string): void {
  for (const name of readdirSync(dir)) {
    if (isFuzzOutput(name.replace(/-(wal|shm|journal)$/, ''))) rmSync(join(dir, name), { force: true })
  }
}

/** Why `dir` cannot receive a fuzz run's files, or null. Creates nothing. */
export function outputProblem(dir: string, force: boolean): string | null {
  if (!existsSync(dir)) return null
  if (!statSync(dir).isDirectory()) return `${dir} exists and is not a folder`
  if (!force && readdirSync(dir).some(isFuzzOutput)) {
    return `${dir} already holds fuzz results (${SUMMARY_FILE}, fail-N files); choose another --out or use --force`
  }
  return null
}

/**
 * Where the bookmark goes in a kernel reproducer's session: the model event at which the first
 * disagreeing group starts to differ, or, when the kernel has an event more than the model there,
 * the last model op of that group (`lastOp`, whose end seq the session's operations give).
 */
function kernelBookmark(c: Comparison, op: number): { seq: number } | { lastOp: number } {
  const g = c.disagreements[0]
  const group = g ? g.group : op
  const at = g?.model[g.firstDiff ?? 0]?.seq
  if (at) return { seq: at }
  // The run keeps no transitions (model-runner keepTransitions), but groupOf maps every model op.
  const { groupOf } = c.model
  let lastOp = groupOf.length - 1
  if (group >= 0) while (lastOp > 0 && groupOf[lastOp]! > group) lastOp--
  return { lastOp }
}

/** Records reproducer `f` into `out` and bookmarks it; returns the bookmark's seq. */
async function recordReproducer(out: string, name: string, f: FuzzFailure, target: FuzzTarget, host?: KernelHost): Promise<number> {
  let firstSeq: number
  let kernelAt: ReturnType<typeof kernelBookmark> | null = null
  if (target.against === 'kernel') {
    if (!host) throw new Error('the kernel oracle needs a capture host')
    const outcome = await captureScripts(host.bin, [f.shrunk], { alignment: host.alignment, policy: target.policy })
    const r = outcome.results[0]!
    writeSession({
      out, force: true, name, scenario: 'capture', vcpus: f.shrunk.vcpus, n_max_mmu_pages: CAPTURE_N_MAX_MMU_PAGES,
      comparison: r.comparison, policy: target.policy,
      info: { source: 'capture', file: name, host: host.paging, unknownLines: outcome.parsed.unknown, lostEvents: outcome.parsed.lost },
    })
    kernelAt = kernelBookmark(r.comparison, f.failure.op)
  } else {
    recordSession({ source: { type: 'script', name, text: scriptText(f.shrunk) }, policy: target.policy, out, force: true })
  }
  const s = openSession(out)
  try {
    if (kernelAt) firstSeq = 'seq' in kernelAt ? kernelAt.seq : s.operations(kernelAt.lastOp, 1)[0]?.last_seq ?? 0
    else if (target.against === null) firstSeq = s.find(0, 'next', 'finding')?.seq ?? 0
    else firstSeq = s.operations(f.failure.op, 1)[0]?.last_seq ?? 0
    s.addBookmark(firstSeq, f.failure.signature.slice(0, 2000))
  } finally {
    s.close()
  }
  return firstSeq
}

export interface WriteOptions {
  dir: string
  target: FuzzTarget
  shard: Shard
  result: FuzzRunResult
  host?: KernelHost
}

/** Writes the folder (created if needed); returns the summary written. */
export async function writeFuzzFolder(o: WriteOptions): Promise<FuzzSummary> {
  mkdirSync(o.dir, { recursive: true })
  clearFuzzOutput(o.dir)
  const failures: SummaryFailure[] = []
  for (const [i, f] of o.result.failures.entries()) {
    const id = i + 1
    const script = `fail-${id}.script.json`
    const session = `fail-${id}.rootlab`
    writeFileSync(join(o.dir, script), scriptText(f.shrunk))
    const firstSeq = await recordReproducer(join(o.dir, session), script, f, o.target, o.host)
    failures.push({
      id, oracle: f.failure.oracle, ops: f.shrunk.ops.length, first_seq: firstSeq, found_after_s: f.found_after_s,
      script, session, failure: f.failure.signature, detail: f.failure.detail, vcpus: f.shrunk.vcpus,
      run: f.index, failing_runs: f.failing_runs,
    })
  }
  const summary: FuzzSummary = {
    runs: o.result.runs, seconds: o.result.seconds, seed: o.target.seed, policy: o.target.policy as Policy,
    against: o.target.against, vcpus: o.target.shape.vcpus, ops: o.target.shape.ops,
    shards: { count: o.shard.count, done: [o.shard.index] }, failures,
  }
  writeFileSync(join(o.dir, SUMMARY_FILE), summaryText(summary))
  return summary
}
