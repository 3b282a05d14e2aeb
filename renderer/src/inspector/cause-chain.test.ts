import { describe, expect, it } from 'vitest'
import type { TransitionRow } from '../../../electron/api/contract'
import { causeChain, findCause, type CauseSource } from './cause-chain'

/** op 10: a third pt_write zaps vCPU 0's prev root; op 11: vCPU 1 runs and frees it. */
const ROWS: TransitionRow[] = [
  { seq: 100, op: 10, kind: 'kvm_exit', vcpu: 0, reason: 'pt_write' },
  { seq: 101, op: 10, kind: 'kvm_mmu_pte_write', vcpu: 0, gfn: 0x1004 },
  { seq: 102, op: 10, kind: 'detect_write_flooding', vcpu: 0, sp: 8, write_flooding_count: 3 },
  { seq: 103, op: 10, kind: 'kvm_mmu_prepare_zap_page', vcpu: 0, sp: 8, reason: 'flooded', zapped_root: true, level: 4, invalid: false, root_count: 2 },
  { seq: 104, op: 10, kind: 'kvm_make_all_cpus_request', vcpu: null, request: 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS' },
  { seq: 105, op: 11, kind: 'kvm_check_request', vcpu: 1, request: 'KVM_REQ_MMU_SYNC' },
  { seq: 106, op: 11, kind: 'kvm_check_request', vcpu: 1, request: 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS' },
  { seq: 107, op: 11, kind: 'kvm_mmu_free_obsolete_roots', vcpu: 1, roots_to_free: 4 },
  { seq: 108, op: 11, kind: 'kvm_mmu_free_roots', vcpu: 1, mmu: 0, roots_to_free: 4 },
  { seq: 109, op: 11, kind: 'mmu_free_root_page', vcpu: 1, mmu: 0, slot: 2, sp: 8, root_count: 1 },
  { seq: 110, op: 11, kind: 'finding', vcpu: 1, rule: 'obsolete_root_kept', message: 'm', sp: 8, slot: 1 },
]

const src: CauseSource = {
  before: async (seq, n) => ROWS.filter((r) => r.seq < seq && r.seq >= seq - n),
  findPrev: async (seq, kind) => [...ROWS].reverse().find((r) => r.seq < seq && r.kind === kind) ?? null,
}

describe('cause chain', () => {
  it('walks a free back to the pt_write that flooded the root', async () => {
    const chain = await causeChain(ROWS[9]!, src)
    expect(chain.map((t) => t.kind)).toEqual([
      'mmu_free_root_page', 'kvm_mmu_free_roots', 'kvm_mmu_free_obsolete_roots', 'kvm_check_request',
      'kvm_make_all_cpus_request', 'kvm_mmu_prepare_zap_page', 'detect_write_flooding', 'kvm_mmu_pte_write', 'kvm_exit',
    ])
  })

  it('matches the request that was checked, not just the nearest check', () => {
    expect(findCause(ROWS[7]!, ROWS)?.seq).toBe(106)
  })

  it('gives a finding the transition right before it', () => {
    expect(findCause(ROWS[10]!, ROWS)?.seq).toBe(109)
  })

  it('stays inside the operation except for a checked request', () => {
    const lone: TransitionRow = { seq: 200, op: 20, kind: 'kvm_mmu_free_roots', vcpu: 1, mmu: 0, roots_to_free: 1 }
    expect(findCause(lone, ROWS)).toBeNull()
  })
})
