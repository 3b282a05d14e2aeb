/**
 * Running a whole list of operations: the summary the CLI's `record --json` prints, computed by
 * the model alone (no database). Used by tests, benchmarks and the README's results table.
 */
import { create_transition_digest } from './digest'
import { kvm_create } from './state'
import { create_machine } from './step'
import type { Transition } from './transitions'
import type { kvm, kvm_vm_stat, lab_counters, Op, Policy } from './types'

export interface RunSummary {
  transitions: number
  operations: number
  /** sha256 of the canonical transition stream (digest.ts). */
  digest: string
  stats: kvm_vm_stat
  counters: lab_counters
  findings: number
  state: kvm
}

export interface RunOptions {
  policy: Policy
  vcpus: number
  n_max_mmu_pages: number
  /** Also receives every transition (e.g. to keep them). */
  sink?: (t: Transition) => void
  /** Compute the digest (costs time); default true. */
  digest?: boolean
}

/** Runs `ops` from a new VM and summarises the result. */
export function run_ops(ops: Iterable<Op>, o: RunOptions): RunSummary {
  const state = kvm_create({ vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages })
  const sha = o.digest === false ? null : create_transition_digest()
  const sink = o.sink
  const m = create_machine(state, o.policy, (t) => {
    if (sha) sha.add(t)
    if (sink) sink(t)
  })
  let operations = 0
  for (const op of ops) {
    m.run_op(op)
    operations++
  }
  return {
    transitions: m.ctx.seq,
    operations,
    digest: sha ? sha.hex() : '',
    stats: { ...state.stat },
    counters: { ...state.counters },
    findings: state.counters.findings,
    state,
  }
}
