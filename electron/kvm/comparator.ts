/**
 * The comparator: the model (free-obsolete policy, i.e. v5.18 + fix cf4a8693d97a) against the
 * kernel's own events, per op group (op-groups.ts), event for event and in order.
 *
 * Compared per event: kind (kvm_mmu_get_page, kvm_mmu_prepare_zap_page, kvm_mmu_zap_all_fast),
 * gfn, level, generation (mmu_valid_gen), root_count, invalid and, for get_page, created
 * (new/existing). root_count and invalid are the values the tracepoint prints: for
 * prepare_zap, before the zap (top of __kvm_mmu_prepare_zap_page()). The teardown (the VM's
 * destruction) is compared with the events predicted from the model's final state, which checks
 * the final root_count of every root.
 *
 * The primary profile (the host's alignment, upstream semantics) is what the session records.
 * Where it differs from the kernel, the comparator re-runs the model under the documented host
 * profiles (HOST_DIFFERENCES, docs/real-kvm.md). A group is then
 *  - `agree`: the kernel's events equal the primary model's;
 *  - `host-difference`: they differ, and a documented profile reproduces the kernel exactly up to
 *    and including this group;
 *  - `disagree`: anything else — a model bug or an undocumented kernel difference.
 */
import type { KernelEvent } from './kernel-events'
import { chooseExecutions, runModel, type HostVariant, type MmuEvent, type ModelEvent, type ModelRun } from './model-runner'
import type { Policy } from '../../sim/types'
import type { Alignment, OpGroup } from './op-groups'

export type Classification = 'agree' | 'host-difference' | 'disagree'

/** How the host runs an op (alignment) and handles an emulated page-table write (variant). */
export interface HostProfile {
  alignment: Alignment
  variant: HostVariant
}

/** The documented host differences, by name (docs/real-kvm.md, "Host differences"). */
export const HOST_DIFFERENCES = {
  'pvm-emulation-batch':
    'the PVM host emulates an op\'s guest instructions in one batch: requests raised by an emulated write ' +
    '(KVM_REQ_MMU_FREE_OBSOLETE_ROOTS after a root zap) are handled at the vCPU\'s next KVM_RUN, not at a ' +
    're-entry (vcpu_enter_guest) before the `out`',
  'reentry-after-write':
    'the host re-enters the guest (vcpu_enter_guest) after an emulated write, handling its requests in the same KVM_RUN',
  'pvm-no-clear-flood':
    'the PVM host\'s emulated page-table writes do not clear the writer\'s current root\'s write_flooding_count ' +
    '(upstream: paging_tmpl.h FNAME(page_fault) -> shadow_page_table_clear_flood()), so a vCPU\'s writes can flood its own roots',
} as const
export type HostDifferenceName = keyof typeof HOST_DIFFERENCES

export interface GroupComparison {
  /** Group index; -1 for the teardown. */
  group: number
  label: string
  kernel: KernelEvent[]
  /** The primary model's events. */
  model: ModelEvent[]
  /** Position of the first differing event (vs. the primary model), or null if equal. */
  firstDiff: number | null
  classification: Classification
}

/** The documented host differences that explain the differing groups. */
export interface HostDifference {
  profile: HostProfile
  names: HostDifferenceName[]
  /** The first group that differs from the primary model. */
  firstGroup: number
  /** One sentence per difference. */
  cause: string
}

export interface Comparison {
  primary: HostProfile
  groups: GroupComparison[]
  /** The VM's destruction (null when the trace has no teardown). */
  teardown: GroupComparison | null
  /** Every group and the teardown agree with the primary model. */
  agree: boolean
  /** No `disagree` group: the kernel equals the primary model or a documented host profile. */
  explained: boolean
  hostDifference: HostDifference | null
  /** Groups classified `disagree`, in order. */
  disagreements: GroupComparison[]
  /** The primary model run (the session's model side). */
  model: ModelRun
  counts: { groups: number; kernelEvents: number; modelEvents: number; agree: number; hostDifference: number; disagree: number }
}

