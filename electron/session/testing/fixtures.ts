/** Helpers for the session layer's tests: temp folders and a reference run of the model. */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clone_kvm, kvm_create } from '../../../sim/state'
import { create_machine } from '../../../sim/step'
import type { Transition } from '../../../sim/transitions'
import type { kvm, Op, Policy } from '../../../sim/types'
import { scenario_ops, validate_scenario_params, type ScenarioName } from '../../../sim/scenarios/index'

export function tempDir(): { dir: string; file(name: string): string; copy(src: string): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'rootlab-test-'))
  let copies = 0
  const file = (n: string) => join(dir, n)
  return {
    dir, file,
    /** A fresh copy of `src` in the folder (to damage without touching the original). */
    copy: (src) => {
      const p = file(`copy-${copies++}.rootlab`)
      copyFileSync(src, p)
      return p
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** The message of the error `fn` throws (the test fails if it throws none). */
export function thrownMessage(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  throw new Error('expected an error')
}

export interface ModelRun {
  transitions: Transition[]
  /** State after seq, for the requested seqs. */
  snapshots: Map<number, kvm>
  final: kvm
  opEnds: number[]
}

/** Runs the model directly (no database), keeping every transition and snapshots at `seqs`. */
export function modelRun(ops: Op[], vcpus: number, policy: Policy, seqs: Iterable<number> = [], n_max_mmu_pages = 1024): ModelRun {
  const want = new Set(seqs)
  const state = kvm_create({ vcpus, n_max_mmu_pages })
  const snapshots = new Map<number, kvm>()
  if (want.has(0)) snapshots.set(0, clone_kvm(state))
  const transitions: Transition[] = []
  const m = create_machine(state, policy, (t) => {
    transitions.push({ ...t })
    if (want.has(t.seq)) snapshots.set(t.seq, clone_kvm(state))
  })
  const opEnds: number[] = []
  for (const op of ops) {
    m.run_op(op)
    opEnds.push(m.ctx.seq)
  }
  return { transitions, snapshots, final: state, opEnds }
}

/** The operations of a scenario, as an array. */
export function scenarioOps(scenario: string, vcpus: number, steps: number, seed: number): Op[] {
  const p = validate_scenario_params(scenario, { vcpus, steps, seed })
  return [...scenario_ops(scenario as ScenarioName, p)]
}

/** Small chunks and checkpoints, so short test sessions span many of each. */
export const SMALL_TUNING = { chunkTarget: 64, chunkMax: 256, checkpointInterval: 500, commitTransitions: 2000, commitMs: 50 }
