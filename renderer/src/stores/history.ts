/**
 * useHistoryStore: every change of the field the History panel follows (a root slot, a shadow
 * page field, a vCPU's requests): the seq, the transition that made it, the value before and
 * after; and the previous / next change from the cursor (keys , and .).
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { FieldChange } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useCursorStore } from './cursor'
import { useSelectionStore } from './selection'
import { useSessionStore } from './session'

/** Most changes listed (the rest is said to exist). */
export const HISTORY_LIMIT = 5000

/** Index of the first change with seq >= s (binary search over seqs in order). */
function lowerBound(changes: FieldChange[], s: number): number {
  let lo = 0
  let hi = changes.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (changes[mid]!.seq < s) lo = mid + 1
    else hi = mid
  }
  return lo
}

export const useHistoryStore = defineStore('history', () => {
  const session = useSessionStore()
  const cursor = useCursorStore()
  const selection = useSelectionStore()
  const changes = shallowRef<FieldChange[]>([])
  const truncated = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let token = 0

  async function load(): Promise<void> {
    const sid = session.id
    const f = selection.historyField
    const my = ++token
    if (!sid || !f) {
      changes.value = []
      truncated.value = false
      error.value = null
      return
    }
    loading.value = true
    try {
      const r = await lab().fieldChanges({ session: sid, field: f, limit: HISTORY_LIMIT })
      if (my !== token) return
      if (r.ok) {
        changes.value = r.value.changes
        truncated.value = r.value.truncated
        error.value = null
      } else {
        changes.value = []
        error.value = r.error
      }
    } finally {
      if (my === token) loading.value = false
    }
  }
  watch([() => selection.historyField, () => session.id, () => session.lastSeq], load, { deep: true, immediate: true })

  /** The last change at or before the cursor (the value shown now came from it), if any. */
  const atOrBefore = computed(() => {
    const i = lowerBound(changes.value, cursor.seq + 1) - 1
    return i >= 0 ? changes.value[i]! : null
  })
  const prev = computed(() => {
    const i = lowerBound(changes.value, cursor.seq) - 1
    return i >= 0 ? changes.value[i]! : null
  })
  const next = computed(() => changes.value[lowerBound(changes.value, cursor.seq + 1)] ?? null)

  /** Jumps to the previous / next change; says so when there is none. */
  function goPrev(): void {
    if (!selection.historyField) return
    if (prev.value) void cursor.goTo(prev.value.seq)
    else cursor.notice = 'no earlier change of the followed field'
  }
  function goNext(): void {
    if (!selection.historyField) return
    if (next.value) void cursor.goTo(next.value.seq)
    else cursor.notice = truncated.value ? `only the first ${HISTORY_LIMIT} changes are listed` : 'no later change of the followed field'
  }

  return { changes, truncated, loading, error, atOrBefore, prev, next, load, goPrev, goNext }
})
