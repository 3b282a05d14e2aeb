/**
 * useCompareStore: two sessions of the same operations side by side. Session A is the one the
 * cursor moves through; B's cursor is locked to A's by operation index (compare().op_end_seq):
 * at A's seq s inside operation i, B shows the state at the end of B's operation i (or, before
 * A's operation i ends, the end of operation i - 1).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CompareResult, SessionInfo, StateView } from '../../../electron/api/contract'
import { lab } from '../api/lab'

/** Index of the last operation of `ends` that has ended at or before `seq`; -1 if none. */
export function opEndedAt(ends: readonly number[], seq: number): number {
  let lo = 0
  let hi = ends.length - 1
  let ans = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (ends[mid]! <= seq) {
      ans = mid
      lo = mid + 1
    } else hi = mid - 1
  }
  return ans
}

export const useCompareStore = defineStore('compare', () => {
  const a = ref<SessionInfo | null>(null)
  const b = ref<SessionInfo | null>(null)
  const result = shallowRef<CompareResult | null>(null)
  /** B's state locked to the cursor's operation. */
  const stateB = shallowRef<StateView | null>(null)
  const seqB = ref(0)
  const opIndex = ref(-1)
  const error = ref<string | null>(null)
  const active = computed(() => a.value !== null && b.value !== null && result.value !== null)
  let token = 0

  async function open(sa: SessionInfo, sb: SessionInfo): Promise<boolean> {
    const r = await lab().compare({ a: sa.session, b: sb.session })
    if (!r.ok) {
      error.value = r.error
      return false
    }
    a.value = sa
    b.value = sb
    result.value = r.value
    error.value = null
    stateB.value = null
    opIndex.value = -2
    return true
  }

  /** Moves B to the moment locked to A's `seqA`. */
  async function follow(seqA: number): Promise<void> {
    const res = result.value
    if (!res || !b.value) return
    const i = opEndedAt(res.op_end_seq.a, seqA)
    const target = i < 0 ? 0 : (res.op_end_seq.b[i] ?? b.value.transitions)
    if (i === opIndex.value && stateB.value) return
    opIndex.value = i
    seqB.value = target
    const t = ++token
    const r = await lab().stateAt({ session: b.value.session, seq: target })
    if (t !== token) return
    if (r.ok) stateB.value = r.value
    else error.value = r.error
  }

  /** The seq in A at the end of the first diverging operation (null if they never diverge). */
  const divergenceSeqA = computed(() => result.value?.diverged_at?.a ?? null)

  function close(): void {
    a.value = null
    b.value = null
    result.value = null
    stateB.value = null
    opIndex.value = -1
    token++
  }

  return { a, b, result, stateB, seqB, opIndex, error, active, divergenceSeqA, open, follow, close }
})
