/**
 * useCauseStore: the cause chain of the transition at the cursor ("this free ← this request ←
 * this zap ← this pt_write", inspector/cause-chain.ts) and the operation behind it, shared by the
 * inspector's "Caused by" and the arrows the vCPU lanes draw.
 *
 * Walked once the cursor rests (200 ms; 400 ms while scrubbing or playing), so stepping quickly
 * does not walk a chain per step; an older walk never replaces a newer one.
 */
import { defineStore } from 'pinia'
import { shallowRef, watch } from 'vue'
import type { TransitionRow } from '../../../electron/api/contract'
import type { Op } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { causeChain, type CauseSource } from '../inspector/cause-chain'
import { useCursorStore } from './cursor'
import { useSessionStore } from './session'

function source(sid: string): CauseSource {
  const client = lab()
  return {
    async before(seq, n) {
      if (seq <= 1) return []
      const r = await client.transitions({ session: sid, from: Math.max(1, seq - n), to: seq - 1, limit: Math.min(n, 10_000) })
      return r.ok ? r.value : []
    },
    async findPrev(seq, kind) {
      const r = await client.findTransition({ session: sid, from: seq, direction: 'prev', target: { kind } })
      return r.ok ? r.value : null
    },
  }
}

export const useCauseStore = defineStore('cause', () => {
  const session = useSessionStore()
  const cursor = useCursorStore()
  /** The transition whose chain this is, or null. */
  const of = shallowRef<TransitionRow | null>(null)
  /** Its causes, nearest first (the transition itself not included). */
  const chain = shallowRef<TransitionRow[]>([])
  /** The operation the chain starts from, when known. */
  const op = shallowRef<Op | null>(null)
  let token = 0
  let timer: ReturnType<typeof setTimeout> | null = null

  async function build(t: TransitionRow): Promise<void> {
    const sid = session.id
    if (!sid) return
    const my = ++token
    const [c, ops] = await Promise.all([
      causeChain(t, source(sid)),
      lab().operations({ session: sid, from: t.op, limit: 1 }),
    ])
    if (my !== token) return
    const last = c[c.length - 1]!
    let o: Op | null = null
    if (last.op === t.op && ops.ok) o = ops.value[0]?.op ?? null
    else if (last.op !== t.op) {
      const r = await lab().operations({ session: sid, from: last.op, limit: 1 })
      if (my !== token) return
      if (r.ok) o = r.value[0]?.op ?? null
    }
    of.value = t
    chain.value = c.slice(1)
    op.value = o
  }

  watch(() => cursor.current, (t) => {
    if (timer) clearTimeout(timer)
    token++
    of.value = t
    chain.value = []
    op.value = null
    if (!t) return
    timer = setTimeout(() => void build(t), cursor.scrubbing || cursor.playing ? 400 : 200)
  }, { immediate: true })

  return { of, chain, op }
})
