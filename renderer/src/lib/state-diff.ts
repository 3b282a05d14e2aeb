/**
 * The difference between two adjacent moments, computed in the renderer from the two StateViews
 * it already has (stepping forward), so the common step does not ask the Node side for a diff.
 * Paths use the diff request's format: "vcpus[1].prev_roots[0].sp", "shadow_pages[8].invalid",
 * "stats.mmu_shadow_zapped"; a page that appears or disappears is "shadow_pages[N]".
 *
 * A view may list only the root pages (stateAt `pages: 'roots'`, marked by shadow_pages_scope):
 * pages are then compared within that scope, so a page is never reported as gone just because
 * the other view did not list it. When that cannot be told apart from a real change (a page
 * outside the root level entering or leaving the scope, or a view without pages), diffStates
 * answers null and the caller asks the Node side's diff instead.
 */
import type { StateDiffEntry } from '../../../electron/api/contract'
import type { ShadowPageView, SlotView, StateView } from '../../../electron/api/contract'

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i])
  return false
}

function record(out: StateDiffEntry[], base: string, a: Record<string, unknown>, b: Record<string, unknown>): void {
  // keys of a, then those only in b (no Set: this runs for each of ~1,000 shadow pages a step)
  for (const k in a) if (!same(a[k], b[k])) out.push({ path: `${base}${k}`, before: a[k], after: b[k] })
  for (const k in b) if (!(k in a) && !same(a[k], b[k])) out.push({ path: `${base}${k}`, before: a[k], after: b[k] })
}

function slot(out: StateDiffEntry[], base: string, a: SlotView, b: SlotView): void {
  record(out, `${base}.`, a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>)
}

/** What changed from state `a` to state `b`; null when their page lists cannot be compared. */
export function diffStates(a: StateView, b: StateView): StateDiffEntry[] | null {
  const sa = a.shadow_pages_scope ?? 'all'
  const sb = b.shadow_pages_scope ?? 'all'
  if (sa === 'none' || sb === 'none') return null
  const scoped = sa === 'roots' || sb === 'roots'
  const pagesA = scoped && sa === 'all' ? a.shadow_pages.filter((p) => p.in_roots_scope) : a.shadow_pages
  const pagesB = scoped && sb === 'all' ? b.shadow_pages.filter((p) => p.in_roots_scope) : b.shadow_pages
  // in the roots scope, a page of the root level is listed for as long as it exists; any other
  // page only while a slot holds it, so its (dis)appearance may be the scope's, not the page's
  const unsure = (p: ShadowPageView): boolean => scoped && p.level !== b.root_level
  const out: StateDiffEntry[] = []
  for (const k of ['mmu_valid_gen', 'n_used_mmu_pages', 'n_max_mmu_pages', 'findings'] as const) {
    if (a[k] !== b[k]) out.push({ path: k, before: a[k], after: b[k] })
  }
  for (let i = 0; i < Math.max(a.vcpus.length, b.vcpus.length); i++) {
    const va = a.vcpus[i]
    const vb = b.vcpus[i]
    if (!va || !vb) continue
    const base = `vcpus[${i}]`
    if (va.in_guest !== vb.in_guest) out.push({ path: `${base}.in_guest`, before: va.in_guest, after: vb.in_guest })
    if (va.cr3 !== vb.cr3) out.push({ path: `${base}.cr3`, before: va.cr3, after: vb.cr3 })
    slot(out, `${base}.root`, va.root, vb.root)
    va.prev_roots.forEach((r, j) => { if (vb.prev_roots[j]) slot(out, `${base}.prev_roots[${j}]`, r, vb.prev_roots[j]!) })
    if (!same(va.requests, vb.requests)) out.push({ path: `${base}.requests`, before: va.requests, after: vb.requests })
  }
  const pa = new Map<number, ShadowPageView>(pagesA.map((p) => [p.sp, p]))
  for (const p of pagesB) {
    const q = pa.get(p.sp)
    pa.delete(p.sp)
    if (!q) {
      if (unsure(p)) return null
      out.push({ path: `shadow_pages[${p.sp}]`, before: null, after: p })
    } else if (q !== p) record(out, `shadow_pages[${p.sp}].`, q as unknown as Record<string, unknown>, p as unknown as Record<string, unknown>)
  }
  for (const q of pa.values()) {
    if (unsure(q)) return null
    out.push({ path: `shadow_pages[${q.sp}]`, before: q, after: null })
  }
  record(out, 'stats.', a.stats as unknown as Record<string, unknown>, b.stats as unknown as Record<string, unknown>)
  record(out, 'counters.', a.counters as unknown as Record<string, unknown>, b.counters as unknown as Record<string, unknown>)
  return out
}
