/**
 * useKernelStore: the kernel trace's events of the open session (sessions made by `rootlab
 * import` / `rootlab capture`), loaded when a session opens: the summary (null: the session has
 * none, and nothing else is asked), every event for the timeline's kernel lane, and the seq span
 * of every op group (from the operations request). The inspector asks for one group's events
 * itself.
 */
import { defineStore } from 'pinia'
import { computed, shallowRef, watch } from 'vue'
import type { KernelEventRow, KernelSummary } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { groupSpans, type OpSeqs, type SeqSpan } from '../lib/kernel-track'
import { useSessionStore } from './session'

/** Page size of the operations request (its maximum). */
const OPS_PAGE = 10_000
/** At most this many events are drawn (the contract's largest page). */
const EVENTS_MAX = 100_000

export const useKernelStore = defineStore('kernel', () => {
  const session = useSessionStore()
  const summary = shallowRef<KernelSummary | null>(null)
  const events = shallowRef<KernelEventRow[]>([])
  const ops = shallowRef<OpSeqs>({ first: [], last: [] })
  const error = shallowRef<string | null>(null)
  let token = 0

  const present = computed(() => summary.value !== null)
  const groups = computed(() => summary.value?.op_groups ?? [])
  const spans = computed<Map<number, SeqSpan>>(() => groupSpans(groups.value, ops.value, session.lastSeq))

  function clear(): void {
    token++
    summary.value = null
    events.value = []
    ops.value = { first: [], last: [] }
    error.value = null
  }

  async function load(sid: string): Promise<void> {
    const my = ++token
    const client = lab()
    const s = await client.kernelSummary({ session: sid })
    if (my !== token) return
    if (!s.ok) {
      error.value = s.error
      return
    }
    if (!s.value) return
    const first: number[] = []
    const last: number[] = []
    const [ev] = await Promise.all([
      client.kernelEvents({ session: sid, limit: EVENTS_MAX }),
      (async () => {
        for (;;) {
          const r = await client.operations({ session: sid, from: first.length, limit: OPS_PAGE })
          if (!r.ok || my !== token) return
          for (const o of r.value) {
            first.push(o.first_seq)
            last.push(o.last_seq)
          }
          if (r.value.length < OPS_PAGE) return
        }
      })(),
    ])
    if (my !== token) return
    if (!ev.ok) error.value = ev.error
    events.value = ev.ok ? ev.value : []
    ops.value = { first, last }
    summary.value = s.value
  }

  watch(() => session.id, (id) => {
    clear()
    if (id) void load(id)
  }, { immediate: true })

  return { summary, events, ops, error, present, groups, spans }
})