export interface CompareOptions {
  vcpus: number
  n_max_mmu_pages: number
  /** The model's policy (default free-obsolete: the kernels compared have fix cf4a8693d97a). */
  policy?: Policy
  /** The primary alignment (default: the one `groups` were made with, 'reentry'). */
  alignment?: Alignment
  /**
   * The groups under another alignment (same indexes). Without it, only semantic variants are
   * tried (e.g. groups derived from a trace without a script).
   */
  regroup?: (alignment: Alignment) => OpGroup[]
}

/** The compared fields of an event, as a short string: "get_page gfn 0xc l4 gen 0 root 1 existing". */
export function formatEvent(e: MmuEvent): string {
  if (e.kind === 'kvm_mmu_zap_all_fast') return `zap_all_fast gen ${e.gen}`
  const kind = e.kind === 'kvm_mmu_get_page' ? 'get_page' : 'prepare_zap'
  const tail = e.kind === 'kvm_mmu_get_page' ? (e.created ? ' new' : ' existing') : ''
  return `${kind} gfn 0x${e.gfn.toString(16)} l${e.level} gen ${e.gen}${e.invalid ? ' invalid' : ''} root ${e.root_count}${tail}`
}

/** Equality of the compared fields. */
export function sameEvent(a: MmuEvent, b: MmuEvent): boolean {
  return a.kind === b.kind && a.gfn === b.gfn && a.level === b.level && a.gen === b.gen &&
    a.root_count === b.root_count && a.invalid === b.invalid && a.created === b.created
}

/** Index of the first difference of two event lists, or null if equal. */
export function firstDifference(kernel: readonly MmuEvent[], model: readonly MmuEvent[]): number | null {
  const n = Math.max(kernel.length, model.length)
  for (let i = 0; i < n; i++) {
    const k = kernel[i]
    const m = model[i]
    if (!k || !m || !sameEvent(k, m)) return i
  }
  return null
}

/** Per-group first differences of a model run against the kernel (teardown last). */
function diffs(run: ModelRun, kernel: readonly KernelEvent[][], teardown: readonly KernelEvent[] | null): (number | null)[] {
  const out = run.byGroup.map((m, g) => firstDifference(kernel[g] ?? [], m))
  out.push(teardown ? firstDifference(teardown, run.teardown) : null)
  return out
}

const firstIndex = (d: readonly (number | null)[]): number => {
  const i = d.findIndex((x) => x !== null)
  return i < 0 ? Infinity : i
}

/** The names of the differences between a profile and the primary one. */
function differenceNames(primary: HostProfile, p: HostProfile): HostDifferenceName[] {
  const names: HostDifferenceName[] = []
  if (p.alignment !== primary.alignment) names.push(p.alignment === 'pvm-batch' ? 'pvm-emulation-batch' : 'reentry-after-write')
  if (p.variant !== primary.variant && p.variant === 'pvm') names.push('pvm-no-clear-flood')
  return names
}

/**
 * Compares the kernel's events per group (`kernel[g]`, same indexes as `groups`) and, if given,
 * the teardown events, with the model.
 */
