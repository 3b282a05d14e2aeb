/**
 * Op groups: how one operation as the kernel executed it maps onto the model's operations.
 *
 * The alignment rule (docs/real-kvm.md, "How kernel and model are aligned"). In a capture each
 * script operation is its own KVM_RUN (or, for memslot, its own ioctl), and KVM_RUN always starts
 * with vcpu_enter_guest() — pending requests, then kvm_mmu_reload() — before the guest executes
 * anything. A guest instruction that exits (MOV CR3, a write to a write-tracked page) is handled
 * and the vCPU re-enters (vcpu_enter_guest() again) to execute the `out` that ends the KVM_RUN.
 * In the model, `cr3` only does kvm_set_cr3() -> kvm_mmu_new_pgd() and `pt_write` only the
 * emulated write; entries are explicit `run`s. So script op i runs in the model as:
 *
 *     script op                      model ops (one group)      kernel
 *     cr3 v pgd (v's first cr3)      cr3 v pgd, run v            initial CR3 (KVM_SET_SREGS), KVM_RUN of `out`
 *     cr3 v pgd (later)              run v, cr3 v pgd, run v     KVM_RUN of `mov $pgd,%rax; mov %rax,%cr3; out`
 *     pt_write v gfn                 run v, pt_write v gfn, run v KVM_RUN of `mov $gpa,%rbx; movq $0,(%rbx); out`
 *     run v                          run v                       KVM_RUN of `out`
 *     memslot delete|move            memslot                     KVM_SET_USER_MEMORY_REGION on a spare slot
 *
 * Every kernel event between the markers "rootlab op i" and "rootlab op i+1" belongs to group i,
 * and so does every model transition of the group's model ops: the comparison is exact, event for
 * event, in order, with no timing slack. A `run` with nothing pending produces no tracepoint event
 * in either, so the extra entries cost nothing and hide nothing.
 */
import type { Op } from '../../sim/types'

/**
 * How a KVM_RUN that executes an exiting guest instruction maps onto model ops.
 *  - `reentry` (upstream VMX/SVM): after the exit is handled the vCPU re-enters through
 *    vcpu_enter_guest() (requests, kvm_mmu_reload()) before executing `out`: a trailing `run`.
 *  - `pvm-batch` (PVM hosts, kvm_pvm `pvm_emul_batch`): the stub's instructions are emulated in
 *    one batch; requests raised by an emulated write usually wait for the vCPU's next KVM_RUN, so
 *    a pt_write group has no trailing `run` — but now and then (about 1 write in 200 that raises
 *    a request, on the machine this was measured on) the host ends the batch early and re-enters
 *    before the `out`. Such a group carries both executions (`ops`, `alt`) and the comparator
 *    follows the one the kernel's events show. (After a cr3 miss the root is loaded before the
 *    batch goes on, exactly as a trailing `run` does: the cr3 itself raises no request with events.)
 */
export type Alignment = 'reentry' | 'pvm-batch'

/** One group: the model ops that stand for one kernel-side operation. */
export interface OpGroup {
  /** Index of the group: the script op index (capture, markers) or a derived index (import). */
  index: number
  /** What the group is, for messages: "op 18: pt_write vcpu 1 gfn 0xc". */
  label: string
  /** The script op, or null for a group derived from a trace without a script. */
  scriptOp: Op | null
  /** The model ops of the group, in order. */
  ops: Op[]
  /**
   * Another execution of the same op that the host may choose (nondeterministically); the
   * comparator picks whichever the kernel's events show (model-runner.ts chooseExecutions()).
   */
  alt?: Op[]
}

/** Human-readable form of an op. */
export function describeOp(op: Op): string {
  switch (op.op) {
    case 'cr3': return `cr3 vcpu ${op.vcpu} pgd 0x${op.pgd.toString(16)}`
    case 'run': return `run vcpu ${op.vcpu}`
    case 'fault': return `fault vcpu ${op.vcpu} gva 0x${op.gva.toString(16)}`
    case 'pt_write': return `pt_write vcpu ${op.vcpu} gfn 0x${op.gfn.toString(16)}`
    case 'unprotect': return `unprotect gfn 0x${op.gfn.toString(16)}`
    case 'memslot': return `memslot ${op.action}`
  }
}

/**
 * The op groups of a script run as a capture runs it (table above). Ops that a capture cannot
 * execute (fault, unprotect) and ops before a vCPU's first cr3 are refused by capture-plan.ts;
 * here they map to themselves so that an imported trace with a script can still be compared.
 */
export function scriptOpGroups(ops: readonly Op[], vcpus: number, alignment: Alignment = 'reentry'): OpGroup[] {
  const seenCr3 = new Array<boolean>(vcpus).fill(false)
  return ops.map((op, index) => {
    let model: Op[]
    switch (op.op) {
      case 'cr3':
        model = seenCr3[op.vcpu]
          ? [{ op: 'run', vcpu: op.vcpu }, op, { op: 'run', vcpu: op.vcpu }]
          : [op, { op: 'run', vcpu: op.vcpu }]
        seenCr3[op.vcpu] = true
        break
      case 'pt_write':
        model = alignment === 'reentry'
          ? [{ op: 'run', vcpu: op.vcpu }, op, { op: 'run', vcpu: op.vcpu }]
          : [{ op: 'run', vcpu: op.vcpu }, op]
        break
      default:
        model = [op]
    }
    const group: OpGroup = { index, label: `op ${index}: ${describeOp(op)}`, scriptOp: op, ops: model }
    if (op.op === 'pt_write' && alignment === 'pvm-batch') group.alt = [...model, { op: 'run', vcpu: op.vcpu }]
    return group
  })
}

/** The model ops of all groups, flattened, with each model op's group index. */
export function flattenGroups(groups: readonly OpGroup[]): { ops: Op[]; groupOf: number[] } {
  const ops: Op[] = []
  const groupOf: number[] = []
  for (let g = 0; g < groups.length; g++) {
    for (const op of groups[g]!.ops) {
      ops.push(op)
      groupOf.push(g)
    }
  }
  return { ops, groupOf }
}
