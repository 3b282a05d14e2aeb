/**
 * Watchpoints: what a watch names, and what a continue to it answers. Plain types with no
 * imports, so the LabApi contract (and through it the renderer) can take them as they are.
 *
 * A watch "changes" at seq s when the watched value after transition s differs from the value
 * after s - 1 (slot, page, requests), or "holds" at s when transition s matches an SQL
 * expression over `transitions` (where).
 */

/** Fields of a shadow page that can be watched one by one (`sp 8 root_count`). */
export const PAGE_FIELDS = ['root_count', 'invalid', 'obsolete', 'write_flooding_count', 'active', 'exists'] as const
export type PageField = (typeof PAGE_FIELDS)[number]

/** A watch on a value of the model's state. */
export type FieldWatch =
  /** A root slot of a vCPU's root_mmu: slot 0 = root, 1 + i = prev_roots[i]. Its value is {pgd, hpa}. */
  | { type: 'slot'; vcpu: number; slot: number }
  /**
   * A shadow page: one field, or (no field) the whole page: whether it exists, root_count,
   * invalid, obsolete, write_flooding_count, active (on active_mmu_pages) and its child links.
   */
  | { type: 'page'; sp: number; field?: PageField }
  /** The pending requests (vcpu->requests) of a vCPU. */
  | { type: 'requests'; vcpu: number }

/** A condition on transitions: an SQL expression over the `transitions` table's columns. */
export interface WhereWatch {
  type: 'where'
  expr: string
}

export type Watch = FieldWatch | WhereWatch

/** What a (slice of a) continue answers. */
export interface WatchFindResult {
  /** The seq found: the first (forward) or last (backward) change / match; null if none (yet). */
  seq: number | null
  /** Indexes (into the watches asked for) of the watches that changed or matched at `seq`. */
  hits: number[]
  /**
   * How far the search got: every seq between `from` (exclusive) and `reached` (inclusive) was
   * examined. A search stopped by its time budget answers done = false and seq = null; asking
   * again from `reached` goes on where it stopped.
   */
  reached: number
  /** The search is finished: `seq` is the answer (null = no change or match in that direction). */
  done: boolean
}

/** A watch kept in the session file (the `watches` table), like a bookmark. */
export interface SavedWatch {
  id: number
  watch: Watch
  /** The watch as text ("vcpu 2 prev_roots[1]", "sp 8 root_count", "where kind = ..."). */
  label: string
  /** Disabled watches are kept but not continued to. */
  enabled: boolean
  created: string
}

/** One change of a watched value: the transition that made it, and the value before and after, as text. */
export interface FieldChange {
  seq: number
  kind: string
  vcpu: number | null
  before: string
  after: string
}
