/**
 * The history of one watched value: every seq at which it changed, with its value before and
 * after and the transition that made the change. A forward scan (watch-scan.ts) with the value's
 * plan (watch-plan.ts): chunks that cannot change it are skipped from their summaries, the
 * others replayed with the real apply_transition, so the result is exact.
 */
import type { ScanSource } from './watch-scan'
import { scanForward } from './watch-scan'
import type { WatchPlan } from './watch-plan'
import type { FieldChange } from './watch-types'

/** Changes in (from, to], at most `limit`; truncated when there are more. */
export function fieldChanges(
  src: ScanSource, plan: WatchPlan, from: number, to: number, limit: number,
): { changes: FieldChange[]; truncated: boolean } {
  const changes: FieldChange[] = []
  let before = ''
  let truncated = false
  scanForward(src, plan, from + 1, to, (seq, t, state) => {
    if (changes.length >= limit) {
      truncated = true
      return true
    }
    const after = plan.show(state)
    changes.push({ seq, kind: t.kind, vcpu: t.vcpu, before, after })
    before = after
    return false
  }, { onStart: (state) => { before = plan.show(state) } })
  return { changes, truncated }
}

/** Seqs s in (from, to] where the value after s differs from its value after s - 1. */
export function fieldHistory(
  src: ScanSource, plan: WatchPlan, from: number, to: number, limit: number,
): { seqs: number[]; truncated: boolean } {
  const seqs: number[] = []
  let truncated = false
  scanForward(src, plan, from + 1, to, (seq) => {
    if (seqs.length >= limit) {
      truncated = true
      return true
    }
    seqs.push(seq)
    return false
  })
  return { seqs, truncated }
}
