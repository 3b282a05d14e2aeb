/**
 * Runs the model over op groups and extracts what the kernel's tracepoints would show: the
 * kvm_mmu_get_page / kvm_mmu_prepare_zap_page / kvm_mmu_zap_all_fast transitions, each tagged
 * with its group; plus the events of the VM's destruction, predicted from the final state.
 *
 * Host variants: `upstream` is the model as it is (v5.18 + fix cf4a8693d97a: the `free-obsolete`
 * policy). `pvm` reproduces the one documented behaviour of PVM-based hosts that differs
 * (docs/real-kvm.md): an emulated write to a write-tracked page-table page does NOT clear the
 * writing vCPU's current root's write_flooding_count first (upstream's fault path does, in
 * paging_tmpl.h FNAME(page_fault) -> shadow_page_table_clear_flood()). The variant is used only to
 * classify a disagreement as that host difference; the model itself stays upstream.
 */
import type { Ctx } from '../../sim/context'
import { KVM_MMU_ROOTS_ALL } from '../../sim/constants'
import { kvm_mmu_free_roots } from '../../sim/mmu/roots'
import { guest_pt_write } from '../../sim/mmu/pte_write'
import { kvm_mmu_commit_zap_page, kvm_mmu_prepare_zap_page, type InvalidList } from '../../sim/mmu/zap'
import { clone_kvm, kvm_create } from '../../sim/state'
import { create_machine, type Machine } from '../../sim/step'
import type { Transition } from '../../sim/transitions'
import type { kvm, Op, Policy } from '../../sim/types'
import { flattenGroups, type OpGroup } from './op-groups'

/** The kinds compared with the kernel's tracepoints. */
export type ComparedKind = 'kvm_mmu_get_page' | 'kvm_mmu_prepare_zap_page' | 'kvm_mmu_zap_all_fast'

/** One tracepoint-equivalent event, from the model or from the kernel, in comparable form. */
export interface MmuEvent {
  kind: ComparedKind
  /** Group index (-1 = teardown). */
  group: number
  gfn: number
  level: number
  /** mmu_valid_gen (the page's; for kvm_mmu_zap_all_fast, the VM's before the toggle). */
  gen: number
  root_count: number
  invalid: boolean
  /** kvm_mmu_get_page only: new (true) or existing (false); null for the other kinds. */
  created: boolean | null
}

/** A model event, with where it came from. */
export interface ModelEvent extends MmuEvent {
  /** Model op index (the session's op), or -1 for teardown. */
  op: number
  /** Transition seq, or 0 for teardown events (not part of the session). */
  seq: number
  /** Shadow page id in the model (0 for kvm_mmu_zap_all_fast). */
  sp: number
  vcpu: number | null
}

/**
 * Semantics of an emulated page-table write: `upstream` (shadow_page_table_clear_flood() on the
 * write fault, as the model does) or `pvm` (no clear; see the file comment).
 */
export type HostVariant = 'upstream' | 'pvm'

export interface ModelRun {
  /** Model ops in order (the session's ops) and each one's group. */
  ops: Op[]
  groupOf: number[]
  /** Compared events, per group. */
  byGroup: ModelEvent[][]
  /** Predicted events of the VM's destruction (after "rootlab teardown"). */
  teardown: ModelEvent[]
  /** Every transition, when asked for (keepTransitions), else empty. */
  transitions: Transition[]
  /**
   * The first time an emulated page-table write cleared the writer's root's write_flooding_count
   * (shadow_page_table_clear_flood()): the model op and the page's gfn. What the `pvm` variant
   * leaves out, kept here so that naming it does not need every transition in memory.
   */
  firstClearFlood: { op: number; gfn: number | null } | null
  final: kvm
}

export interface ModelRunOptions {
  vcpus: number
  n_max_mmu_pages: number
  variant?: HostVariant
  /** Default free-obsolete: the kernels the captures run have the upstream fix. */
  policy?: Policy
  /** Keep every transition in the result (default false: a long trace's run would hold them all). */
  keepTransitions?: boolean
}

/** A transition's compared form, or null if it is not a compared kind. */
export function modelEvent(t: Transition, group: number): ModelEvent | null {
  switch (t.kind) {
    case 'kvm_mmu_get_page':
      return {
        kind: t.kind, group, op: t.op, seq: t.seq, sp: t.sp, vcpu: t.vcpu, gfn: t.gfn, level: t.level,
        gen: t.mmu_valid_gen, root_count: t.root_count, invalid: t.invalid, created: t.created,
      }
    case 'kvm_mmu_prepare_zap_page':
      return {
        kind: t.kind, group, op: t.op, seq: t.seq, sp: t.sp, vcpu: t.vcpu, gfn: t.gfn, level: t.level,
        gen: t.mmu_valid_gen, root_count: t.root_count, invalid: t.invalid, created: null,
      }
    case 'kvm_mmu_zap_all_fast':
      return {
        kind: t.kind, group, op: t.op, seq: t.seq, sp: 0, vcpu: t.vcpu, gfn: 0, level: 0,
        gen: t.mmu_valid_gen, root_count: 0, invalid: false, created: null,
      }
    default:
      return null
  }
}

