/**
 * useLanesStore: the per-vCPU lanes (LanesResult) over the timeline's range, one column per
 * pixel, and whether the "vCPU lanes" region is open.
 *
 * Fetched when the range or the width changes (debounced: a wheel zoom sends one request, not
 * twenty), never per cursor move: scrubbing redraws from what is here. The first request waits
 * until a first state is shown (the first frame is not delayed by it). While the Node side is
 * still building its summaries (`complete: false`) the store asks again every POLL_MS, keeping
 * the partial answer on screen, and counts as background work for the idle signal.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import type { LanesResult } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { backgroundWork } from '../lib/idle'
import { useCursorStore } from './cursor'
import { useSessionStore } from './session'
import { useTimelineStore } from './timeline'

const DEBOUNCE_MS = 60
const POLL_MS = 250
const OPEN_KEY = 'rootlab.lanes.open'

export const useLanesStore = defineStore('lanes', () => {
  const session = useSessionStore()
  const timeline = useTimelineStore()
  const cursor = useCursorStore()
  const result = shallowRef<LanesResult | null>(null)
  const error = ref<string | null>(null)
  /** Columns (CSS px) the lanes are drawn in; 0 until the canvas is laid out. */
  const columns = ref(0)
  const open = ref(readOpen())
  /** The Node side is still summarizing the session (result.progress says how far). */
  const building = ref(false)
  /** A request is due (debounce or poll timer running). */
  const due = ref(false)
  let token = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  // a request about to be sent, or summaries still being built, is work the idle signal awaits
  const busy = computed(() => due.value || building.value)
  watch(busy, (on) => { backgroundWork.value += on ? 1 : -1 })

  function readOpen(): boolean {
    try {
      return globalThis.localStorage?.getItem(OPEN_KEY) !== '0'
    } catch {
      return true
    }
  }

  function setOpen(on: boolean): void {
    open.value = on
    try {
      globalThis.localStorage?.setItem(OPEN_KEY, on ? '1' : '0')
    } catch {
      // private mode: not remembered
    }
  }

  async function load(): Promise<void> {
    const sid = session.id
    const n = Math.min(8192, Math.floor(columns.value))
    if (!sid || !open.value || n < 1 || cursor.state === null) return
    const { from, to } = timeline.range
    const my = ++token
    const r = await lab().lanes({ session: sid, from, to: Math.min(to, session.lastSeq), columns: n })
    if (my !== token || session.id !== sid) return
    if (!r.ok) {
      error.value = r.error
      building.value = false
      return
    }
    error.value = null
    result.value = r.value
    building.value = !r.value.complete
    if (!r.value.complete) schedule(POLL_MS)
  }

  function schedule(ms = DEBOUNCE_MS): void {
    if (timer) clearTimeout(timer)
    due.value = true
    timer = setTimeout(() => {
      timer = null
      due.value = false
      void load()
    }, ms)
  }

  function clear(): void {
    token++
    if (timer) clearTimeout(timer)
    timer = null
    due.value = false
    result.value = null
    error.value = null
    building.value = false
  }

  watch(() => session.id, clear)
  watch([() => timeline.range, columns, open, () => session.lastSeq, () => cursor.state === null], () => {
    if (!open.value) return clear()
    schedule()
  })

  return { result, error, columns, open, building, setOpen, load, clear }
})
