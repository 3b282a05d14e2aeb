/**
 * The fuzz run: hands blocks of script indexes to the executors (worker threads), collects the
 * failures, has the right ones shrunk, and stops at the budget.
 *
 * Which scripts: index i (script i of the seed, sim/fuzz/generate.ts) belongs to shard I of N
 * when i % N == I; a run with `--runs R` runs every index below R of its shard, a run with
 * `--seconds S` as many of its shard's indexes, in order, as fit in S seconds.
 *
 * What is reported, per signature (how a script failed, model-oracles.ts): the script of the
 * smallest failing index, shrunk, and how many scripts failed that way. That is a function of the
 * set of indexes run, not of which thread ran what or when, so a run is deterministic for a given
 * seed and shard whatever the number of workers, and N shards merged (merge.ts: the smallest
 * index per signature over the shards) report exactly what one process reports over the same
 * indexes. Shrinking only the first script of each signature also keeps the workers fuzzing
 * when a policy fails most scripts (v5.18.0 fails three in four).
 */
import type { Script } from '../../sim/script'
import type { Found, FuzzTarget, Shrunk } from './engine'
import type { Failure } from './model-oracles'
import type { Executor, FuzzTask, TaskResult } from './pool'

export interface Shard {
  index: number
  count: number
}

export interface FuzzRunOptions {
  target: FuzzTarget
  shard: Shard
  /** Run every index of the shard below this (null: until `seconds`). */
  runs: number | null
  /** Stop handing out scripts after this many seconds (null: until `runs`). */
  seconds: number | null
  executors: Executor[]
  /** Scripts per task (default: 256 for the model, 16 for the kernel). */
  blockSize?: number
  /** Called at most every `progressMs` (default 250) and once at the end. */
  onProgress?: (p: FuzzProgress) => void
  progressMs?: number
  /** Stops handing out new scripts (a Ctrl-C); what was found is still shrunk and reported. */
  signal?: AbortSignal
}

export interface FuzzProgress {
  runs: number
  /** Failing scripts so far, and distinct ways of failing. */
  failing: number
  distinct: number
  elapsed_s: number
  /** Seconds left, estimated from the rate for `--runs`; null when unknown. */
  left_s: number | null
  /** 0..1 */
  fraction: number
}

/** A reported failure: the first failing script of a signature, shrunk. */
export interface FuzzFailure {
  /** Index of the script in the run (its seed: sim/fuzz/generate.ts fuzz_script_seed). */
  index: number
  /** The original script's failure. */
  original: Failure
  shrunk: Script
  /** The shrunk script's failure (same oracle and signature). */
  failure: Failure
  /** Seconds from the start of the run until this script was found to fail. */
  found_after_s: number
  /** Scripts of the run that failed with this signature. */
  failing_runs: number
}

export interface FuzzRunResult {
  runs: number
  seconds: number
  /** De-duplicated by shrunk script; the smallest first (ops, then index). */
  failures: FuzzFailure[]
}

interface SignatureState {
  best: Found
  foundAt: number
  count: number
  shrunk: Shrunk | null
  /** A shrink task for `best` has been queued or is running. */
  shrinking: boolean
}

/** Canonical text of a script, for de-duplication. */
export function scriptKey(s: Script): string {
  return JSON.stringify(s)
}

