/**
 * useFindingsStore: the session's findings (the lab's WARN_ONs), the first `LIMIT` of them, and
 * the slot at fault of the finding under the cursor.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { TransitionRow } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useCursorStore } from './cursor'
import type { SlotRef } from './selection'
import { useSessionStore } from './session'

const LIMIT = 1000

/** The slot a finding names (slot -1 = none). */
export function faultSlot(t: TransitionRow | null): SlotRef | null {
  if (!t || t.kind !== 'finding' || t.vcpu === null) return null
  const slot = Number(t.slot)
  return Number.isInteger(slot) && slot >= 0 && slot <= 3 ? { vcpu: t.vcpu, slot } : null
}

export const useFindingsStore = defineStore('findings', () => {
  const session = useSessionStore()
  const cursor = useCursorStore()
  const items = shallowRef<TransitionRow[]>([])
  const truncated = ref(false)
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().transitions({ session: sid, from: 0, kinds: ['finding'], limit: LIMIT })
    if (session.id !== sid) return
    if (!r.ok) {
      error.value = r.error
      return
    }
    items.value = r.value
    truncated.value = r.value.length >= LIMIT
  }

  /** The finding at the cursor, if the current transition is one. */
  const atCursor = computed(() => (cursor.current?.kind === 'finding' ? cursor.current : null))
  /** The slot at fault of the finding at the cursor. */
  const fault = computed(() => faultSlot(atCursor.value))

  function clear(): void {
    items.value = []
    truncated.value = false
    error.value = null
  }

  return { items, truncated, error, atCursor, fault, load, clear }
})
