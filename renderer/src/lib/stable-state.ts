/**
 * Structural sharing between two states shown one after the other: the new state's vCPUs and
 * shadow pages that equal the previous state's ARE the previous objects. A step changes one
 * vCPU (or none) and a few pages, so the views memoized on these objects (VcpuGrid's cards)
 * re-render only what changed, and identity comparisons (state-diff.ts) skip the rest.
 */
import type { ShadowPageView, SlotView, StateView, VcpuView } from '../../../electron/api/contract'

const sameSlot = (a: SlotView, b: SlotView): boolean => a.pgd === b.pgd && a.hpa === b.hpa && a.sp === b.sp

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function sameVcpu(a: VcpuView, b: VcpuView): boolean {
  if (a.id !== b.id || a.in_guest !== b.in_guest || a.cr3 !== b.cr3 || !sameSlot(a.root, b.root)) return false
  if (a.prev_roots.length !== b.prev_roots.length || !sameList(a.requests, b.requests)) return false
  for (let i = 0; i < a.prev_roots.length; i++) if (!sameSlot(a.prev_roots[i]!, b.prev_roots[i]!)) return false
  return true
}

function samePage(a: ShadowPageView, b: ShadowPageView): boolean {
  return a.sp === b.sp && a.gfn === b.gfn && a.level === b.level && a.root_count === b.root_count && a.invalid === b.invalid &&
    a.obsolete === b.obsolete && a.mmu_valid_gen === b.mmu_valid_gen && a.write_flooding_count === b.write_flooding_count &&
    a.unsync === b.unsync && a.active === b.active && sameList(a.held_by, b.held_by)
}

/** `next`, with every vCPU and shadow page that equals `prev`'s replaced by `prev`'s object. */
export function shareUnchanged<T extends StateView>(prev: StateView | null, next: T): T {
  if (!prev) return next
  const vcpus = next.vcpus.map((v, i) => {
    const p = prev.vcpus[i]
    return p && sameVcpu(p, v) ? p : v
  })
  const before = new Map<number, ShadowPageView>()
  for (const p of prev.shadow_pages) before.set(p.sp, p)
  const shadow_pages = next.shadow_pages.map((p) => {
    const q = before.get(p.sp)
    return q && samePage(q, p) ? q : p
  })
  return { ...next, vcpus, shadow_pages }
}