/** Runs the fuzz loop over `o.executors` (which stay open: the caller closes them). */
export async function runFuzz(o: FuzzRunOptions): Promise<FuzzRunResult> {
  const started = performance.now()
  const kernel = o.target.against === 'kernel'
  const block = o.blockSize ?? (kernel ? 16 : 256)
  const deadline = o.seconds === null ? Infinity : started + o.seconds * 1000
  const limit = o.runs ?? Infinity
  const { index: shard, count: shards } = o.shard
  const bySignature = new Map<string, SignatureState>()
  const shrinkQueue: string[] = []
  let nextPos = 0 // position in the shard: index = shard + pos * shards
  let runs = 0
  let failing = 0
  let fatal: Error | null = null
  let lastProgress = 0

  const elapsed = (): number => (performance.now() - started) / 1000
  const moreScripts = (): boolean =>
    !fatal && !o.signal?.aborted && performance.now() < deadline && shard + nextPos * shards < limit
  const nextBlock = (): number[] => {
    const indexes: number[] = []
    while (indexes.length < block) {
      const index = shard + nextPos * shards
      if (index >= limit) break
      indexes.push(index)
      nextPos++
    }
    return indexes
  }

  const progress = (final: boolean): void => {
    if (!o.onProgress) return
    const now = performance.now()
    if (!final && now - lastProgress < (o.progressMs ?? 250)) return
    lastProgress = now
    const e = elapsed()
    const total = o.runs === null ? null : Math.ceil(Math.max(0, o.runs - shard) / shards)
    const byTime = o.seconds === null ? 0 : Math.min(1, e / o.seconds)
    const byRuns = total ? runs / total : 0
    const fraction = final ? 1 : Math.max(byTime, byRuns)
    const rate = runs / Math.max(e, 1e-3)
    const leftByRuns = total === null ? Infinity : Math.max(0, total - runs) / Math.max(rate, 1e-9)
    const leftByTime = o.seconds === null ? Infinity : Math.max(0, o.seconds - e)
    const left = Math.min(leftByRuns, leftByTime)
    o.onProgress({
      runs, failing, distinct: bySignature.size, elapsed_s: e, fraction,
      left_s: final ? 0 : Number.isFinite(left) ? left : null,
    })
  }

  const onFound = (f: Found): void => {
    failing++
    const s = bySignature.get(f.failure.signature)
    if (!s) {
      bySignature.set(f.failure.signature, { best: f, foundAt: elapsed(), count: 1, shrunk: null, shrinking: true })
      shrinkQueue.push(f.failure.signature)
      return
    }
    s.count++
    if (f.index < s.best.index) {
      // A slower executor found an earlier script of the same signature: it is the one reported.
      s.best = f
      s.foundAt = elapsed()
      s.shrunk = null
      if (!s.shrinking) {
        s.shrinking = true
        shrinkQueue.push(f.failure.signature)
      }
    }
  }

  const onResult = (r: TaskResult): void => {
    if (r.type === 'run') {
      runs += r.runs
      for (const f of r.found) onFound(f)
      return
    }
    const s = bySignature.get(r.shrunk.failure.signature) ?? [...bySignature.values()].find((x) => x.best.index === r.shrunk.index)
    if (!s) return
    if (s.best.index === r.shrunk.index) {
      s.shrunk = r.shrunk
      s.shrinking = false
    } else {
      // The result of a script that is no longer the first of its signature: shrink the new first.
      shrinkQueue.push(s.best.failure.signature)
    }
  }

  const nextTask = (): FuzzTask | null => {
    const sig = shrinkQueue.shift()
    if (sig !== undefined) {
      const s = bySignature.get(sig)!
      return { type: 'shrink', index: s.best.index, signature: sig }
    }
    if (!moreScripts()) return null
    const indexes = nextBlock()
    return indexes.length ? { type: 'run', indexes } : null
  }

  // Each executor pulls tasks until there is nothing left to do; an executor that finds the queue
  // empty while others still run waits for them (a run may still produce a shrink task).
  let inFlight = 0
  let wake: (() => void) | null = null
  const notify = (): void => {
    const w = wake
    wake = null
    w?.()
  }
  const loop = async (ex: Executor): Promise<void> => {
    for (;;) {
      const task = fatal ? null : nextTask()
      if (!task) {
        if (inFlight === 0 || fatal) return notify()
        await new Promise<void>((r) => {
          const prev = wake
          wake = () => {
            prev?.()
            r()
          }
        })
        continue
      }
      inFlight++
      try {
        onResult(await ex.run(task))
      } catch (e) {
        fatal ??= e instanceof Error ? e : new Error(String(e))
      } finally {
        inFlight--
        progress(false)
        notify()
      }
    }
  }
  await Promise.all(o.executors.map(loop))
  if (fatal) throw fatal
  progress(true)

  // One entry per signature, de-duplicated by shrunk script (two ways of failing never shrink to
  // the same script, but a script is what a user opens, so it is what must be unique).
  const byScript = new Map<string, FuzzFailure>()
  for (const s of bySignature.values()) {
    const shrunk = s.shrunk!
    const key = scriptKey(shrunk.script)
    const prev = byScript.get(key)
    if (prev && prev.index <= s.best.index) {
      prev.failing_runs += s.count
      continue
    }
    byScript.set(key, {
      index: s.best.index, original: s.best.failure, shrunk: shrunk.script, failure: shrunk.failure,
      found_after_s: round(s.foundAt), failing_runs: s.count + (prev?.failing_runs ?? 0),
    })
  }
  const failures = [...byScript.values()].sort((a, b) => a.shrunk.ops.length - b.shrunk.ops.length || a.index - b.index)
  return { runs, seconds: round(elapsed()), failures }
}

function round(s: number): number {
  return Math.round(s * 1000) / 1000
}
