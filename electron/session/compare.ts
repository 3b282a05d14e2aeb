/**
 * Comparing two sessions recorded from the same operations under different policies.
 *
 * Alignment is by operation index: op i of A and op i of B are the same guest operation, so the
 * states "after op i" are compared. Shadow-page ids cannot be compared once the runs diverge
 * (each run numbers its pages in allocation order), so states are compared in a canonical form
 * without ids:
 *   - per vCPU, each of root and prev_roots[0..2]: INVALID, or (pgd, the root page's gfn,
 *     invalid, obsolete);
 *   - the multiset of shadow pages as (gfn, level, root_count, invalid, obsolete).
 * Requests, in_guest, counters and stats are not part of it (the policies use different
 * requests by design; stats are reported as deltas instead).
 *
 * Cost: while both runs produce identical transitions their states are identical, so that
 * prefix is skipped by comparing chunk blobs byte for byte; from the first differing chunk,
 * both runs are replayed op by op and compared in canonical form after every op whose
 * transitions differ (or every op once they have differed).
 *
 * Inside the first diverging operation, the transition whose effect differs is found by
 * replaying its transitions of A and B and matching their effects (firstDifferingTransition):
 * with a fixed and a v5.18.0 kernel that is the mmu_free_root_page of the obsolete prev root that
 * only the fixed kernel frees.
 */
import type { CompareResult, CompareSummary } from './results'
import { apply_transition } from '../../sim/apply'
import { canonicalLine } from './canonical'
import { clone_kvm, is_obsolete_sp, to_shadow_page } from '../../sim/state'
import type { Transition } from '../../sim/transitions'
import type { kvm, Op } from '../../sim/types'
import { SessionError } from './errors'
import type { Session } from './session'

/** The canonical form of a state (see the file comment), as a string. */
export function canonicalState(k: kvm): string {
  const parts: string[] = []
  for (const v of k.vcpus) {
    const mmu = v.root_mmu
    for (const r of [mmu.root, ...mmu.prev_roots]) {
      const sp = to_shadow_page(k, r.hpa)
      parts.push(sp ? `${r.pgd}/${sp.gfn}/${+sp.role.invalid}/${+is_obsolete_sp(k, sp)}` : '-')
    }
    parts.push('|')
  }
  const pages = Object.values(k.mmu_pages).map((p) => `${p.gfn}/${p.role.level}/${p.root_count}/${+p.role.invalid}/${+is_obsolete_sp(k, p)}`)
  pages.sort()
  return parts.join(',') + '#' + pages.join(',')
}

function opKey(op: Op): string {
  return JSON.stringify(op)
}

const MAX_OP_END_SEQ = 100_000

function summary(s: Session): CompareSummary {
  const f = s.finalSummary()
  return { session: s.path, policy: s.policy, transitions: s.total, stats: f.stats, counters: f.counters, findings: f.findings }
}

/** Transitions of one op: seqs (prevEnd, end]. */
function opTransitions(s: Session, prevEnd: number, end: number): Transition[] {
  const out: Transition[] = []
  if (end > prevEnd) for (const t of s.store.range(prevEnd + 1, end)) out.push(t)
  return out
}

