/**
 * What changed at a step, as a set of state paths and all their prefixes, so a view can ask
 * "did anything under vcpus[1].prev_roots[0] change?" in O(1).
 *
 * Diff paths look like "vcpus[1].prev_roots[0].sp", "shadow_pages[17].root_count",
 * "stats.mmu_shadow_zapped".
 */
import type { StateDiffEntry } from '../../../electron/api/contract'

/** Every path of `diff` plus each of its prefixes ("vcpus[1]", "vcpus[1].prev_roots[0]", ...). */
export function changedPaths(diff: readonly StateDiffEntry[]): Set<string> {
  const out = new Set<string>()
  for (const { path } of diff) {
    out.add(path)
    for (let i = 1; i < path.length; i++) {
      const c = path[i]
      if (c === '.' || c === '[') out.add(path.slice(0, i))
    }
  }
  return out
}

/** The state path of a root slot: slot 0 = root, 1 + i = prev_roots[i]. */
export function slotPath(vcpu: number, slot: number): string {
  return slot === 0 ? `vcpus[${vcpu}].root` : `vcpus[${vcpu}].prev_roots[${slot - 1}]`
}

/** The name users and KVM give a slot: "current root", "prev_roots[1]". */
export function slotLabel(slot: number): string {
  return slot === 0 ? 'current root' : `prev_roots[${slot - 1}]`
}