/**
 * The PVM host's handling of an aligned 8-byte write by `vcpu` to page-table page `gfn`: the
 * model's own guest_pt_write() (mmu.c kvm_mmu_pte_write() with detect_write_flooding()), WITHOUT
 * the shadow_page_table_clear_flood() of the writer's walk that upstream's fault path does first.
 */
function pvmGuestPtWrite(ctx: Ctx, vcpu: number, gfn: number): void {
  guest_pt_write(ctx, vcpu, gfn, { clear_flood: false })
}

/**
 * The VM's destruction, from the final state, as kvm_destroy_vm() does it:
 *  1. mmu_notifier_unregister() -> kvm_mmu_notifier_release() -> kvm_flush_shadow_all() ->
 *     mmu.c kvm_mmu_zap_all(): every page on active_mmu_pages, newest first, is prepare-zapped
 *     (the trace shows each live root's final root_count); pages with root_count 0 are freed.
 *  2. kvm_destroy_vcpus(), vCPU 0 first: kvm_mmu_destroy() -> kvm_mmu_unload() ->
 *     kvm_mmu_free_roots(KVM_MMU_ROOTS_ALL), prev_roots[0..2] then root; each root whose last
 *     reference drops is prepare-zapped again (now "invalid root 0") and freed.
 * Runs on a copy with the model's own zap and free functions.
 */
export function predictTeardown(final: kvm, policy: Policy): ModelEvent[] {
  const events: ModelEvent[] = []
  const ctx: Ctx = {
    kvm: clone_kvm(final), policy, op: -1, seq: 0,
    sink: (t) => {
      const e = modelEvent(t, -1)
      if (e) events.push({ ...e, seq: 0 })
    },
  }
  const k = ctx.kvm
  const invalid_list: InvalidList = []
  for (const id of [...k.active_mmu_pages].reverse()) {
    const sp = k.mmu_pages[id]
    if (sp && !sp.role.invalid) kvm_mmu_prepare_zap_page(ctx, null, sp, invalid_list, 'unprotect')
  }
  kvm_mmu_commit_zap_page(ctx, null, invalid_list)
  for (let v = 0; v < k.vcpus.length; v++) {
    kvm_mmu_free_roots(ctx, v, 0, KVM_MMU_ROOTS_ALL)
    kvm_mmu_free_roots(ctx, v, 1, KVM_MMU_ROOTS_ALL)
  }
  return events
}

/** Executes one model op on machine `m`, with the variant's write path. */
function runOp(m: Machine, op: Op, variant: HostVariant | undefined): void {
  if (variant === 'pvm' && op.op === 'pt_write') {
    // Machine.run_op() without execute_op(): same op numbering, the PVM write path.
    m.ctx.op++
    pvmGuestPtWrite(m.ctx, op.vcpu, op.gfn)
  } else {
    m.run_op(op)
  }
}

/** Runs the groups' model ops (`ops`, never `alt`) from a new VM and collects the compared events per group. */
export function runModel(groups: readonly OpGroup[], o: ModelRunOptions): ModelRun {
  const policy = o.policy ?? 'free-obsolete'
  const { ops, groupOf } = flattenGroups(groups)
  const byGroup: ModelEvent[][] = groups.map(() => [])
  const transitions: Transition[] = []
  const keep = o.keepTransitions === true
  let firstClearFlood: ModelRun['firstClearFlood'] = null
  const state = kvm_create({ vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages })
  const m = create_machine(state, policy, (t) => {
    if (keep) transitions.push(t)
    if (t.kind === 'clear_sp_write_flooding_count' && !firstClearFlood && ops[t.op]?.op === 'pt_write') {
      firstClearFlood = { op: t.op, gfn: state.mmu_pages[t.sp]?.gfn ?? null }
    }
    const g = groupOf[t.op]!
    const e = modelEvent(t, g)
    if (e) byGroup[g]!.push(e)
  })
  for (const op of ops) runOp(m, op, o.variant)
  return { ops, groupOf, byGroup, teardown: predictTeardown(state, policy), transitions, firstClearFlood, final: state }
}

/** Most model states followed at once by chooseExecutions(). */
const MAX_CANDIDATES = 256

/** The executions chosen so far, newest first: extending it is O(1), not a copy of every choice. */
interface Chosen {
  ops: Op[]
  prev: Chosen | null
}

/** The chosen executions in group order. */
function chosenList(c: Chosen | null, n: number): Op[][] {
  const out = new Array<Op[]>(n)
  for (let i = n - 1; c && i >= 0; i--, c = c.prev) out[i] = c.ops
  return out
}

/** The ops `alt` adds after `ops` when it is `ops` plus a suffix (scriptOpGroups' pvm-batch form), else null. */
function altSuffix(g: OpGroup): Op[] | null {
  const alt = g.alt
  if (!alt || alt.length < g.ops.length || !g.ops.every((op, i) => alt[i] === op || JSON.stringify(alt[i]) === JSON.stringify(op))) return null
  return alt.slice(g.ops.length)
}

