/**
 * Deriving the operation stream from a trace without Root Lab markers (a VMX/SVM host traced
 * with `trace-cmd record -e kvmmmu -e kvm:kvm_cr -e kvm:kvm_entry -e kvm:kvm_exit`).
 *
 * Per host thread (QEMU runs one thread per vCPU), the vCPU is known from kvm_entry / kvm_exit
 * ("vcpu N"). Between two entries of a thread lies one exit and its handling; that span is one
 * op group, made of the causes seen in it, in order, then the entry:
 *
 *     kvm_cr cr_write 3 = X                     -> cr3 vcpu (X & CR3 address bits)
 *     prepare_zap of a valid root-level page     -> unprotect gfn (the zap's cause — a flooded
 *       (not during kvm_mmu_zap_all_fast)           write, kvm_mmu_unprotect_page() — is not in
 *                                                   the trace; `unprotect` zaps the same root)
 *     kvm_entry vcpu N                           -> run vcpu N (requests, kvm_mmu_reload())
 *
 * A vCPU's initial CR3 (KVM_SET_SREGS, or before the trace began) is not traced: if its first
 * group loads a root before any CR3 write, the group starts with `cr3` of that root's gfn.
 *
 * kvm_mmu_zap_all_fast on any thread is a `memslot` group of its own (the zaps that follow on that
 * thread belong to it). Groups are ordered by their first event or cause, so a vCPU that frees a
 * zapped root comes after the zap. Consecutive event-less `run` groups of one vCPU are merged.
 *
 * Exact for a trace that starts before the VM's first root and whose vCPUs do not run MMU code
 * concurrently; on a busy multi-vCPU guest, concurrent groups are compared in one order.
 */
import type { Op } from '../../sim/types'
import { isCompared, kernelEvent, type KernelEvent } from './kernel-events'
import { describeOp, type OpGroup } from './op-groups'
import type { ParsedTrace } from './trace-parser'

/** CR3 bits 51:12: the page-table base (PCID and the no-flush bit 63 masked off). */
const CR3_ADDR_MASK = 0x000f_ffff_ffff_f000n

export interface DerivedTrace {
  vcpus: number
  groups: OpGroup[]
  kernel: KernelEvent[][]
  /** Notes for the user (approximations, what was not compared). */
  notes: string[]
}

interface Open {
  vcpu: number | null
  ops: Op[]
  events: KernelEvent[]
  /** Line of the first cause or event (ordering), or the closing entry. */
  order: number
  memslot: boolean
}

/** True if the trace has what derivation needs: kvm_entry (or kvm_exit with vcpu) lines. */
export function canDerive(trace: ParsedTrace): boolean {
  return trace.events.some((e) => e.body.type === 'entry' || (e.body.type === 'exit' && e.body.vcpu !== null))
}

/** Derives op groups and the kernel's events per group. */
export function deriveOps(trace: ParsedTrace): DerivedTrace {
  const closed: Open[] = []
  const open = new Map<number, Open>()
  const vcpuOf = new Map<number, number>()
  const memslotOpen = new Map<number, Open>()
  let maxVcpu = -1
  let notCompared = 0
  const cr3Seen = new Set<number>()
  const inferred: number[] = []
  const fresh = (pid: number): Open => {
    const o: Open = { vcpu: vcpuOf.get(pid) ?? null, ops: [], events: [], order: Infinity, memslot: false }
    open.set(pid, o)
    return o
  }
  for (const e of trace.events) {
    const pid = e.pid
    const b = e.body
    if (b.type === 'entry' || (b.type === 'exit' && b.vcpu !== null)) {
      const v = (b as { vcpu: number }).vcpu
      vcpuOf.set(pid, v)
      maxVcpu = Math.max(maxVcpu, v)
      memslotOpen.delete(pid)
    }
    if (b.type === 'entry') {
      const o = open.get(pid) ?? fresh(pid)
      o.vcpu = b.vcpu
      // A vCPU whose first root load comes before any traced CR3 write (initial CR3 from
      // KVM_SET_SREGS, or a trace started mid-run): its CR3 is the loaded root's gfn.
      const first = o.events[0]
      if (!cr3Seen.has(b.vcpu) && !o.ops.some((x) => x.op === 'cr3') && first?.kind === 'kvm_mmu_get_page') {
        o.ops.unshift({ op: 'cr3', vcpu: b.vcpu, pgd: first.gfn * 0x1000 })
        inferred.push(b.vcpu)
      }
      cr3Seen.add(b.vcpu)
      o.ops.push({ op: 'run', vcpu: b.vcpu })
      if (o.order === Infinity) o.order = e.line
      closed.push(o)
      open.delete(pid)
      continue
    }
    if (b.type === 'cr' && b.write && b.cr === 3) {
      const o = open.get(pid) ?? fresh(pid)
      const v = vcpuOf.get(pid)
      if (v === undefined) continue
      o.ops.push({ op: 'cr3', vcpu: v, pgd: Number(b.value & CR3_ADDR_MASK) })
      cr3Seen.add(v)
      if (o.order === Infinity) o.order = e.line
      continue
    }
    if (b.type === 'zap_all_fast') {
      const m: Open = { vcpu: null, ops: [{ op: 'memslot', action: 'delete' }], events: [], order: e.line, memslot: true }
      closed.push(m)
      memslotOpen.set(pid, m)
    }
    const k = kernelEvent(e, -1)
    if (!k) continue
    if (!isCompared(k)) {
      notCompared++
      continue
    }
    const ms = memslotOpen.get(pid)
    if (ms) {
      ms.events.push(k)
      continue
    }
    const o = open.get(pid) ?? fresh(pid)
    if (k.kind === 'kvm_mmu_prepare_zap_page' && !k.invalid) o.ops.push({ op: 'unprotect', gfn: k.gfn })
    if (o.order === Infinity) o.order = e.line
    o.events.push(k)
  }
  const ordered = closed.filter((o) => o.ops.length > 0).sort((a, b) => a.order - b.order)
  // Merge consecutive event-less `run` groups of one vCPU.
  const merged: Open[] = []
  for (const o of ordered) {
    const prev = merged[merged.length - 1]
    const bareRun = (x: Open): boolean => x.events.length === 0 && x.ops.length === 1 && x.ops[0]!.op === 'run'
    if (prev && bareRun(prev) && bareRun(o) && prev.vcpu === o.vcpu) continue
    merged.push(o)
  }
  const groups: OpGroup[] = merged.map((o, index) => ({
    index, label: `group ${index} (trace line ${o.order}): ${o.ops.map(describeOp).join(', ')}`, scriptOp: null, ops: o.ops,
  }))
  const kernel = merged.map((o, g) => o.events.map((k) => ({ ...k, group: g })))
  const notes: string[] = []
  if (inferred.length) notes.push(`initial CR3 of vCPU ${inferred.join(', ')} taken from its first root load (no CR3 write traced before it)`)
  if (notCompared) notes.push(`${notCompared} kvmmmu events of non-root or direct (TDP) pages were not compared`)
  if (groups.some((g) => g.ops.some((op) => op.op === 'unprotect'))) {
    notes.push('zaps of roots in use whose cause is not in the trace were replayed as `unprotect gfn`')
  }
  const firstGet = kernel.flat().find((k) => k.kind === 'kvm_mmu_get_page')
  if (firstGet && (!firstGet.created || firstGet.root_count > 0)) {
    notes.push('the trace starts after the VM had roots (its first kvm_mmu_get_page is not a new page): early disagreements are expected')
  }
  return { vcpus: Math.max(1, maxVcpu + 1), groups, kernel, notes }
}
