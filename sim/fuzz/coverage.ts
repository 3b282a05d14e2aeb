/**
 * How often the generator's scripts make the model do each thing: per transition kind, and for
 * the events the fuzzer exists to reach (root zaps, prev-root hits, memslot updates, findings),
 * the share of scripts in which they occur at least once. Used by the tests (the generator must
 * keep reaching them), by `npm run bench:fuzz` and for the table in docs/fuzzing.md.
 */
import { kvm_create } from '../state'
import { create_machine } from '../step'
import { is_root_zap, TRANSITION_KINDS, type Transition, type TransitionKind } from '../transitions'
import type { Policy } from '../types'
import { DEFAULT_N_MAX_MMU_PAGES } from '../scenarios/index'
import { generate_script, type FuzzShape } from './generate'

/** Events the generator is weighted to reach. */
export const TARGET_EVENTS = ['root_zap', 'prev_root_hit', 'memslot', 'finding'] as const
export type TargetEvent = (typeof TARGET_EVENTS)[number]

export interface GeneratorCoverage {
  scripts: number
  ops: number
  transitions: number
  /** Transitions of each kind, over all scripts. */
  kinds: Record<TransitionKind, number>
  /** Scripts in which each target event occurs at least once. */
  scripts_with: Record<TargetEvent, number>
  /** Occurrences of each target event, over all scripts. */
  events: Record<TargetEvent, number>
}

function target_of(t: Transition): TargetEvent | null {
  if (t.kind === 'kvm_mmu_prepare_zap_page') return is_root_zap(t) ? 'root_zap' : null
  if (t.kind === 'fast_pgd_switch') return t.hit && t.index >= 0 ? 'prev_root_hit' : null
  if (t.kind === 'kvm_arch_flush_shadow_memslot') return 'memslot'
  if (t.kind === 'finding') return 'finding'
  return null
}

/** Runs scripts `from` .. `from + count - 1` of `seed` under `policy` and counts. */
export function generator_coverage(seed: number, from: number, count: number, shape: FuzzShape, policy: Policy): GeneratorCoverage {
  const kinds = Object.fromEntries(TRANSITION_KINDS.map((k) => [k, 0])) as Record<TransitionKind, number>
  const zero = (): Record<TargetEvent, number> => ({ root_zap: 0, prev_root_hit: 0, memslot: 0, finding: 0 })
  const scripts_with = zero()
  const events = zero()
  let ops = 0
  let transitions = 0
  for (let i = from; i < from + count; i++) {
    const script = generate_script(seed, i, shape)
    const seen = new Set<TargetEvent>()
    const m = create_machine(kvm_create({ vcpus: script.vcpus, n_max_mmu_pages: DEFAULT_N_MAX_MMU_PAGES }), policy, (t) => {
      kinds[t.kind]++
      const e = target_of(t)
      if (e) {
        events[e]++
        seen.add(e)
      }
    })
    for (const op of script.ops) m.run_op(op)
    ops += script.ops.length
    transitions += m.ctx.seq
    for (const e of seen) scripts_with[e]++
  }
  return { scripts: count, ops, transitions, kinds, scripts_with, events }
}
