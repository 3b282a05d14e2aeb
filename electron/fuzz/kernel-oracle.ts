/**
 * The fuzzer's third oracle, `kernel`: scripts run on this host's KVM through the capture
 * (electron/kvm/capture.ts: one VM per script, the kernel's kvmmmu events traced) and the
 * kernel's events are compared with the model's under P, op group by op group
 * (electron/kvm/comparator.ts). A script fails when some group *disagrees*: the documented host
 * differences (docs/real-kvm.md, "Host differences") are classified `host-difference` by the
 * comparator and are not failures.
 */
import type { Script } from '../../sim/script'
import type { Policy } from '../../sim/types'
import { captureScripts } from '../kvm/capture'
import { checkCapturable, CaptureRefusal } from '../kvm/capture-plan'
import type { Comparison, GroupComparison } from '../kvm/comparator'
import type { MmuEvent } from '../kvm/model-runner'
import type { Alignment } from '../kvm/op-groups'
import type { Failure } from './model-oracles'

/** A host that can capture (native-helper.ts checkCaptureHost()). */
export interface KernelHost {
  bin: string
  alignment: Alignment
  /** The host's paging, for messages ("kvm_pvm (PVM: shadow paging, tdp_mmu=N)"). */
  paging: string
}

const SHORT: Record<MmuEvent['kind'], string> = {
  kvm_mmu_get_page: 'get_page',
  kvm_mmu_prepare_zap_page: 'prepare_zap',
  kvm_mmu_zap_all_fast: 'zap_all_fast',
}

/** What differs between the kernel's and the model's event at a group's first difference. */
function eventDifference(g: GroupComparison): string {
  const i = g.firstDiff ?? 0
  const k = g.kernel[i]
  const m = g.model[i]
  if (!k && m) return `the model has a ${SHORT[m.kind]} the kernel does not`
  if (k && !m) return `the kernel has a ${SHORT[k.kind]} the model does not`
  if (!k || !m) return 'the events differ'
  if (k.kind !== m.kind) return `kernel ${SHORT[k.kind]} where the model has ${SHORT[m.kind]}`
  const fields = (['gfn', 'level', 'gen', 'root_count', 'invalid', 'created'] as const).filter((f) => k[f] !== m[f])
  return `${SHORT[k.kind]} ${fields.join(', ')} differ${fields.length === 1 ? 's' : ''}`
}

/** The failure of a comparison with a disagreeing group, or null when the kernel agrees (or differs only as documented). */
export function kernelFailure(script: Script, c: Comparison): Failure | null {
  const g = c.disagreements[0]
  if (!g) return null
  const op = g.group >= 0 ? script.ops[g.group] : undefined
  const where = op ? op.op : 'teardown'
  const i = g.firstDiff ?? 0
  const describe = (e: MmuEvent | undefined) =>
    e ? `${SHORT[e.kind]} gfn 0x${e.gfn.toString(16)} l${e.level} gen ${e.gen}${e.invalid ? ' invalid' : ''} root ${e.root_count}` : '(none)'
  return {
    oracle: 'kernel',
    // The kind of op only: the events' details vary with everything before them, and a
    // signature that named them would split one kernel difference into many reproducers.
    signature: `the kernel disagrees with the model at ${where === 'teardown' ? 'the VM\'s teardown' : `a ${where} op`}`,
    op: g.group >= 0 ? g.group : script.ops.length - 1,
    detail: `${g.label}: ${eventDifference(g)} (kernel ${describe(g.kernel[i])}, model ${describe(g.model[i])})`,
  }
}

/** Whether a capture can run `script` (shrinking can produce scripts it cannot). */
export function capturable(script: Script): boolean {
  try {
    checkCapturable(script)
    return true
  } catch (e) {
    if (e instanceof CaptureRefusal) return false
    throw e
  }
}

/**
 * Captures `scripts` in one helper run and returns each one's failure (null: agrees or differs
 * only by documented host differences). Scripts a capture cannot run must be filtered out first.
 * Throws the capture's errors (CaptureHostError, CaptureRunError, TraceMismatchError).
 */
export async function checkKernel(host: KernelHost, scripts: readonly Script[], policy: Policy): Promise<(Failure | null)[]> {
  if (scripts.length === 0) return []
  const outcome = await captureScripts(host.bin, scripts, { alignment: host.alignment, policy })
  return outcome.results.map((r) => kernelFailure(r.script, r.comparison))
}
