/**
 * step(): one guest operation -> the transitions KVM's reaction produces (model.md, "Guest
 * operations"). Operations run as given: a vCPU enters the guest only on `run`; a request to a
 * vCPU out of guest mode waits for its next `run`.
 */
import { emit, type Ctx } from './context'
import { guest_page_fault } from './mmu/fault'
import { guest_pt_write } from './mmu/pte_write'
import { kvm_mmu_unprotect_page, kvm_mmu_zap_all_fast } from './mmu/zap'
import { clone_kvm } from './state'
import type { Transition } from './transitions'
import type { kvm, Op, Policy } from './types'
import { kvm_set_cr3, vcpu_enter_guest } from './x86'

/** Executes `op` on ctx.kvm (in place), emitting its transitions to ctx.sink. */
export function execute_op(ctx: Ctx, op: Op): void {
  switch (op.op) {
    case 'cr3':
      kvm_set_cr3(ctx, op.vcpu, op.pgd)
      return
    case 'run':
      vcpu_enter_guest(ctx, op.vcpu)
      return
    case 'fault':
      guest_page_fault(ctx, op.vcpu, op.gva)
      return
    case 'pt_write':
      guest_pt_write(ctx, op.vcpu, op.gfn)
      return
    case 'unprotect':
      kvm_mmu_unprotect_page(ctx, op.gfn)
      return
    case 'memslot':
      emit(ctx, { seq: 0, op: 0, kind: 'kvm_arch_flush_shadow_memslot', vcpu: null, action: op.action })
      kvm_mmu_zap_all_fast(ctx)
      return
  }
}

/**
 * The model as a pure transition function (XState's transition(logic, snapshot, event)):
 * returns the next state and the transitions operation `op_index` produced. `state` is not
 * modified. `seq` is the seq of the last transition before this step (0 at the start).
 */
export function step(
  state: kvm, op: Op, policy: Policy, op_index: number, seq: number,
): { state: kvm; transitions: Transition[] } {
  const next = clone_kvm(state)
  const transitions: Transition[] = []
  execute_op({ kvm: next, policy, op: op_index, seq, sink: (t) => transitions.push(t) }, op)
  return { state: next, transitions }
}

/**
 * A running model, for long sessions: advances one state in place (no copies) and hands each
 * transition to `sink`. Use step() where the previous state must be kept.
 */
export interface Machine {
  readonly ctx: Ctx
  /** Executes the next operation; returns the number of transitions it produced. */
  run_op(op: Op): number
}

export function create_machine(state: kvm, policy: Policy, sink: (t: Transition) => void): Machine {
  const ctx: Ctx = { kvm: state, policy, op: -1, seq: 0, sink }
  return {
    ctx,
    run_op(op: Op): number {
      const before = ctx.seq
      ctx.op++
      execute_op(ctx, op)
      return ctx.seq - before
    },
  }
}