function sameTransitions(a: Transition[], b: Transition[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (canonicalLine(a[i]!) !== canonicalLine(b[i]!)) return false
  return true
}

/** The canonical form's parts: each root slot, and the multiset of pages (part -> count). */
function canonicalParts(k: kvm): { slots: string[]; pages: Map<string, number> } {
  const slots: string[] = []
  for (const v of k.vcpus) {
    const mmu = v.root_mmu
    for (const r of [mmu.root, ...mmu.prev_roots]) {
      const sp = to_shadow_page(k, r.hpa)
      slots.push(sp ? `${r.pgd}/${sp.gfn}/${+sp.role.invalid}/${+is_obsolete_sp(k, sp)}` : '-')
    }
  }
  const pages = new Map<string, number>()
  for (const id in k.mmu_pages) {
    const p = k.mmu_pages[id]!
    const key = `${p.gfn}/${p.role.level}/${p.root_count}/${+p.role.invalid}/${+is_obsolete_sp(k, p)}`
    pages.set(key, (pages.get(key) ?? 0) + 1)
  }
  return { slots, pages }
}

/** What a transition did to the canonical form, as a string ('' = nothing). */
function effectOf(before: ReturnType<typeof canonicalParts>, after: ReturnType<typeof canonicalParts>): string {
  const out: string[] = []
  for (let i = 0; i < after.slots.length; i++) if (before.slots[i] !== after.slots[i]) out.push(`slot${i}:${before.slots[i]}>${after.slots[i]}`)
  for (const [key, n] of after.pages) if ((before.pages.get(key) ?? 0) !== n) out.push(`page${key}:${before.pages.get(key) ?? 0}>${n}`)
  for (const [key, n] of before.pages) if (!after.pages.has(key)) out.push(`page${key}:${n}>0`)
  return out.sort().join(' ')
}

/**
 * Where, inside one operation, two runs first do something different. Each side's transitions
 * are replayed over its state (equal in canonical form at the operation's start; both are
 * consumed) and each transition's effect on the canonical form is noted; transitions without
 * one (requests, trace-only kinds) are skipped. The effects are matched in order; the first that
 * the other side never has is the divergence: its transition on that side, and on the other
 * side the last transition before its own next effect (the same point in that run). So "the
 * same thing a transition later" (v5.17's kvm_mmu_unload before the frees) is no difference.
 * `index` counts the effects matched before it.
 */
export function firstDifferingTransition(
  ka: kvm, kb: kvm, ta: readonly Transition[], tb: readonly Transition[],
): { a: number; b: number; index: number } | null {
  const effects = (k: kvm, ts: readonly Transition[]): { seq: number; effect: string }[] => {
    const out: { seq: number; effect: string }[] = []
    let last = canonicalParts(k)
    for (const t of ts) {
      apply_transition(k, t)
      const now = canonicalParts(k)
      const effect = effectOf(last, now)
      if (effect) out.push({ seq: t.seq, effect })
      last = now
    }
    return out
  }
  const ea = effects(ka, ta)
  const eb = effects(kb, tb)
  const end = (ts: readonly Transition[]): number => ts[ts.length - 1]?.seq ?? 0
  /** The last transition before effect i of a side (its end when there is none). */
  const before = (e: { seq: number }[], ts: readonly Transition[], i: number): number => (e[i] ? e[i]!.seq - 1 : end(ts))
  let i = 0
  let j = 0
  while (i < ea.length || j < eb.length) {
    const x = ea[i]
    const y = eb[j]
    if (x && y && x.effect === y.effect) {
      i++
      j++
      continue
    }
    const xLater = x ? eb.slice(j).some((e) => e.effect === x.effect) : true
    const yLater = y ? ea.slice(i).some((e) => e.effect === y.effect) : true
    if (x && !xLater) return { a: x.seq, b: before(eb, tb, j), index: i }
    if (y && !yLater) return { a: before(ea, ta, i), b: y.seq, index: j }
    // both effects happen on the other side later: the order differs here
    return { a: x?.seq ?? end(ta), b: y?.seq ?? end(tb), index: Math.min(i, j) }
  }
  return null
}

export function compareSessions(a: Session, b: Session): CompareResult {
  if (a.vcpus !== b.vcpus) {
    throw new SessionError(`${a.path} and ${b.path} were not recorded from the same operations (${a.vcpus} vs ${b.vcpus} vCPUs)`)
  }
  const ea = a.opEndSeqs()
  const eb = b.opEndSeqs()
  const n = Math.min(ea.length, eb.length)
  // Same operations (over the common prefix, if one recording is incomplete).
  const ia = a.allOperations()
  const ib = b.allOperations()
  try {
    for (let i = 0; i < n; i++) {
      const x = ia.next().value as Op
      const y = ib.next().value as Op
      if (opKey(x) !== opKey(y)) {
        throw new SessionError(`${a.path} and ${b.path} were not recorded from the same operations (op ${i} is ${opKey(x)} vs ${opKey(y)})`)
      }
    }
  } finally {
    // Close the statements: an open iterator keeps its connection busy.
    ia.return(undefined)
    ib.return(undefined)
  }
  const ka = a.stateAt(0)
  const kb = b.stateAt(0)
  if (ka.n_max_mmu_pages !== kb.n_max_mmu_pages) {
    throw new SessionError(`${a.path} and ${b.path} were recorded with different n_max_mmu_pages (${ka.n_max_mmu_pages} vs ${kb.n_max_mmu_pages})`)
  }

  // Skip the identical prefix: equal chunks (same place, same bytes) mean equal transitions.
  const ca = a.store.chunks
  const cb = b.store.chunks
  let same = 0
  while (same < ca.length && same < cb.length) {
    const x = ca[same]!
    const y = cb[same]!
    if (x.firstSeq !== y.firstSeq || x.n !== y.n || x.firstOp !== y.firstOp || x.lastOp !== y.lastOp) break
    if (!a.chunkBytesEqual(b, x.firstSeq)) break
    same++
  }
  const identicalUpTo = same === 0 ? 0 : ca[same - 1]!.firstSeq + ca[same - 1]!.n - 1
  // The last op that ends inside the identical prefix, at the same seq in both.
  let op = -1
  {
    let lo = 0
    let hi = n - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (ea[mid]! <= identicalUpTo && eb[mid]! <= identicalUpTo) {
        op = mid
        lo = mid + 1
      } else hi = mid - 1
    }
  }
  let divergedOp: number | null = null
  let divergedTransition: CompareResult['diverged_at_transition'] = null
  if (op < n - 1) {
    const startA = op < 0 ? 0 : ea[op]!
    const startB = op < 0 ? 0 : eb[op]!
    const sa = a.stateAt(startA)
    const sb = b.stateAt(startB)
    let identical = startA === startB
    for (let i = op + 1; i < n; i++) {
      const ta = opTransitions(a, i === 0 ? 0 : ea[i - 1]!, ea[i]!)
      const tb = opTransitions(b, i === 0 ? 0 : eb[i - 1]!, eb[i]!)
      const same = identical && sameTransitions(ta, tb)
      // the states before this op, kept for locating the transition if this op diverges
      const beforeA = same ? null : clone_kvm(sa)
      const beforeB = same ? null : clone_kvm(sb)
      for (const t of ta) apply_transition(sa, t)
      for (const t of tb) apply_transition(sb, t)
      if (same) continue
      identical = false
      if (canonicalState(sa) !== canonicalState(sb)) {
        divergedOp = i
        divergedTransition = firstDifferingTransition(beforeA!, beforeB!, ta, tb)
        break
      }
    }
  }
  const sumA = summary(a)
  const sumB = summary(b)
  const delta = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries([...new Set([...Object.keys(x), ...Object.keys(y)])].map((key) => [key, (y[key] ?? 0) - (x[key] ?? 0)]))
  return {
    a: sumA,
    b: sumB,
    diverged_at_op: divergedOp,
    diverged_at: divergedOp === null ? null : { a: ea[divergedOp]!, b: eb[divergedOp]! },
    diverged_at_transition: divergedTransition,
    stats_delta: delta(sumA.stats, sumB.stats),
    counters_delta: { ...delta(sumA.counters, sumB.counters), findings: sumB.findings - sumA.findings },
    op_end_seq: { a: ea.slice(0, MAX_OP_END_SEQ), b: eb.slice(0, MAX_OP_END_SEQ) },
  }
}
