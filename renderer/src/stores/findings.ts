/**
 * useFindingsStore: the session's findings (the lab's WARN_ONs) — all of them, read a page at a
 * time as the list scrolls (RowWindow over transitionsByIndex) — the same grouped by shadow page
 * with each zombie's lifetime (findingGroups, asked for when the grouping is shown), and the
 * slot at fault of the finding under the cursor.
 */
import { defineStore } from 'pinia'
import { computed, markRaw, ref, shallowRef } from 'vue'
import type { FindingGroups, TransitionRow } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { RowWindow } from '../lib/row-window'
import { useCursorStore } from './cursor'
import type { SlotRef } from './selection'
import { useSessionStore } from './session'

/** The slot a finding names (slot -1 = none). */
export function faultSlot(t: TransitionRow | null): SlotRef | null {
  if (!t || t.kind !== 'finding' || t.vcpu === null) return null
  const slot = Number(t.slot)
  return Number.isInteger(slot) && slot >= 0 && slot <= 3 ? { vcpu: t.vcpu, slot } : null
}

export const useFindingsStore = defineStore('findings', () => {
  const session = useSessionStore()
  const cursor = useCursorStore()
  /** Number of findings in the session. */
  const count = ref(0)
  const error = ref<string | null>(null)
  /** The findings, row by row, fetched as they come into view. */
  const rows = markRaw(new RowWindow<TransitionRow>(async (index, limit) => {
    const sid = session.id
    if (!sid) return null
    const r = await lab().transitionsByIndex({ session: sid, kinds: ['finding'], index, limit })
    return r.ok ? r.value : null
  }, 100, 20))
  const groups = shallowRef<FindingGroups | null>(null)
  const groupsLoading = ref(false)

  async function load(): Promise<void> {
    const sid = session.id
    if (!sid) return
    rows.reset()
    const r = await lab().transitionCount({ session: sid, kinds: ['finding'] })
    if (session.id !== sid) return
    if (!r.ok) {
      error.value = r.error
      return
    }
    count.value = r.value.count
  }

  /** The findings grouped by shadow page (computed by the Node side once per session). */
  async function loadGroups(): Promise<void> {
    const sid = session.id
    if (!sid || groups.value || groupsLoading.value) return
    groupsLoading.value = true
    try {
      const r = await lab().findingGroups({ session: sid })
      if (session.id !== sid) return
      if (r.ok) groups.value = r.value
      else error.value = r.error
    } finally {
      groupsLoading.value = false
    }
  }

  /** The finding at the cursor, if the current transition is one. */
  const atCursor = computed(() => (cursor.current?.kind === 'finding' ? cursor.current : null))
  /** The slot at fault of the finding at the cursor. */
  const fault = computed(() => faultSlot(atCursor.value))

  function clear(): void {
    count.value = 0
    rows.reset()
    groups.value = null
    error.value = null
  }

  return { count, error, rows, groups, groupsLoading, atCursor, fault, load, loadGroups, clear }
})
