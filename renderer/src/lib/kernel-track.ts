/**
 * The kernel's events beside the model's (sessions made by `rootlab import` / `rootlab capture`):
 * where each op group lies in seq, the timeline's kernel lane (events per pixel column, coloured
 * by agreement), and the field-by-field pairing of a group's kernel events with the model's.
 * Pure functions; the store and the components hold the data.
 *
 * Kernel rows are keyed by op group and op index, never by seq (kernel-events-store.ts): a group
 * covers the session ops op_first..op_last, so it lies at seqs first_seq(op_first)..
 * last_seq(op_last). An event sits at the model transition it equals (model_seq) or, without
 * one, at the end of its group; the teardown (op group -1) happens after the last transition.
 */
import type { KernelAgreement, KernelEventRow, KernelGroupRow, TransitionRow } from '../../../electron/api/contract'

/** Classifications, mildest first (a column shows the worst of its events and groups). */
export const AGREEMENTS: readonly KernelAgreement[] = ['agree', 'host-difference', 'disagree']

export const AGREEMENT_TEXT: Record<KernelAgreement, string> = {
  agree: 'agree', 'host-difference': 'host difference', disagree: 'disagree',
}

/** The model transition kinds the comparator holds against the kernel's events. */
export const COMPARED_KINDS = ['kvm_mmu_get_page', 'kvm_mmu_prepare_zap_page', 'kvm_mmu_zap_all_fast'] as const

/** An op group's seq range (both inclusive; `to` < `from` when it made no transition). */
export interface SeqSpan {
  from: number
  to: number
}

/** first_seq / last_seq of every op, by op index (from the operations request). */
export interface OpSeqs {
  first: number[]
  last: number[]
}

/** The seq span of every op group (the teardown: the end of the session). */
export function groupSpans(groups: readonly KernelGroupRow[], ops: OpSeqs, lastSeq: number): Map<number, SeqSpan> {
  const out = new Map<number, SeqSpan>()
  for (const g of groups) {
    if (g.op_group < 0 || g.op_first === null || g.op_last === null) {
      out.set(g.op_group, { from: lastSeq, to: lastSeq })
      continue
    }
    const from = ops.first[g.op_first]
    const to = ops.last[g.op_last]
    if (from === undefined || to === undefined) continue
    out.set(g.op_group, { from, to })
  }
  return out
}

/** The op group of session op `op`, or null. */
export function groupOfOp(groups: readonly KernelGroupRow[], op: number): KernelGroupRow | null {
  return groups.find((g) => g.op_first !== null && g.op_last !== null && g.op_first <= op && op <= g.op_last) ?? null
}

/** Where an event sits on the timeline. */
export function eventSeq(e: KernelEventRow, spans: Map<number, SeqSpan>, lastSeq: number): number {
  if (e.model_seq !== null) return e.model_seq
  const s = spans.get(e.op_group)
  return s ? Math.max(s.from, s.to) : lastSeq
}

/** One column of the kernel lane. */
export interface KernelBucket {
  /** Kernel events per agreement. */
  counts: Record<KernelAgreement, number>
  /** The worst classification of its events and of the groups ending in it. */
  worst: KernelAgreement
  /** Op groups with an event, or ending, in the column. */
  groups: number[]
  /** The first seq of an event in the column (where a click goes). */
  seq: number
}

const rank = (a: KernelAgreement): number => AGREEMENTS.indexOf(a)

/**
 * Kernel events per column over [from, to] in `n` columns. A group that differs from the model
 * also marks the column where it ends, even with no kernel event (the model expected one).
 */
export function kernelBuckets(
  events: readonly KernelEventRow[], groups: readonly KernelGroupRow[], spans: Map<number, SeqSpan>,
  from: number, to: number, n: number, lastSeq: number,
): (KernelBucket | null)[] {
  const out: (KernelBucket | null)[] = new Array<KernelBucket | null>(n).fill(null)
  const width = Math.max(1, to - from)
  const at = (seq: number): number | null => {
    if (seq < from || seq > to) return null
    return Math.min(n - 1, Math.floor(((seq - from) / width) * n))
  }
  const bucket = (i: number, seq: number): KernelBucket => {
    let b = out[i]
    if (!b) {
      b = { counts: { agree: 0, 'host-difference': 0, disagree: 0 }, worst: 'agree', groups: [], seq }
      out[i] = b
    }
    return b
  }
  for (const e of events) {
    const seq = eventSeq(e, spans, lastSeq)
    const i = at(seq)
    if (i === null) continue
    const b = bucket(i, seq)
    b.counts[e.agreement]++
    b.seq = Math.min(b.seq, seq)
    if (rank(e.agreement) > rank(b.worst)) b.worst = e.agreement
    if (!b.groups.includes(e.op_group)) b.groups.push(e.op_group)
  }
  for (const g of groups) {
    if (g.classification === 'agree') continue
    const s = spans.get(g.op_group)
    if (!s) continue
    const seq = Math.max(s.from, s.to)
    const i = at(seq)
    if (i === null) continue
    const b = bucket(i, seq)
    if (rank(g.classification) > rank(b.worst)) b.worst = g.classification
    if (!b.groups.includes(g.op_group)) b.groups.push(g.op_group)
  }
  return out
}

/** Colours of the lane (read from the CSS theme). */
export interface KernelPalette {
  bg: string
  grid: string
  cursor: string
  agreement: Record<KernelAgreement, string>
}

