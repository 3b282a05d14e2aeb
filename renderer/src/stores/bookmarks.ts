/**
 * useBookmarkStore: notes at a seq, saved in the session file (and exported with it).
 */
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { Bookmark } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useSessionStore } from './session'

export const useBookmarkStore = defineStore('bookmarks', () => {
  const session = useSessionStore()
  const items = ref<Bookmark[]>([])
  const error = ref<string | null>(null)

  async function load(): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().listBookmarks({ session: sid })
    if (session.id !== sid) return
    if (r.ok) items.value = [...r.value].sort((x, y) => x.seq - y.seq || x.id - y.id)
    else error.value = r.error
  }

  async function add(seq: number, note: string): Promise<Bookmark | null> {
    const sid = session.id
    if (!sid) return null
    const r = await lab().addBookmark({ session: sid, seq, note })
    if (!r.ok) {
      error.value = r.error
      return null
    }
    error.value = null
    await load()
    return r.value
  }

  async function remove(id: number): Promise<void> {
    const sid = session.id
    if (!sid) return
    const r = await lab().removeBookmark({ session: sid, id })
    if (!r.ok) error.value = r.error
    await load()
  }

  function clear(): void {
    items.value = []
    error.value = null
  }

  return { items, error, load, add, remove, clear }
})
