/**
 * Trace text that a kernel which behaves exactly like the model would print for a script: ftrace
 * lines with `rootlab op N` markers, the model's kvm_mmu_get_page / kvm_mmu_prepare_zap_page /
 * kvm_mmu_zap_all_fast events of each op group (op-groups.ts), and the predicted teardown. For
 * tests and benchmarks of `rootlab import` at any size (the real traces in shared/data are small),
 * and as the base the bad-input corpus damages.
 */
import type { Script } from '../../../sim/script'
import type { Op } from '../../../sim/types'
import { runModel, type MmuEvent } from '../model-runner'
import { scriptOpGroups, type Alignment } from '../op-groups'

const PID = 4242

/** KVM_MMU_PAGE_PRINTK's text for a page event (mmutrace.h), as the tracefs `trace` file shows it. */
function eventLine(e: MmuEvent, ts: string): string {
  const prefix = `         python3-${PID}   [000] ...1.  ${ts}: `
  if (e.kind === 'kvm_mmu_zap_all_fast') return `${prefix}kvm_mmu_zap_all_fast: kvm-mmu-valid-gen ${e.gen} used_pages 0`
  const tail = e.kind === 'kvm_mmu_get_page' ? (e.created ? ' new' : ' existing') : ''
  return `${prefix}${e.kind}: sp gen ${e.gen} gfn ${e.gfn.toString(16)} l${e.level} 8-byte q0 wux${e.invalid ? ' invalid' : ''} nxe ad root ${e.root_count} sync${tail}`
}

/**
 * The trace of `script` (alignment: how the traced host ran each op; see op-groups.ts).
 * `noisePerOp` adds that many kvm_emulate_insn lines per op, as a PVM host's trace has (lines the
 * import reads and counts but does not keep): a trace of realistic bytes per op.
 */
export function syntheticTrace(script: Script, alignment: Alignment = 'reentry', noisePerOp = 0): string {
  const groups = scriptOpGroups(script.ops, script.vcpus, alignment)
  const run = runModel(groups, { vcpus: script.vcpus, n_max_mmu_pages: 1024, keepTransitions: false })
  const lines = ['# tracer: nop', '#']
  let t = 1000
  const ts = (): string => (t += 0.000001).toFixed(6)
  const mark = (text: string): void => void lines.push(`         python3-${PID}   [000] ...1.  ${ts()}: tracing_mark_write: ${text}`)
  mark(`rootlab script 0 vcpus ${script.vcpus}`)
  run.byGroup.forEach((events, i) => {
    mark(`rootlab op ${i}`)
    for (let k = 0; k < noisePerOp; k++) lines.push(`         python3-${PID}   [000] .....  ${ts()}: kvm_emulate_insn: 0:${(0x600000 + k * 2).toString(16)}:e6 10 (prot64)`)
    for (const e of events) lines.push(eventLine(e, ts()))
  })
  mark('rootlab teardown')
  for (const e of run.teardown) lines.push(eventLine(e, ts()))
  mark('rootlab end')
  return lines.join('\n') + '\n'
}

/** A script of `count` ops a capture could run (cr3, run, pt_write, memslot), deterministic in `seed`. */
export function captureLikeScript(vcpus: number, count: number, seed: number): Script {
  let s = seed >>> 0
  const next = (n: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s % n
  }
  const ops: Op[] = []
  for (let v = 0; v < vcpus && ops.length < count; v++) ops.push({ op: 'cr3', vcpu: v, pgd: (0x10 + v) * 0x1000 })
  while (ops.length < count) {
    const v = next(vcpus)
    const x = next(100)
    if (x < 30) ops.push({ op: 'cr3', vcpu: v, pgd: (0x10 + next(24)) * 0x1000 })
    else if (x < 60) ops.push({ op: 'run', vcpu: v })
    else if (x < 99) ops.push({ op: 'pt_write', vcpu: v, gfn: 0x10 + next(24) })
    else ops.push({ op: 'memslot', action: 'delete' })
  }
  return { vcpus, ops }
}
