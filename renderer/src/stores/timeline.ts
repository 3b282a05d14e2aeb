/**
 * useTimelineStore: the seq range the timeline shows (zoom), and the transition density over it,
 * one bucket per pixel column. Drawing is synchronous from the cached density; a new range or
 * width fetches in the background and an older answer never replaces a newer one.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { DensityResult } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useSessionStore } from './session'

/** A seq range [from, to], both inclusive. */
export interface SeqRange {
  from: number
  to: number
}

export const useTimelineStore = defineStore('timeline', () => {
  const session = useSessionStore()
  /** The zoomed range; null = the whole session. */
  const zoom = ref<SeqRange | null>(null)
  const density = shallowRef<DensityResult | null>(null)
  const error = ref<string | null>(null)
  let token = 0
  let lastKey = ''

  const range = computed<SeqRange>(() => zoom.value ?? { from: 0, to: Math.max(1, session.lastSeq) })

  /** Fetches the density for the current range with `buckets` columns (no-op if cached). */
  async function load(buckets: number): Promise<void> {
    const sid = session.id
    if (!sid || buckets < 1) return
    const { from, to } = range.value
    const n = Math.min(8192, Math.max(1, Math.floor(buckets)))
    const key = `${sid}:${from}:${to}:${n}`
    if (key === lastKey && density.value) return
    lastKey = key
    const t = ++token
    const r = await lab().density({ session: sid, buckets: n, from, to })
    if (t !== token) return
    if (r.ok) {
      density.value = r.value
      error.value = null
    } else {
      error.value = r.error
      lastKey = ''
    }
  }

  /** Zooms into [from, to] (at least 16 seqs wide, inside the session). */
  function zoomTo(from: number, to: number): void {
    const last = Math.max(1, session.lastSeq)
    let a = Math.max(0, Math.min(from, to))
    let b = Math.min(last, Math.max(from, to))
    if (b - a < 16) {
      const mid = (a + b) / 2
      a = Math.max(0, Math.floor(mid - 8))
      b = Math.min(last, a + 16)
    }
    zoom.value = a <= 0 && b >= last ? null : { from: Math.round(a), to: Math.round(b) }
  }

  /** Zooms by `factor` (< 1 in, > 1 out) around seq `at`. */
  function zoomBy(factor: number, at: number): void {
    const { from, to } = range.value
    const width = (to - from) * factor
    const t = (at - from) / Math.max(1, to - from)
    zoomTo(at - width * t, at + width * (1 - t))
  }

  function resetZoom(): void {
    zoom.value = null
  }

  /** Forgets the cache (a new session, or a bookmark was added). */
  function invalidate(): void {
    lastKey = ''
  }

  function clear(): void {
    zoom.value = null
    density.value = null
    lastKey = ''
    token++
  }

  return { zoom, density, error, range, load, zoomTo, zoomBy, resetZoom, invalidate, clear }
})
