/**
 * Comparing a marked trace (a capture, or a trace with `rootlab op N` markers) with the script
 * that produced it: op groups from the script (op-groups.ts), kernel events from the markers
 * (kernel-events.ts), and the comparator.
 */
import type { Script } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { compare, type Comparison } from './comparator'
import type { KernelEvent, MarkedScript } from './kernel-events'
import { scriptOpGroups, type Alignment } from './op-groups'

/** The n_max_mmu_pages a capture sets with KVM_SET_NR_MMU_PAGES (the session default). */
export const CAPTURE_N_MAX_MMU_PAGES = 1024

export class TraceMismatchError extends Error {
  override name = 'TraceMismatchError'
}

/**
 * Compares one marked script of a trace with `script`. Throws TraceMismatchError if the markers
 * do not fit the script (an op marker missing or out of range: a truncated or foreign trace).
 */
export function compareMarked(
  script: Script, marked: MarkedScript, o: { n_max_mmu_pages?: number; alignment?: Alignment; policy?: Policy } = {},
): Comparison {
  const n_max_mmu_pages = o.n_max_mmu_pages ?? CAPTURE_N_MAX_MMU_PAGES
  const alignment = o.alignment ?? 'reentry'
  const n = script.ops.length
  for (const i of marked.opsSeen) {
    if (i >= n) throw new TraceMismatchError(`the trace has a marker for op ${i}, but the script has ${n} ops`)
  }
  const seen = new Set(marked.opsSeen)
  for (let i = 0; i < n; i++) {
    if (!seen.has(i)) throw new TraceMismatchError(`the trace has no "rootlab op ${i}" marker: it is truncated or not of this script`)
  }
  const groups = scriptOpGroups(script.ops, script.vcpus, alignment)
  const kernel: KernelEvent[][] = groups.map((g) => marked.byOp.get(g.index) ?? [])
  return compare(groups, kernel, marked.sawTeardown ? marked.teardown : null, {
    vcpus: script.vcpus, n_max_mmu_pages, alignment, policy: o.policy, regroup: (a) => scriptOpGroups(script.ops, script.vcpus, a),
  })
}
