/**
 * Capture plans: a script mapped onto the real guest of native/kvm-capture, or refused with the
 * op's index. The plan format is documented at the top of native/kvm-capture/kvm-capture.c.
 *
 * The capture guest (kvm-capture.c): a 64-bit guest started directly in long mode; every pgd of
 * the script is a PML4 page pointing to one shared PDPT/PD that identity-maps the low 16 MiB
 * with 2 MiB pages; each vCPU's first cr3 is its initial CR3 (KVM_SET_SREGS); each operation is
 * its own KVM_RUN of a stub ending in `out` (memslot: a spare memslot is deleted or moved).
 */
import type { Script } from '../../sim/script'
import type { Op } from '../../sim/types'

/** Guest-physical limit of the page-table area: pgds and pt_write pages lie below it. */
export const PGD_LIMIT = 0x500000
/** Bytes of guest code per vCPU, and the largest stub (mov imm64 + movq + out). */
const CODE_STRIDE = 0x10000
const MAX_STUB = 22
/** Operations one vCPU can run in a capture. */
export const MAX_OPS_PER_VCPU = Math.floor(CODE_STRIDE / MAX_STUB) - 1
/** Spare memslots a capture creates: at most this many memslot ops per script. */
export const MAX_MEMSLOT_OPS = 256
/** vCPUs a capture guest can have (kvm-capture.c MAX_VCPUS). */
export const MAX_CAPTURE_VCPUS = 64
/** Offset of the written 8 bytes in a PML4 page (entry 256: unused by the identity map). */
export const PT_WRITE_OFFSET = 0x800

/** A script that cannot run on the capture guest; the message names the op's index. */
export class CaptureRefusal extends Error {
  override name = 'CaptureRefusal'
}

const hex = (n: number): string => '0x' + n.toString(16)

/** Checks that every op of `script` maps onto the capture guest; throws CaptureRefusal. */
export function checkCapturable(script: Script): void {
  if (script.vcpus > MAX_CAPTURE_VCPUS) {
    throw new CaptureRefusal(`the script has ${script.vcpus} vCPUs; a capture guest has at most ${MAX_CAPTURE_VCPUS}`)
  }
  const hasCr3 = new Array<boolean>(script.vcpus).fill(false)
  const perVcpu = new Array<number>(script.vcpus).fill(0)
  let memslots = 0
  script.ops.forEach((op: Op, i) => {
    const at = `op ${i} (${op.op})`
    switch (op.op) {
      case 'fault':
      case 'unprotect':
        throw new CaptureRefusal(
          `${at}: cannot be mapped onto a real guest: a capture runs only cr3, pt_write, run and memslot ` +
            `(${op.op === 'fault' ? 'guest page faults would also build non-root shadow pages the model does not predict per op' : 'kvm_mmu_unprotect_page() has no guest-side trigger'})`,
        )
      case 'cr3':
        if (op.pgd >= PGD_LIMIT) {
          throw new CaptureRefusal(`${at}: pgd ${hex(op.pgd)} is outside the capture guest's page-table area (0x0 to ${hex(PGD_LIMIT - 0x1000)})`)
        }
        hasCr3[op.vcpu] = true
        break
      case 'pt_write':
      case 'run':
        if (!hasCr3[op.vcpu]) {
          throw new CaptureRefusal(`${at}: vCPU ${op.vcpu} has no page table yet: in a capture a vCPU starts at its first cr3, so give it a cr3 first`)
        }
        if (op.op === 'pt_write' && op.gfn * 0x1000 >= PGD_LIMIT) {
          throw new CaptureRefusal(`${at}: gfn ${hex(op.gfn)} is outside the capture guest's page-table area (gfn 0x0 to ${hex(PGD_LIMIT / 0x1000 - 1)})`)
        }
        break
      case 'memslot':
        if (++memslots > MAX_MEMSLOT_OPS) throw new CaptureRefusal(`${at}: more than ${MAX_MEMSLOT_OPS} memslot operations in one script`)
        break
    }
    if (op.op !== 'memslot' && ++perVcpu[op.vcpu]! > MAX_OPS_PER_VCPU) {
      throw new CaptureRefusal(`${at}: more than ${MAX_OPS_PER_VCPU} operations on vCPU ${op.vcpu} (the capture guest's code area is full)`)
    }
  })
}

/**
 * The plan text for scripts (one VM each, in order). `index` in the plan is the position in
 * `scripts`. Throws CaptureRefusal, naming the script when there are several.
 */
export function planText(scripts: readonly Script[], n_max_mmu_pages: number): string {
  const lines = ['plan 1']
  scripts.forEach((script, k) => {
    try {
      checkCapturable(script)
    } catch (e) {
      if (e instanceof CaptureRefusal && scripts.length > 1) throw new CaptureRefusal(`script ${k}: ${e.message}`)
      throw e
    }
    const memslots = script.ops.filter((op) => op.op === 'memslot').length
    lines.push(`script ${k} vcpus ${script.vcpus} nr_mmu_pages ${n_max_mmu_pages} memslots ${memslots}`)
    const pgds = [...new Set(script.ops.flatMap((op) => (op.op === 'cr3' ? [op.pgd] : [])))]
    for (const pgd of pgds) lines.push(`pgd ${pgd.toString(16)}`)
    const started = new Array<boolean>(script.vcpus).fill(false)
    for (const op of script.ops) {
      if (op.op === 'cr3' && !started[op.vcpu]) {
        started[op.vcpu] = true
        lines.push(`init ${op.vcpu} ${op.pgd.toString(16)}`)
      }
    }
    started.fill(false)
    script.ops.forEach((op, i) => {
      switch (op.op) {
        case 'cr3':
          // The first cr3 of a vCPU is its initial CR3: the op is a KVM_RUN of `out` that loads it.
          lines.push(started[op.vcpu] ? `op ${i} cr3 ${op.vcpu} ${op.pgd.toString(16)}` : `op ${i} run ${op.vcpu}`)
          started[op.vcpu] = true
          break
        case 'run':
          lines.push(`op ${i} run ${op.vcpu}`)
          break
        case 'pt_write':
          lines.push(`op ${i} write ${op.vcpu} ${(op.gfn * 0x1000 + PT_WRITE_OFFSET).toString(16)}`)
          break
        case 'memslot':
          lines.push(`op ${i} memslot ${op.action}`)
          break
        default:
          throw new CaptureRefusal(`op ${i} (${op.op}): cannot be mapped onto a real guest`)
      }
    })
    lines.push('end')
  })
  return lines.join('\n') + '\n'
}
