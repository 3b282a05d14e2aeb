/**
 * The difference between two state views, as a flat list of changed leaves with readable paths:
 * "vcpus[1].prev_roots[0].sp", "shadow_pages[17].root_count" (17 is the sp id, not an array
 * position), "stats.mmu_shadow_zapped". A shadow page that exists on one side only is one entry
 * "shadow_pages[17]" with null on the other side.
 */
import type { StateView } from '../../sim/view'

export interface DiffEntry {
  path: string
  before: unknown
  after: unknown
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function diffValue(path: string, a: unknown, b: unknown, out: DiffEntry[]): void {
  if (a === b) return
  if (Array.isArray(a) && Array.isArray(b)) {
    // Lists of names (requests, held_by) are compared whole: "what changed" reads better.
    if (a.every((x) => typeof x !== 'object') && b.every((x) => typeof x !== 'object')) {
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) out.push({ path, before: a, after: b })
      return
    }
    const n = Math.max(a.length, b.length)
    for (let i = 0; i < n; i++) diffValue(`${path}[${i}]`, a[i] ?? null, b[i] ?? null, out)
    return
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) diffValue(path ? `${path}.${k}` : k, a[k] ?? null, b[k] ?? null, out)
    return
  }
  out.push({ path, before: a, after: b })
}

/** Entries for every leaf that differs between `a` and `b` (seq itself is not reported). */
export function diffViews(a: StateView, b: StateView): DiffEntry[] {
  const out: DiffEntry[] = []
  const { shadow_pages: pa, seq: _sa, ...ra } = a
  const { shadow_pages: pb, seq: _sb, ...rb } = b
  diffValue('', ra, rb, out)
  const ma = new Map(pa.map((p) => [p.sp, p]))
  const mb = new Map(pb.map((p) => [p.sp, p]))
  const ids = [...new Set([...ma.keys(), ...mb.keys()])].sort((x, y) => x - y)
  for (const id of ids) {
    const x = ma.get(id)
    const y = mb.get(id)
    if (!x || !y) out.push({ path: `shadow_pages[${id}]`, before: x ?? null, after: y ?? null })
    else diffValue(`shadow_pages[${id}]`, x, y, out)
  }
  return out
}