export function compare(
  groups: readonly OpGroup[], kernel: readonly KernelEvent[][], teardown: readonly KernelEvent[] | null, o: CompareOptions,
): Comparison {
  const primary: HostProfile = { alignment: o.alignment ?? 'reentry', variant: 'upstream' }
  const params = { vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages, policy: o.policy ?? 'free-obsolete' }
  const base = runModel(chooseExecutions(groups, kernel, teardown, params).groups, params)
  const up = diffs(base, kernel, teardown)
  const upFirst = firstIndex(up)
  // Documented profiles, fewest differences first; the best explains the longest prefix.
  let best: { profile: HostProfile; first: number } | null = null
  if (upFirst !== Infinity) {
    const other: Alignment = primary.alignment === 'reentry' ? 'pvm-batch' : 'reentry'
    const candidates: HostProfile[] = [{ alignment: primary.alignment, variant: 'pvm' }]
    if (o.regroup) candidates.unshift({ alignment: other, variant: 'upstream' })
    if (o.regroup) candidates.push({ alignment: other, variant: 'pvm' })
    for (const profile of candidates) {
      const g = profile.alignment === primary.alignment ? groups : o.regroup!(profile.alignment)
      const p = { ...params, variant: profile.variant }
      const run = runModel(chooseExecutions(g, kernel, teardown, p).groups, p)
      const first = firstIndex(diffs(run, kernel, teardown))
      if (first > upFirst && (!best || first > best.first)) best = { profile, first }
      if (first === Infinity) break
    }
  }
  // Up to the first group where the best profile also differs, differences are the host's.
  const explainedTo = best ? best.first : upFirst
  const classify = (i: number): Classification => (up[i] === null ? 'agree' : i < explainedTo ? 'host-difference' : 'disagree')
  const result: GroupComparison[] = groups.map((g, i) => ({
    group: g.index, label: g.label, kernel: kernel[i] ?? [], model: base.byGroup[i]!, firstDiff: up[i]!,
    classification: classify(i),
  }))
  const ti = groups.length
  const td: GroupComparison | null = teardown
    ? { group: -1, label: 'teardown', kernel: [...teardown], model: base.teardown, firstDiff: up[ti]!, classification: classify(ti) }
    : null
  const all = td ? [...result, td] : result
  const firstHost = all.find((g) => g.classification === 'host-difference')
  let hostDifference: HostDifference | null = null
  if (best && firstHost) {
    const names = differenceNames(primary, best.profile)
    hostDifference = {
      profile: best.profile, names, firstGroup: firstHost.group,
      cause: names.map((n) => (n === 'pvm-no-clear-flood' ? floodCause(base, groups) : HOST_DIFFERENCES[n])).join('; '),
    }
  }
  const disagreements = all.filter((g) => g.classification === 'disagree')
  return {
    primary, groups: result, teardown: td, agree: upFirst === Infinity, explained: disagreements.length === 0,
    hostDifference, disagreements, model: base,
    counts: {
      groups: groups.length,
      kernelEvents: all.reduce((n, g) => n + g.kernel.length, 0),
      modelEvents: all.reduce((n, g) => n + g.model.length, 0),
      agree: all.filter((g) => g.classification === 'agree').length,
      hostDifference: all.filter((g) => g.classification === 'host-difference').length,
      disagree: disagreements.length,
    },
  }
}

/** The first write at which the model cleared the writer's root's flooding count, as a sentence. */
function floodCause(run: ModelRun, groups: readonly OpGroup[]): string {
  const first = run.firstClearFlood
  const op = first ? run.ops[first.op] : undefined
  if (!first || !op || op.op !== 'pt_write') return HOST_DIFFERENCES['pvm-no-clear-flood']
  const gfn = first.gfn === null ? '' : ` (gfn 0x${first.gfn.toString(16)})`
  return `${HOST_DIFFERENCES['pvm-no-clear-flood']}; first at ${groups[run.groupOf[first.op]!]!.label}, ` +
    `where upstream clears vCPU ${op.vcpu}'s current root${gfn}`
}

/** One line per disagreement: op, then kernel vs model events from the first difference. */
export function describeGroup(g: GroupComparison): string {
  const i = g.firstDiff ?? 0
  const k = g.kernel.slice(i).map(formatEvent).join('; ') || '(none)'
  const m = g.model.slice(i).map(formatEvent).join('; ') || '(none)'
  const line = g.kernel[i] ? ` (trace line ${g.kernel[i]!.line})` : ''
  return `${g.label}: kernel${line}: ${k} | model: ${m}`
}
