/**
 * useWatchStore: the watches of the open session (kept in its file, like bookmarks), and the
 * continue (F8) / reverse-continue (Shift+F8) to the nearest moment one of them changes or holds.
 *
 * A continue is one findWatch request with a search id: while it runs, watchProgress events say
 * how far it got (the progress bar), and cancel() stops it (Esc). When it lands, the cursor
 * jumps there (a jump: Alt+Left comes back) and says which watches fired.
 */
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { SavedWatch, Watch } from '../../../electron/api/contract'
import { eventsReady, lab, pendingRequests } from '../api/lab'
import { useCursorStore } from './cursor'
import { useSessionStore } from './session'

/** A continue under way. */
export interface RunningContinue {
  search: string
  direction: 'next' | 'prev'
  /** 0..1 of the range searched. */
  fraction: number
}

let searches = 0

export const useWatchStore = defineStore('watches', () => {
  const session = useSessionStore()
  const cursor = useCursorStore()
  const items = shallowRef<SavedWatch[]>([])
  const error = ref<string | null>(null)
  const running = ref<RunningContinue | null>(null)
  /** The last continue that landed: where, and the watches that fired there. */
  const lastHit = ref<{ seq: number; ids: number[] } | null>(null)
  const enabled = computed(() => items.value.filter((w) => w.enabled))

  async function load(): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().listWatches({ session: sid })
    if (session.id !== sid) return
    if (r.ok) items.value = r.value
    else error.value = r.error
  }

  /** Saves a watch in the session file; null (and `error` set) if the Node side refused it. */
  async function add(watch: Watch): Promise<SavedWatch | null> {
    const sid = session.id
    if (!sid) return null
    const r = await lab().addWatch({ session: sid, watch })
    if (!r.ok) {
      error.value = r.error
      return null
    }
    error.value = null
    items.value = [...items.value, r.value]
    return r.value
  }

  async function remove(id: number): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().removeWatch({ session: sid, id })
    if (!r.ok) error.value = r.error
    items.value = items.value.filter((w) => w.id !== id)
  }

  async function setEnabled(id: number, on: boolean): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().setWatchEnabled({ session: sid, id, enabled: on })
    if (!r.ok) {
      error.value = r.error
      return
    }
    items.value = items.value.map((w) => (w.id === id ? { ...w, enabled: on } : w))
  }

  /** Continues from the cursor to the nearest change of an enabled watch (`prev`: backward). */
  async function continueTo(direction: 'next' | 'prev'): Promise<void> {
    const sid = session.id
    if (!sid || running.value) return
    const list = enabled.value
    if (list.length === 0) {
      cursor.notice = items.value.length ? 'every watch is disabled: tick one in the Watches tab' : 'no watch yet: add one in the Watches tab'
      return
    }
    const search = `c${Date.now().toString(36)}${++searches}`
    const run: RunningContinue = { search, direction, fraction: 0 }
    running.value = run
    // the whole continue counts as pending work (the idle signal), waiting for the event stream too
    pendingRequests.value++
    const client = lab()
    const off = client.on('watchProgress', (e) => {
      if (e.search === search && running.value) running.value = { ...running.value, fraction: e.fraction }
    })
    try {
      await eventsReady()
      const from = cursor.seq
      const r = await client.findWatch({ session: sid, watches: list.map((w) => w.watch), from, direction, search })
      if (session.id !== sid) return
      if (!r.ok) {
        error.value = r.error
        cursor.notice = 'the continue failed: see the Watches tab'
        return
      }
      error.value = null
      const { seq, hits, done, reached } = r.value
      const where = direction === 'next' ? 'after' : 'before'
      if (!done) {
        cursor.notice = `continue cancelled (searched up to seq ${reached.toLocaleString('en-US')})`
        return
      }
      if (seq === null) {
        cursor.notice = `no watch changes ${where} seq ${from.toLocaleString('en-US')}`
        return
      }
      const fired = hits.map((i) => list[i]!).filter(Boolean)
      lastHit.value = { seq, ids: fired.map((w) => w.id) }
      await cursor.goTo(seq)
      cursor.notice = `watch: ${fired.map((w) => w.label).join('; ')}`
    } finally {
      off()
      if (running.value?.search === search) running.value = null
      pendingRequests.value--
    }
  }

  /** Stops the continue under way. */
  function cancel(): void {
    const r = running.value
    if (r) void lab().cancelWatchFind({ search: r.search })
  }

  function clear(): void {
    items.value = []
    error.value = null
    lastHit.value = null
  }

  return { items, error, running, lastHit, enabled, load, add, remove, setEnabled, continueTo, cancel, clear }
})
