/**
 * Two runs of the same operations, side by side: where B's cursor goes for A's (locked by
 * operation, and inside an operation by position), and what differs between their states at
 * those moments (what the compare view highlights).
 *
 * Operations are aligned by index (op i of A and of B are the same guest operation); ends[i] is
 * the seq at the end of op i (compare().op_end_seq). Inside an operation, A after its j-th
 * transition faces B after its j-th (the shorter side waits at its last), and A at its
 * operation's end faces B at its end: a state compared with a half-done one would differ for
 * nothing.
 */
import type { ShadowPageView, SlotView, StateView } from '../../../electron/api/contract'

/** The operation a seq belongs to (the first whose end is >= seq); -1 for seq 0 or past the list. */
export function opOf(ends: readonly number[], seq: number): number {
  if (seq <= 0) return -1
  let lo = 0
  let hi = ends.length - 1
  let ans = -1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    if (ends[mid]! >= seq) {
      ans = mid
      hi = mid - 1
    } else lo = mid + 1
  }
  return ans
}

/** The seq before op i's first transition (its base), and its last. */
export function opSpan(ends: readonly number[], i: number): { base: number; end: number } {
  return { base: i <= 0 ? 0 : ends[i - 1]!, end: ends[i]! }
}

/**
 * B's seq facing A's `seqA`: the same operation, the same position in it (`offsetB` instead when
 * the user stepped B inside the operation), both operation ends together. `op` is -1 at seq 0.
 */
export function alignB(
  endsA: readonly number[], endsB: readonly number[], seqA: number, offsetB: number | null,
): { op: number; seqB: number; offsetA: number; lenA: number; lenB: number } {
  const op = opOf(endsA, seqA)
  if (op < 0 || op >= endsB.length) return { op, seqB: 0, offsetA: 0, lenA: 0, lenB: 0 }
  const a = opSpan(endsA, op)
  const b = opSpan(endsB, op)
  const lenA = a.end - a.base
  const lenB = b.end - b.base
  const offsetA = seqA - a.base
  const off = offsetB ?? (seqA === a.end ? lenB : offsetA)
  return { op, seqB: b.base + Math.max(0, Math.min(lenB, off)), offsetA, lenA, lenB }
}

/** A slot as the comparison sees it: what it holds, without the run's own sp numbering. */
function slotKey(s: SlotView, pages: ReadonlyMap<number, ShadowPageView>): string {
  if (s.hpa === null || s.sp === null) return 'INVALID_PAGE'
  const p = pages.get(s.sp)
  return p ? `${s.pgd}/${p.gfn}/${p.invalid ? 'invalid' : p.obsolete ? 'obsolete' : 'valid'}` : `${s.pgd}/freed`
}

/**
 * Where the two states differ, as the paths VcpuCard marks: "vcpus[1].in_guest",
 * "vcpus[1].root", "vcpus[1].prev_roots[0]", "vcpus[1].requests.KVM_REQ_..." (a request pending
 * on one side only, marked on that side). Slots are compared as compare.ts compares states:
 * the root's pgd, its page's gfn and state, never the sp id (each run numbers its own pages).
 */
export function stateDifferences(a: StateView, b: StateView): { a: Set<string>; b: Set<string> } {
  const outA = new Set<string>()
  const outB = new Set<string>()
  const pa = new Map(a.shadow_pages.map((p) => [p.sp, p]))
  const pb = new Map(b.shadow_pages.map((p) => [p.sp, p]))
  for (let v = 0; v < Math.min(a.vcpus.length, b.vcpus.length); v++) {
    const va = a.vcpus[v]!
    const vb = b.vcpus[v]!
    const base = `vcpus[${v}]`
    if (va.in_guest !== vb.in_guest) {
      outA.add(`${base}.in_guest`)
      outB.add(`${base}.in_guest`)
    }
    const sa = [va.root, ...va.prev_roots]
    const sb = [vb.root, ...vb.prev_roots]
    for (let s = 0; s < Math.min(sa.length, sb.length); s++) {
      if (slotKey(sa[s]!, pa) === slotKey(sb[s]!, pb)) continue
      const path = s === 0 ? `${base}.root` : `${base}.prev_roots[${s - 1}]`
      outA.add(path)
      outB.add(path)
    }
    for (const r of va.requests) if (!vb.requests.includes(r)) outA.add(`${base}.requests.${r}`)
    for (const r of vb.requests) if (!va.requests.includes(r)) outB.add(`${base}.requests.${r}`)
  }
  return { a: outA, b: outB }
}

/** How many vCPU things differ (slots, requests, guest mode), for the header. */
export function differenceCount(d: { a: Set<string>; b: Set<string> }): number {
  return new Set([...d.a, ...d.b]).size
}
