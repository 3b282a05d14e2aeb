/**
 * The kernel trace's events of the op group an operation belongs to, paired with the model's
 * transitions of the compared kinds in that group's seq span (lib/kernel-track.ts pairEvents),
 * loaded when the operation's group changes. Shared by the inspector's "Kernel vs model" and the
 * kernel comparison view.
 */
import { computed, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue'
import type { KernelEventRow, KernelGroupRow, TransitionRow } from '../../../electron/api/contract'
import { lab } from '../api/lab'
import { useKernelStore } from '../stores/kernel'
import { useSessionStore } from '../stores/session'
import { COMPARED_KINDS, groupOfOp, pairEvents, type ComparedPair, type SeqSpan } from './kernel-track'

export interface KernelPairs {
  group: ComputedRef<KernelGroupRow | null>
  span: ComputedRef<SeqSpan | null>
  /** The group's pairs (null while loading or without a group). */
  pairs: ComputedRef<ComparedPair[] | null>
  error: ShallowRef<string | null>
}

export function useKernelPairs(op: Ref<number | null>): KernelPairs {
  const kernel = useKernelStore()
  const session = useSessionStore()
  const group = computed(() => (op.value === null ? null : groupOfOp(kernel.groups, op.value)))
  const span = computed(() => (group.value ? kernel.spans.get(group.value.op_group) ?? null : null))
  const loaded = shallowRef<{ key: string; kernel: KernelEventRow[]; model: TransitionRow[] } | null>(null)
  const error = shallowRef<string | null>(null)
  let token = 0
  const key = computed(() => (session.id && group.value && span.value ? `${session.id}:${group.value.op_group}:${span.value.from}:${span.value.to}` : ''))

  watch(key, async (k) => {
    const my = ++token
    error.value = null
    const sid = session.id
    const g = group.value
    const s = span.value
    if (!k || !sid || !g || !s || g.op_first === null) {
      loaded.value = null
      return
    }
    const client = lab()
    const [ke, mt] = await Promise.all([
      client.kernelEvents({ session: sid, fromOp: g.op_first, toOp: g.op_first }),
      s.to >= s.from
        ? client.transitions({ session: sid, from: s.from, to: s.to, kinds: [...COMPARED_KINDS], limit: 10_000 })
        : Promise.resolve({ ok: true as const, value: [] as TransitionRow[] }),
    ])
    if (my !== token) return
    if (!ke.ok || !mt.ok) {
      error.value = !ke.ok ? ke.error : mt.ok ? null : mt.error
      loaded.value = null
      return
    }
    loaded.value = { key: k, kernel: ke.value.filter((e) => e.op_group === g.op_group), model: mt.value }
  }, { immediate: true })

  const pairs = computed(() => (loaded.value && loaded.value.key === key.value ? pairEvents(loaded.value.kernel, loaded.value.model) : null))
  return { group, span, pairs, error }
}
