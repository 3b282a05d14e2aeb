/**
 * useCompareStore: two runs side by side.
 *
 * `sessions` mode: two sessions of the same operations (compare()). Session A is the one the
 * cursor moves through; B's cursor is locked to A's by operation, and inside an operation by
 * position (lib/compare-align.ts); stepB() moves B inside the operation on its own until A
 * leaves it. The store holds B's state, both runs' transitions of the locked operation, and
 * where the two states differ.
 *
 * `kernel` mode: the open session against the kernel trace it was imported or captured with
 * (stores/kernel.ts): locked by op group; the view reads the kernel store itself.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { CompareResult, SessionInfo, StateView, TransitionRow } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { alignB, opSpan, stateDifferences } from '../lib/compare-align'
import { useCursorStore } from './cursor'

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

/** At most this many transitions of an operation are listed per side. */
export const OP_ROWS = 300

export const useCompareStore = defineStore('compare', () => {
  const cursor = useCursorStore()
  const mode = ref<'sessions' | 'kernel' | null>(null)
  const a = ref<SessionInfo | null>(null)
  const b = ref<SessionInfo | null>(null)
  const result = shallowRef<CompareResult | null>(null)
  /** B's state facing A's cursor. */
  const stateB = shallowRef<StateView | null>(null)
  const seqB = ref(0)
  /** The operation the cursors are locked in (-1: before the first). */
  const opIndex = ref(-1)
  /** A's and B's position in it, and their lengths. */
  const offsetA = ref(0)
  const lenA = ref(0)
  const lenB = ref(0)
  /** B's position when the user stepped B inside the operation; null: follows A. */
  const offsetB = ref<number | null>(null)
  /** The transitions of the locked operation, per side. */
  const rowsA = shallowRef<TransitionRow[]>([])
  const rowsB = shallowRef<TransitionRow[]>([])
  const error = ref<string | null>(null)
  const active = computed(() => (mode.value === 'sessions' && a.value !== null && b.value !== null && result.value !== null) || mode.value === 'kernel')
  /** A seq of B to show once A's cursor arrives in that operation (going to the divergence). */
  let pinB: number | null = null
  let token = 0
  let rowsKey = ''

  async function open(sa: SessionInfo, sb: SessionInfo): Promise<boolean> {
    const r = await lab().compare({ a: sa.session, b: sb.session })
    if (!r.ok) {
      error.value = r.error
      return false
    }
    mode.value = 'sessions'
    a.value = sa
    b.value = sb
    result.value = r.value
    error.value = null
    stateB.value = null
    opIndex.value = -2
    offsetB.value = null
    rowsKey = ''
    return true
  }

  /** The open session against its kernel trace (imported or captured). */
  function openKernel(sa: SessionInfo): void {
    close()
    mode.value = 'kernel'
    a.value = sa
  }

  /** Moves B to the moment facing A's `seqA` (and loads what the view shows there). */
  async function follow(seqA: number): Promise<void> {
    const res = result.value
    if (mode.value !== 'sessions' || !res || !b.value || !a.value) return
    const al0 = alignB(res.op_end_seq.a, res.op_end_seq.b, seqA, null)
    if (al0.op !== opIndex.value) offsetB.value = null
    if (pinB !== null && al0.op >= 0) {
      const span = opSpan(res.op_end_seq.b, al0.op)
      if (pinB > span.base && pinB <= span.end) offsetB.value = pinB - span.base
      pinB = null
    }
    const al = alignB(res.op_end_seq.a, res.op_end_seq.b, seqA, offsetB.value)
    opIndex.value = al.op
    offsetA.value = al.offsetA
    lenA.value = al.lenA
    lenB.value = al.lenB
    const target = al.op < 0 && seqA > 0 ? b.value.transitions : al.seqB
    const t = ++token
    seqB.value = target
    const client = lab()
    const key = `${al.op}`
    const rowsP = key !== rowsKey && al.op >= 0 ? loadRows(al.op) : null
    const r = await client.stateAt({ session: b.value.session, seq: target, pages: 'roots' })
    if (t !== token) return
    if (r.ok) stateB.value = r.value
    else error.value = r.error
    if (rowsP) {
      const rows = await rowsP
      if (t !== token || !rows) return
      rowsA.value = rows.a
      rowsB.value = rows.b
      rowsKey = key
    }
  }

  async function loadRows(op: number): Promise<{ a: TransitionRow[]; b: TransitionRow[] } | null> {
    const res = result.value
    if (!res || !a.value || !b.value) return null
    const sa = opSpan(res.op_end_seq.a, op)
    const sb = opSpan(res.op_end_seq.b, op)
    const client = lab()
    const [ra, rb] = await Promise.all([
      sa.end > sa.base ? client.transitions({ session: a.value.session, from: sa.base + 1, to: sa.end, limit: OP_ROWS }) : null,
      sb.end > sb.base ? client.transitions({ session: b.value.session, from: sb.base + 1, to: sb.end, limit: OP_ROWS }) : null,
    ])
    return { a: ra?.ok ? ra.value : [], b: rb?.ok ? rb.value : [] }
  }

  /** Steps B inside the locked operation (A stays); B follows A again when A leaves it. */
  function stepB(delta: number): Promise<void> {
    if (opIndex.value < 0) return Promise.resolve()
    const base = opSpan(result.value?.op_end_seq.b ?? [], opIndex.value).base
    offsetB.value = Math.max(0, Math.min(lenB.value, seqB.value - base + delta))
    return follow(cursor.seq)
  }

  /** B follows A again. */
  function lockB(): Promise<void> {
    offsetB.value = null
    return follow(cursor.seq)
  }

  /** B at `seq` inside the locked operation (a click on B's log). */
  function showB(seq: number): Promise<void> {
    const span = opSpan(result.value?.op_end_seq.b ?? [], opIndex.value)
    offsetB.value = Math.max(0, Math.min(lenB.value, seq - span.base))
    return follow(cursor.seq)
  }

  /** Both cursors to the first transition whose effect differs. */
  async function goToDivergence(): Promise<void> {
    const t = result.value?.diverged_at_transition ?? null
    const d = result.value?.diverged_at ?? null
    if (!t && !d) return
    pinB = t ? t.b : d!.b
    await cursor.goTo(t ? t.a : d!.a)
  }

  /** B's position in the locked operation (transitions of it done). */
  const posB = computed(() => (lockedOpKnown() ? seqB.value - opSpan(result.value!.op_end_seq.b, opIndex.value).base : 0))
  function lockedOpKnown(): boolean {
    return result.value !== null && opIndex.value >= 0 && opIndex.value < result.value.op_end_seq.b.length
  }

  /** The seq in A of the first transition whose effect differs (else the end of the first diverging op). */
  const divergenceSeqA = computed(() => result.value?.diverged_at_transition?.a ?? result.value?.diverged_at?.a ?? null)

  /** Where A's and B's states differ at the locked moment (only once both are there). */
  const differences = computed(() => {
    const sa = cursor.state
    const sb = stateB.value
    if (mode.value !== 'sessions' || !sa || !sb || sa.seq !== cursor.seq || sb.seq !== seqB.value) return null
    return stateDifferences(sa, sb)
  })

  function close(): void {
    mode.value = null
    a.value = null
    b.value = null
    result.value = null
    stateB.value = null
    opIndex.value = -1
    offsetB.value = null
    rowsA.value = []
    rowsB.value = []
    rowsKey = ''
    pinB = null
    token++
  }

  return {
    mode, a, b, result, stateB, seqB, opIndex, offsetA, lenA, lenB, offsetB, posB, rowsA, rowsB, error, active,
    divergenceSeqA, differences, open, openKernel, follow, stepB, lockB, showB, goToDivergence, close,
  }
})
