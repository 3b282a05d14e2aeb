/**
 * What one fuzz thread does: run scripts (by their index in the run) through the oracle, and
 * shrink a failing one. The same code runs in every worker thread (fuzz-worker.ts) and, for
 * tests, inline; it holds no state between tasks beyond the configuration, so the results are a
 * function of (seed, index, target) whichever thread computes them.
 */
import { generate_script, type FuzzShape } from '../../sim/fuzz/generate'
import type { Script } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { capturable, checkKernel, type KernelHost } from './kernel-oracle'
import { checkAgainst, checkAlone, type Failure, type OracleName } from './model-oracles'
import { shrinkScript } from './shrink'

/** What is fuzzed: the scripts (seed, shape) and the oracle (policy, against). */
export interface FuzzTarget {
  seed: number
  /** P: the kernel the scripts run under (default free-obsolete). */
  policy: Policy
  /** null: oracle `alone`; a policy: oracle `against`; 'kernel': this host's KVM. */
  against: Policy | 'kernel' | null
  shape: FuzzShape
}

export function oracleName(t: Pick<FuzzTarget, 'against'>): OracleName {
  return t.against === null ? 'alone' : t.against === 'kernel' ? 'kernel' : 'against'
}

/** A failing script of the run. */
export interface Found {
  index: number
  failure: Failure
}

/** A failing script, shrunk. */
export interface Shrunk {
  index: number
  script: Script
  /** The shrunk script's failure (same oracle and signature as the original's). */
  failure: Failure
  /** Candidates the shrinker tested. */
  tests: number
}

export interface FuzzEngine {
  /** Runs the scripts of these indexes; returns the failing ones, in index order. */
  run(indexes: readonly number[]): Promise<Found[]>
  /** Shrinks the script of `index`, which failed with `signature`. */
  shrink(index: number, signature: string): Promise<Shrunk>
}

/** The model oracle of `t` as a function of one script. */
export function modelCheck(t: FuzzTarget): (s: Script) => Failure | null {
  const against = t.against
  if (against === 'kernel') throw new Error('the kernel oracle is not a model oracle')
  return against === null ? (s) => checkAlone(s, t.policy) : (s) => checkAgainst(s, t.policy, against)
}

/** The engine for `t`; `host` is required for the kernel oracle. */
export function createEngine(t: FuzzTarget, host?: KernelHost): FuzzEngine {
  const script = (index: number): Script => generate_script(t.seed, index, t.shape)
  if (t.against !== 'kernel') {
    const check = modelCheck(t)
    return {
      async run(indexes) {
        const out: Found[] = []
        for (const index of indexes) {
          const failure = check(script(index))
          if (failure) out.push({ index, failure })
        }
        return out
      },
      async shrink(index, signature) {
        const r = await shrinkScript(script(index), (cands) => cands.findIndex((c) => check(c)?.signature === signature))
        return { index, script: r.script, failure: check(r.script)!, tests: r.tests }
      },
    }
  }
  if (!host) throw new Error('the kernel oracle needs a capture host')
  const kernel = (scripts: readonly Script[]) => checkKernel(host, scripts, t.policy)
  return {
    async run(indexes) {
      // The generator's capturable scripts fit the capture guest; one that would not (over 256
      // memslot ops in a very long script) is counted as run and passes, rather than stop the run.
      const runnable = indexes.map((index) => ({ index, s: script(index) })).filter(({ s }) => capturable(s))
      const failures = await kernel(runnable.map(({ s }) => s))
      return runnable.flatMap(({ index }, i) => (failures[i] ? [{ index, failure: failures[i]! }] : []))
    },
    async shrink(index, signature) {
      let last: Failure | null = null
      const r = await shrinkScript(script(index), async (cands) => {
        const ok = cands.map((c, i) => ({ c, i })).filter(({ c }) => capturable(c))
        const failures = await kernel(ok.map(({ c }) => c))
        const hit = failures.findIndex((f) => f?.signature === signature)
        if (hit < 0) return -1
        last = failures[hit]!
        return ok[hit]!.i
      }, { maxTests: 4000 })
      // The last accepted candidate's failure is the shrunk script's (a kernel run is not repeated:
      // the PVM host's batch ends are nondeterministic, the comparator follows either).
      const failure = last ?? (await kernel([r.script]))[0]
      if (!failure) throw new Error(`script ${index} no longer fails on this host's kernel`)
      return { index, script: r.script, failure, tests: r.tests }
    },
  }
}
