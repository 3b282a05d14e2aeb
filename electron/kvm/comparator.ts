/**
 * The comparator: the model (free-obsolete policy, i.e. v5.18 + fix cf4a8693d97a) against the
 * kernel's own events, per op group (op-groups.ts), event for event and in order.
 *
 * Compared per event: kind (kvm_mmu_get_page, kvm_mmu_prepare_zap_page, kvm_mmu_zap_all_fast),
 * gfn, level, generation (mmu_valid_gen), root_count, invalid and, for get_page, created
 * (new/existing). root_count and invalid are the values the tracepoint prints: for
 * prepare_zap, before the zap (top of __kvm_mmu_prepare_zap_page()).
 *
 * Classification of a group whose events differ:
 *  - `host-difference`: the kernel equals the model run with a documented host variant
 *    (model-runner.ts, docs/real-kvm.md) — on PVM-based hosts, no shadow_page_table_clear_flood()
 *    before an emulated page-table write;
 *  - `disagree`: anything else — a model bug or an undocumented kernel difference.
 */
import type { KernelEvent } from './kernel-events'
import { runModel, type HostVariant, type MmuEvent, type ModelEvent, type ModelRun } from './model-runner'
import type { OpGroup } from './op-groups'

export type Classification = 'agree' | 'host-difference' | 'disagree'

export interface GroupComparison {
  /** Group index; -1 for the teardown. */
  group: number
  label: string
  kernel: KernelEvent[]
  /** The upstream model's events. */
  model: ModelEvent[]
  /** Position of the first differing event (vs. the upstream model), or null if equal. */
  firstDiff: number | null
  classification: Classification
}

/** A documented host difference that explains the disagreements. */
export interface HostDifference {
  variant: Exclude<HostVariant, 'upstream'>
  /** The first group that differs from the upstream model. */
  firstGroup: number
  /** What caused it, in one sentence, naming the op and the kernel function. */
  cause: string
}

export interface Comparison {
  groups: GroupComparison[]
  /** The VM's destruction (null when the trace has no teardown). */
  teardown: GroupComparison | null
  /** Every group and the teardown agree with the upstream model. */
  agree: boolean
  /** No `disagree` group: the kernel equals the upstream model or a documented host variant. */
  explained: boolean
  hostDifference: HostDifference | null
  /** Groups classified `disagree`, in order. */
  disagreements: GroupComparison[]
  /** The upstream model run (the session's model side). */
  model: ModelRun
  counts: { groups: number; kernelEvents: number; modelEvents: number; agree: number; hostDifference: number; disagree: number }
}

export interface CompareOptions {
  vcpus: number
  n_max_mmu_pages: number
  /** Host variants tried to classify disagreements (default ['pvm']). */
  variants?: Exclude<HostVariant, 'upstream'>[]
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

/** Per-group first differences of a model run against the kernel (teardown last, as group -1). */
function diffs(run: ModelRun, kernel: readonly KernelEvent[][], teardown: readonly KernelEvent[] | null): (number | null)[] {
  const out = run.byGroup.map((m, g) => firstDifference(kernel[g] ?? [], m))
  out.push(teardown ? firstDifference(teardown, run.teardown) : null)
  return out
}

/** Describes the cause of a PVM flood difference: the first write where upstream cleared a root. */
function pvmCause(run: ModelRun, groups: readonly OpGroup[]): string {
  for (const t of run.transitions) {
    if (t.kind !== 'clear_sp_write_flooding_count') continue
    const op = run.ops[t.op]
    if (!op || op.op !== 'pt_write') continue
    const g = groups[run.groupOf[t.op]!]!
    const sp = run.final.mmu_pages[t.sp]
    const gfn = sp ? ` (gfn 0x${sp.gfn.toString(16)})` : ''
    return `${g.label}: upstream clears the flooding count of vCPU ${op.vcpu}'s current root${gfn} on ` +
      'the write fault (paging_tmpl.h FNAME(page_fault) -> shadow_page_table_clear_flood()); ' +
      'the PVM host does not, so its later writes flood and zap that root'
  }
  return 'emulated page-table writes on the PVM host do not clear the writer\'s current root\'s flooding count'
}

/**
 * Compares the kernel's events per group (`kernel[g]`, same indexes as `groups`) and, if given,
 * the teardown events, with the model.
 */
export function compare(
  groups: readonly OpGroup[], kernel: readonly KernelEvent[][], teardown: readonly KernelEvent[] | null, o: CompareOptions,
): Comparison {
  const upstream = runModel(groups, { vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages })
  const up = diffs(upstream, kernel, teardown)
  const upFirst = up.findIndex((d) => d !== null)
  let explainedBy: { variant: Exclude<HostVariant, 'upstream'>; d: (number | null)[] } | null = null
  let bestVariant: { variant: Exclude<HostVariant, 'upstream'>; d: (number | null)[]; first: number } | null = null
  if (upFirst >= 0) {
    for (const variant of o.variants ?? ['pvm']) {
      const run = runModel(groups, { vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages, variant, keepTransitions: false })
      const d = diffs(run, kernel, teardown)
      const first = d.findIndex((x) => x !== null)
      if (first < 0) {
        explainedBy = { variant, d }
        break
      }
      if (first > upFirst && (!bestVariant || first > bestVariant.first)) bestVariant = { variant, d, first }
    }
  }
  // Up to the first group where the best variant also differs, upstream differences are the
  // host's; from there on they are disagreements.
  const variantFirst = explainedBy ? Infinity : bestVariant ? bestVariant.first : upFirst
  const classify = (i: number): Classification => {
    if (up[i] === null) return 'agree'
    return i < variantFirst ? 'host-difference' : 'disagree'
  }
  const result: GroupComparison[] = groups.map((g, i) => ({
    group: g.index, label: g.label, kernel: kernel[i] ?? [], model: upstream.byGroup[i]!, firstDiff: up[i]!,
    classification: classify(i),
  }))
  const ti = groups.length
  const td: GroupComparison | null = teardown
    ? { group: -1, label: 'teardown', kernel: [...teardown], model: upstream.teardown, firstDiff: up[ti]!, classification: classify(ti) }
    : null
  const all = td ? [...result, td] : result
  const variant = explainedBy?.variant ?? bestVariant?.variant ?? null
  const hostDifference: HostDifference | null = variant && all.some((g) => g.classification === 'host-difference')
    ? { variant, firstGroup: all.find((g) => g.classification === 'host-difference')!.group, cause: pvmCause(upstream, groups) }
    : null
  const disagreements = all.filter((g) => g.classification === 'disagree')
  return {
    groups: result, teardown: td, agree: upFirst < 0, explained: disagreements.length === 0, hostDifference,
    disagreements, model: upstream,
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

/** One line per disagreement: op, then kernel vs model events from the first difference. */
export function describeGroup(g: GroupComparison): string {
  const i = g.firstDiff ?? 0
  const k = g.kernel.slice(i).map(formatEvent).join('; ') || '(none)'
  const m = g.model.slice(i).map(formatEvent).join('; ') || '(none)'
  const line = g.kernel[i] ? ` (trace line ${g.kernel[i]!.line})` : ''
  return `${g.label}: kernel${line}: ${k} | model: ${m}`
}
