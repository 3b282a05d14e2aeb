/**
 * useSelectionStore: what the user points at. A hovered shadow page is highlighted in every view
 * (cards, table, log); a selected slot or sp field is what the History panel follows.
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'

/** A field whose history can be followed (the fieldHistory request's `field`). */
export type HistoryField =
  | { type: 'slot'; vcpu: number; slot: number }
  | { type: 'sp'; sp: number; field: 'root_count' | 'invalid' | 'obsolete' | 'write_flooding_count' | 'active' | 'exists' }
  | { type: 'requests'; vcpu: number }

/** A root slot: slot 0 = current root, 1 + i = prev_roots[i]. */
export interface SlotRef {
  vcpu: number
  slot: number
}

export const useSelectionStore = defineStore('selection', () => {
  const hoveredSp = ref<number | null>(null)
  const selectedSp = ref<number | null>(null)
  const selectedSlot = ref<SlotRef | null>(null)
  const historyField = ref<HistoryField | null>(null)
  /** The transition row the log's keyboard focus is on (seq), if any. */
  const focusedSeq = ref<number | null>(null)

  function hoverSp(sp: number | null): void {
    hoveredSp.value = sp
  }

  function selectSp(sp: number | null): void {
    selectedSp.value = sp
    if (sp !== null) historyField.value = { type: 'sp', sp, field: 'root_count' }
  }

  function selectSlot(ref: SlotRef | null): void {
    selectedSlot.value = ref
    if (ref) historyField.value = { type: 'slot', vcpu: ref.vcpu, slot: ref.slot }
  }

  function followHistory(field: HistoryField | null): void {
    historyField.value = field
  }

  function isSpHighlighted(sp: number | null): boolean {
    return sp !== null && (sp === hoveredSp.value || sp === selectedSp.value)
  }

  function clear(): void {
    hoveredSp.value = null
    selectedSp.value = null
    selectedSlot.value = null
    historyField.value = null
    focusedSeq.value = null
  }

  return {
    hoveredSp, selectedSp, selectedSlot, historyField, focusedSeq,
    hoverSp, selectSp, selectSlot, followHistory, isSpHighlighted, clear,
  }
})
