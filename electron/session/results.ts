/**
 * Result types of the session layer. The LabApi contract (electron/api/contract.ts) hands them
 * out unchanged (it imports them from here; this layer knows nothing of the API), adding only
 * the per-process session id to SessionInfo.
 *
 * Units: `seq` numbers transitions from 1 (0 = the initial state); `op` numbers operations from 0.
 */
import type { Policy } from '../../sim/types'

/** The metadata of a session file (LabApi's SessionInfo without the per-process id). */
export interface SessionInfoData {
  path: string
  schema_version: number
  app_version: string
  model_version: string
  policy: Policy
  /** Scenario name, or the script's name, or "import". */
  scenario: string
  seed: number | null
  vcpus: number
  params: Record<string, unknown>
  transitions: number
  operations: number
  findings: number
  root_zaps: number
  complete: boolean
  started: string
  finished: string | null
  /** sha256 of the canonical transition stream (null while incomplete). */
  digest: string | null
  /** The session holds a kernel trace's events (rootlab import / capture): see kernelSummary. */
  kernel: boolean
}

/** One transition as the API returns it: the sim's fields, gfn/pgd/gva numbers kept numeric. */
export interface TransitionRow {
  seq: number
  op: number
  kind: string
  vcpu: number | null
  [field: string]: string | number | boolean | null
}

export interface DensityResult {
  from: number
  to: number
  /** Width of one bucket in seq. */
  width: number
  /** Group name -> count per bucket (groups: roots, zaps, requests, pages, faults, writes, other). */
  groups: Record<string, number[]>
  /** Markers over the whole range: seq and a kind of marker. */
  markers: { seq: number; type: 'root_zap' | 'finding' | 'memslot' | 'bookmark'; label: string }[]
}

export interface SqlResult {
  columns: string[]
  rows: unknown[][]
  truncated: boolean
  ms: number
}

export interface CompareSummary {
  session: string
  policy: Policy
  transitions: number
  stats: Record<string, number>
  counters: Record<string, number>
  findings: number
}

export interface CompareResult {
  a: CompareSummary
  b: CompareSummary
  /** First operation index after which the two states differ; null if they never do. */
  diverged_at_op: number | null
  /** seq in A and in B at the end of that operation. */
  diverged_at: { a: number; b: number } | null
  /**
   * The first transition of that operation whose effect differs: the operation's transitions of
   * A and B replayed side by side, index for index, until the states (compared as for
   * diverged_at_op) first differ; its seq in A and in B (the side with fewer transitions stays
   * at its last). Null when the states never differ.
   */
  diverged_at_transition: { a: number; b: number; index: number } | null
  stats_delta: Record<string, number>
  counters_delta: Record<string, number>
  /** seq in A and B at the end of every operation, for locking cursors (at most 100k ops). */
  op_end_seq: { a: number[]; b: number[] }
}

export interface Bookmark {
  id: number
  seq: number
  note: string
  created: string
}

/** How the kernel's events of an op group compare with the model's (docs/real-kvm.md, "Classification"). */
export type KernelAgreement = 'agree' | 'host-difference' | 'disagree'

/** One kernel event (kvm_mmu_get_page, kvm_mmu_prepare_zap_page, kvm_mmu_zap_all_fast) as stored. */
export interface KernelEventRow {
  /** Trace order. */
  id: number
  /** The script op the event belongs to; -1 = the VM's teardown (after the last op). */
  op_group: number
  /** The session ops (model ops) the group ran as; null for the teardown. */
  op_first: number | null
  op_last: number | null
  vcpu: number | null
  kind: string
  gfn: number
  level: number
  /** mmu_valid_gen as printed. */
  gen: number
  root_count: number
  invalid: boolean
  /** get_page: a new page (true) or an existing one; null for the other kinds. */
  created: boolean | null
  /** Line number in the trace file. */
  line: number
  /** The model transition this event equals, or null. */
  model_seq: number | null
  /** This event's agreement: `agree` up to the group's first difference, the group's classification after. */
  agreement: KernelAgreement
  /** The classification of the event's op group. */
  classification: KernelAgreement
}

/** One op group of the trace (and the teardown) with its classification. */
export interface KernelGroupRow {
  op_group: number
  op_first: number | null
  op_last: number | null
  vcpu: number | null
  label: string
  classification: KernelAgreement
  /** Index of the first event that differs from the model's, or null. */
  first_diff: number | null
  kernel_events: number
  model_events: number
}

export interface KernelSummary {
  /** 'import' or 'capture'. */
  source: string
  /** The trace (import) or the script (capture). */
  file: string
  host: string
  /** How ops were aligned with the host's KVM_RUNs (pvm-batch, reentry). */
  alignment: string
  /** Every group agrees with the primary model. */
  agree: boolean
  /** No group disagrees (differences are documented host differences). */
  explained: boolean
  /** Kernel events and model events compared. */
  events: number
  model_events: number
  /** Op groups (the teardown included) per classification. */
  groups: Record<KernelAgreement, number>
  /** Kernel events per agreement. */
  event_agreement: Record<KernelAgreement, number>
  /** The documented host difference that explains the differing groups, if any. */
  host_difference: { names: string[]; cause: string; first_group: number | null } | null
  /** Op groups that disagree. */
  disagreements: number[]
  unknown_lines: number
  lost_events: number
  /** Every op group, in op order, the teardown (op_group -1) last. */
  op_groups: KernelGroupRow[]
}

/** A table or table-valued function the SQL console can query, with its columns. */
export interface SqlTableInfo {
  name: string
  /** table: stored; view; virtual: computed from the chunks (transitions); function: table-valued (roots_at(seq)). */
  type: 'table' | 'view' | 'virtual' | 'function'
  columns: string[]
  /** Arguments of a table-valued function, e.g. ['seq']. */
  args?: string[]
  /** One line: what a row is. */
  doc: string
}

/** Findings grouped by the shadow page they name, with each zombie's lifetime (finding-groups.ts). */
export interface FindingGroup {
  /** The shadow page; null for findings that name none. */
  sp: number | null
  /** Findings naming it. */
  findings: number
  /** Findings per rule. */
  rules: Record<string, number>
  /** Handled requests that re-reported it (its obsolete_root_kept findings). */
  reports: number
  first_seq: number
  last_seq: number
  /** vCPUs of its findings. */
  vcpus: number[]
  /** The zombie's lifetime (null fields: not a zombie, or not that far by the session's end). */
  zapped_at: number | null
  evicted_at: number | null
  /** The vCPU and slot (1 + i = prev_roots[i]) whose reference was the last. */
  evicted_from: { vcpu: number; slot: number } | null
  uncounted_at: number | null
  freed_at: number | null
  /** Transitions during which it stayed counted in n_used_mmu_pages as a zombie (to the end if never uncounted). */
  counted: number | null
}

export interface FindingGroups {
  groups: FindingGroup[]
  /** Pages that became zombies. */
  zombies: number
  /** Most zombies counted in n_used_mmu_pages at once, and the first seq at which that many were. */
  peak: { count: number; seq: number } | null
}