/**
 * For groups with two possible executions (`alt`), chooses per group the one whose events equal
 * the kernel's: a search that follows every model state consistent with the kernel so far (an
 * execution may change the state without any event, so both are kept until the kernel's later
 * events decide). Returns the groups with the chosen executions (no `alt`) and the index of the
 * first group no execution explains (Infinity if all are; groups.length for the teardown).
 *
 * Linear in the number of groups: each candidate owns its state and runs a group's ops in place;
 * an `alt` that only appends ops continues from a copy of that result (and is dropped without a
 * copy when the appended ops emit no transition, i.e. leave the same state); states are compared
 * (JSON) only when more than one candidate is left.
 */
export function chooseExecutions(
  groups: readonly OpGroup[], kernel: readonly (readonly MmuEvent[])[], teardown: readonly MmuEvent[] | null, o: ModelRunOptions,
): { groups: OpGroup[]; first: number } {
  const policy = o.policy ?? 'free-obsolete'
  if (!groups.some((g) => g.alt)) {
    return { groups: [...groups], first: Infinity }
  }
  type Cand = { state: kvm; ops: number; chosen: Chosen | null }
  const same = (a: readonly MmuEvent[], b: readonly MmuEvent[]): boolean =>
    a.length === b.length && a.every((x, i) => eventKey(x) === eventKey(b[i]!))
  /** Runs `ops` on `state` in place, numbering model ops from `first`; returns the events and the transition count. */
  const execute = (state: kvm, ops: readonly Op[], first: number, g: number): { events: MmuEvent[]; transitions: number } => {
    const events: MmuEvent[] = []
    let transitions = 0
    const m = create_machine(state, policy, (t) => {
      transitions++
      const e = modelEvent(t, g)
      if (e) events.push(e)
    })
    m.ctx.op = first - 1
    for (const op of ops) runOp(m, op, o.variant)
    return { events, transitions }
  }
  let cands: Cand[] = [{ state: kvm_create({ vcpus: o.vcpus, n_max_mmu_pages: o.n_max_mmu_pages }), ops: 0, chosen: null }]
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!
    const want = kernel[g] ?? []
    const suffix = altSuffix(group)
    const next: Cand[] = []
    let keys: Set<string> | null = null
    const keep = (c: Cand): void => {
      if (next.length >= MAX_CANDIDATES) return
      if (next.length > 0) {
        if (!keys) keys = new Set(next.map((x) => stateKey(x.state)))
        const key = stateKey(c.state)
        if (keys.has(key)) return
        keys.add(key)
      }
      next.push(c)
    }
    for (const c of cands) {
      // The alt from the state before the group, when it is not ops + suffix (copied first).
      const before = group.alt && !suffix ? clone_kvm(c.state) : null
      const main = execute(c.state, group.ops, c.ops, g)
      let alt: Cand | null = null
      if (suffix) {
        const after = clone_kvm(c.state)
        const more = execute(after, suffix, c.ops + group.ops.length, g)
        if (more.transitions > 0 && same([...main.events, ...more.events], want)) alt = { state: after, ops: c.ops + group.alt!.length, chosen: { ops: group.alt!, prev: c.chosen } }
      } else if (before) {
        if (same(execute(before, group.alt!, c.ops, g).events, want)) alt = { state: before, ops: c.ops + group.alt!.length, chosen: { ops: group.alt!, prev: c.chosen } }
      }
      // The usual execution first: it is the one kept when nothing later tells them apart.
      if (same(main.events, want)) keep({ state: c.state, ops: c.ops + group.ops.length, chosen: { ops: group.ops, prev: c.chosen } })
      if (alt) keep(alt)
    }
    if (next.length === 0) {
      // Nothing explains group g: keep the first candidate's choices, defaults after it.
      const chosen = chosenList(cands[0]!.chosen, g)
      return { groups: groups.map((x, i) => ({ ...x, ops: chosen[i] ?? x.ops, alt: undefined })), first: g }
    }
    cands = next
  }
  const fits = teardown
    ? cands.find((c) => same(predictTeardown(c.state, policy), teardown))
    : cands[0]
  const pick = chosenList((fits ?? cands[0]!).chosen, groups.length)
  return { groups: groups.map((x, i) => ({ ...x, ops: pick[i]!, alt: undefined })), first: fits ? Infinity : groups.length }
}

/**
 * What of a state decides the events to come: everything but the KVM stats and the lab's counters,
 * which the model only ever increments. Two executions that differ only in those are the same
 * for the search (and the first is kept).
 */
function stateKey(k: kvm): string {
  return JSON.stringify({ ...k, stat: null, counters: null })
}

/** The compared fields of an event as a string key. */
function eventKey(e: MmuEvent): string {
  return `${e.kind} ${e.gfn} ${e.level} ${e.gen} ${e.root_count} ${e.invalid} ${e.created}`
}