/** Draws the lane: one block per non-empty column, coloured by its worst classification, and the cursor. */
export function drawKernelLane(
  ctx: CanvasRenderingContext2D, buckets: readonly (KernelBucket | null)[],
  f: { width: number; height: number; dpr: number; cursorX: number | null }, pal: KernelPalette,
): void {
  const { width: w, height: h, dpr } = f
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = pal.bg
  ctx.fillRect(0, 0, w, h)
  ctx.fillStyle = pal.grid
  ctx.fillRect(0, Math.floor(h / 2), w, 1)
  const colW = w / Math.max(1, buckets.length)
  for (let i = 0; i < buckets.length; i++) {
    const b = buckets[i]
    if (!b) continue
    const events = b.counts.agree + b.counts['host-difference'] + b.counts.disagree
    ctx.fillStyle = pal.agreement[b.worst]
    // A group that differs with no kernel event in the column: a half-height block.
    const bh = events > 0 ? h - 2 : Math.ceil(h / 2)
    ctx.fillRect(Math.floor(i * colW), h - 1 - bh, Math.max(2, Math.ceil(colW)), bh)
  }
  if (f.cursorX !== null) {
    ctx.fillStyle = pal.cursor
    ctx.fillRect(Math.round(f.cursorX) - 0.5, 0, 2, h)
  }
}

/** A compared event, kernel's or model's, in the comparator's terms: the kernel row's compared fields. */
export type ComparedEvent = Pick<KernelEventRow, 'kind' | 'gfn' | 'level' | 'gen' | 'root_count' | 'invalid' | 'created'>

/** The fields compared, in the order shown. */
export const COMPARED_FIELDS = ['kind', 'gfn', 'level', 'gen', 'root_count', 'invalid', 'created'] as const
export type ComparedField = (typeof COMPARED_FIELDS)[number]

/** A model transition as the comparator sees it (model-runner.ts modelEvent()). */
export function modelCompared(t: TransitionRow): ComparedEvent {
  const num = (k: string): number => (typeof t[k] === 'number' ? (t[k] as number) : 0)
  if (t.kind === 'kvm_mmu_zap_all_fast') {
    return { kind: t.kind, gfn: 0, level: 0, gen: num('mmu_valid_gen'), root_count: 0, invalid: false, created: null }
  }
  return {
    kind: t.kind, gfn: num('gfn'), level: num('level'), gen: num('mmu_valid_gen'), root_count: num('root_count'),
    invalid: t.invalid === true, created: t.kind === 'kvm_mmu_get_page' ? t.created === true : null,
  }
}

/** A kernel event as the comparator sees it. */
export function kernelCompared(e: KernelEventRow): ComparedEvent {
  return { kind: e.kind, gfn: e.gfn, level: e.level, gen: e.gen, root_count: e.root_count, invalid: e.invalid, created: e.created }
}

/** One kernel event beside the model event in the same position of the group. */
export interface ComparedPair {
  index: number
  kernel: KernelEventRow | null
  model: TransitionRow | null
  /** Field by field: kernel value, model value, differs. */
  fields: { name: ComparedField; kernel: string; model: string; differs: boolean }[]
  differs: boolean
}

/** A compared value as the tracepoint prints it. */
export function comparedValue(name: ComparedField, v: ComparedEvent | null): string {
  if (!v) return '—'
  const x = v[name]
  if (x === null) return '—'
  if (name === 'gfn' && typeof x === 'number') return '0x' + x.toString(16)
  if (name === 'created') return x ? 'new' : 'existing'
  return String(x)
}

/** Pairs a group's kernel events with its model events, in order, event for event (as the comparator does). */
export function pairEvents(kernel: readonly KernelEventRow[], model: readonly TransitionRow[]): ComparedPair[] {
  const n = Math.max(kernel.length, model.length)
  const out: ComparedPair[] = []
  for (let i = 0; i < n; i++) {
    const k = kernel[i] ?? null
    const m = model[i] ?? null
    const kc = k ? kernelCompared(k) : null
    const mc = m ? modelCompared(m) : null
    const fields = COMPARED_FIELDS.map((name) => {
      const kv = comparedValue(name, kc)
      const mv = comparedValue(name, mc)
      return { name, kernel: kv, model: mv, differs: kv !== mv }
    })
    out.push({ index: i, kernel: k, model: m, fields, differs: fields.some((f) => f.differs) })
  }
  return out
}

/** Why a group is classified as it is (docs/real-kvm.md, "Classification" and "Host differences"). */
export function classificationText(g: KernelGroupRow, hostCause: string | null): string {
  switch (g.classification) {
    case 'agree':
      return 'The kernel\'s events equal the model\'s (free-obsolete: v5.18 + fix cf4a8693d97a), event for event: kind, gfn, level, generation, root_count, invalid, created.'
    case 'host-difference':
      return `The kernel differs from the model (upstream semantics), and a documented host profile reproduces the kernel exactly up to this op: ${hostCause || 'see docs/real-kvm.md, "Host differences"'}. A difference of the traced host kernel, not a model bug (docs/real-kvm.md, "Host differences").`
    case 'disagree':
      return `The kernel differs from the model${g.first_diff !== null ? ` from event #${g.first_diff + 1} of the op` : ''} and no documented host difference explains it: a model bug or an undocumented kernel difference.`
  }
}
