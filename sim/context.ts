/**
 * The model's execution context: the state being advanced, the policy, and where emitted
 * transitions go. Every state change goes through emit() -> apply_transition(), so the model and
 * a replay of its transitions cannot drift apart.
 */
import { apply_transition } from './apply'
import type { Transition } from './transitions'
import type { kvm, Policy } from './types'

export interface Ctx {
  kvm: kvm
  policy: Policy
  /** Index of the operation being executed. */
  op: number
  /** seq of the last emitted transition (0 before the first). */
  seq: number
  /** Receives every transition, numbered, after it was applied. */
  sink: (t: Transition) => void
  /**
   * Root slots holding each shadow page, kept by the root_count_mismatch check from the slot
   * changes the model makes (findings.ts). Built from the state on first use; not part of the
   * state (a replay needs no checks: findings are recorded as transitions).
   */
  holders?: Map<number, number>
  /**
   * Where kvm_mmu_zap_oldest_mmu_pages() starts its walk of kvm.active_mmu_pages: the ids of
   * `list` before `from` are off the list for good (a zapped page never goes back on it; new
   * pages are pushed at the end). Recycling zaps the oldest pages, so their ids pile up at the
   * head until compact_active_list() replaces the array; walking them again on every call was
   * ~4% of a 1M recording's profile. A cache of the walk, not state: another array starts it over.
   */
  oldest_scan?: { list: number[]; from: number }
}

/**
 * Numbers a transition, applies it to the state and hands it to the sink. Callers write the
 * literal with `seq: 0, op: 0` first, filled in here: a literal that has every property from the
 * start keeps them all in the object (adding seq and op afterwards gave each transition a second
 * allocation for them and a different shape from the decoder's; 10-15% of the model's time).
 */
export function emit(ctx: Ctx, t: Transition): void {
  t.seq = ++ctx.seq
  t.op = ctx.op
  apply_transition(ctx.kvm, t)
  ctx.sink(t)
}
