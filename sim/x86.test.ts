/**
 * The x86.c side: kvm_set_cr3() (-> kvm_mmu_new_pgd(), kvm_invalidate_pcid()) and
 * vcpu_enter_guest()'s request block, in kernel order, followed by kvm_mmu_reload(); requests
 * made with kvm_make_all_cpus_request() (kvm-reference.md §1.4, §2.4).
 */
import { describe, expect, it } from 'vitest'
import { POLICIES, type Policy } from './types'
import {
  checked_requests, cr3, create_lab, fill_cache, findings, flood, kinds, of_kind, pending, root_page,
  run, slots, switch_to, unprotect,
} from './testing'

const ROOTS_REQUEST: Record<Policy, string> = {
  'reload-all': 'KVM_REQ_MMU_RELOAD',
  'free-obsolete-buggy': 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
  'free-obsolete': 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS',
}

describe('x86.c kvm_set_cr3()', () => {
  it('a new CR3 exits guest mode, goes through kvm_mmu_new_pgd(), and kvm_invalidate_pcid(0) requests MMU_SYNC and TLB_FLUSH_CURRENT', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(switch_to(0, 'A'))
    const ts = lab.ops(cr3(0, 'B'))
    expect(ts[0]).toMatchObject({ kind: 'kvm_exit', vcpu: 0, reason: 'cr3' })
    expect(lab.kvm.vcpus[0]!.in_guest).toBe(false)
    expect(kinds(ts)).toContain('kvm_mmu_new_pgd')
    expect(lab.kvm.vcpus[0]!.cr3).toBe(0xb000)
    expect(pending(lab.kvm, 0, 'KVM_REQ_MMU_SYNC')).toBe(true)
    expect(pending(lab.kvm, 0, 'KVM_REQ_TLB_FLUSH_CURRENT')).toBe(true)
  })

  it('writing the CR3 it already has skips kvm_mmu_new_pgd() (cr3 == kvm_read_cr3()) but still flushes', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(fill_cache(0, ['A', 'B']))
    const ts = lab.ops(cr3(0, 'A'))
    expect(kinds(ts)).not.toContain('kvm_mmu_new_pgd')
    expect(kinds(ts)).not.toContain('fast_pgd_switch')
    expect(slots(lab.kvm, 0)).toBe('A | B - -')
    expect(pending(lab.kvm, 0, 'KVM_REQ_MMU_SYNC')).toBe(true)
    expect(pending(lab.kvm, 0, 'KVM_REQ_TLB_FLUSH_CURRENT')).toBe(true)
  })

  it('with CR4.PCIDE = 0 a CR3 write frees no prev root', () => {
    const lab = create_lab('free-obsolete')
    lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']))
    const ts = lab.ops(cr3(0, 'B'))
    expect(kinds(ts)).not.toContain('kvm_mmu_free_roots')
    expect(slots(lab.kvm, 0)).toBe('B | A C D')
  })
})

describe.each(POLICIES)('x86.c vcpu_enter_guest() [%s]', (policy) => {
  /**
   * vCPU 0 hits B in its cache (KVM_REQ_LOAD_MMU_PGD, MMU_SYNC, TLB_FLUSH_CURRENT pending), then
   * vCPU 1 floods C, vCPU 0's prev_roots[1]: the roots request is pending too.
   */
  function everything_pending() {
    const lab = create_lab(policy, { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B', 'C']), switch_to(1, 'E'), cr3(0, 'B'), flood(1, 'C'))
    expect(slots(lab.kvm, 0)).toBe('B | A C! -')
    for (const r of [ROOTS_REQUEST[policy], 'KVM_REQ_MMU_SYNC', 'KVM_REQ_LOAD_MMU_PGD', 'KVM_REQ_TLB_FLUSH_CURRENT']) {
      expect(pending(lab.kvm, 0, r as never)).toBe(true)
    }
    return lab
  }

  it('handles the roots request first, then KVM_REQ_MMU_SYNC, KVM_REQ_LOAD_MMU_PGD and the TLB flushes, then enters', () => {
    const lab = everything_pending()
    const ts = lab.ops(run(0))
    const order = checked_requests(ts, 0)
    const at = (r: string): number => order.indexOf(r)
    expect(order[0]).toBe(ROOTS_REQUEST[policy])
    expect(at('KVM_REQ_MMU_SYNC')).toBeGreaterThan(at(ROOTS_REQUEST[policy]))
    expect(at('KVM_REQ_LOAD_MMU_PGD')).toBeGreaterThan(at('KVM_REQ_MMU_SYNC'))
    const flushes = order.filter((r) => r.startsWith('KVM_REQ_TLB_FLUSH'))
    expect(flushes.length).toBeGreaterThan(0)
    for (const f of flushes) expect(at(f)).toBeGreaterThan(at('KVM_REQ_LOAD_MMU_PGD'))
    // The roots handler runs right after its check, before any other request is looked at.
    const k = kinds(ts)
    const handler = policy === 'reload-all' ? 'kvm_mmu_unload' : 'kvm_mmu_free_obsolete_roots'
    expect(k.indexOf(handler)).toBe(k.indexOf('kvm_check_request') + 1)
    expect(k[k.length - 1]).toBe('vcpu_enter_guest')
    expect(lab.kvm.vcpus[0]!.requests).toBe(0)
    expect(lab.kvm.vcpus[0]!.in_guest).toBe(true)
  })

  it('kvm_mmu_reload() runs after the whole request block: a current root freed by the roots request is loaded in the same entry', () => {
    const lab = create_lab(policy, { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B']), switch_to(1, 'E'), flood(1, 'A'))
    const ts = lab.ops(run(0))
    const k = kinds(ts)
    const last_check = k.lastIndexOf('kvm_check_request')
    expect(k.indexOf('kvm_mmu_load')).toBeGreaterThan(last_check)
    expect(k.indexOf('vcpu_enter_guest')).toBeGreaterThan(k.indexOf('kvm_mmu_load'))
    expect(root_page(lab.kvm, 'A').role.invalid).toBe(false)
    expect(lab.kvm.vcpus[0]!.in_guest).toBe(true)
    expect(findings(ts).filter((f) => f.startsWith('entered_with_bad_root'))).toEqual([])
  })

  it('a request to a vCPU not in guest mode waits for its next run', () => {
    const lab = create_lab(policy, { vcpus: 3 })
    lab.ops(fill_cache(2, ['A', 'C']), cr3(2, 'D'), switch_to(1, 'E'))
    // vCPU 2 is out of guest mode (it exited for MOV CR3 and has not run since).
    expect(lab.kvm.vcpus[2]!.in_guest).toBe(false)
    lab.ops(flood(1, 'C'), switch_to(0, 'F'), run(1))
    expect(pending(lab.kvm, 2, ROOTS_REQUEST[policy] as never)).toBe(true)
    expect(slots(lab.kvm, 2)).toBe('- | A C! -') // the miss rotated an empty LRU slot into current
    const ts = lab.ops(run(2))
    expect(checked_requests(ts, 2)[0]).toBe(ROOTS_REQUEST[policy])
    expect(pending(lab.kvm, 2, ROOTS_REQUEST[policy] as never)).toBe(false)
  })

  it('a vCPU in guest mode is kicked out by kvm_make_all_cpus_request()', () => {
    const lab = create_lab(policy, { vcpus: 3 })
    lab.ops(switch_to(0, 'A'), switch_to(1, 'B'), switch_to(2, 'C'))
    expect(lab.kvm.vcpus.map((v) => v.in_guest)).toEqual([true, true, true])
    lab.ops(flood(1, 'A'))
    expect(lab.kvm.vcpus.map((v) => v.in_guest)).toEqual([false, false, false])
    expect([0, 1, 2].map((v) => pending(lab.kvm, v, ROOTS_REQUEST[policy] as never))).toEqual([true, true, true])
  })

  it('a request made of one vCPU (kvm_make_request) concerns that vCPU only', () => {
    const lab = create_lab(policy, { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B']), switch_to(1, 'E'), cr3(0, 'B'))
    expect(pending(lab.kvm, 0, 'KVM_REQ_LOAD_MMU_PGD')).toBe(true)
    expect(lab.kvm.vcpus[1]!.requests).toBe(0)
    expect(lab.kvm.vcpus[1]!.in_guest).toBe(true)
  })
})

describe('x86.c vcpu_enter_guest(): KVM_REQ_TLB_FLUSH and KVM_REQ_TLB_FLUSH_CURRENT', () => {
  // v5.18 vcpu_enter_guest():
  //     if (kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu)) {
  //             kvm_vcpu_flush_tlb_all(vcpu);
  //             /* Flushing all ASIDs flushes the current ASID... */
  //             kvm_clear_request(KVM_REQ_TLB_FLUSH_CURRENT, vcpu);
  //     }
  //     kvm_service_local_tlb_flush_requests(vcpu);  /* checks TLB_FLUSH_CURRENT: now clear */
  // so with both pending, TLB_FLUSH_CURRENT is cleared without kvm_check_request() finding it and
  // kvm_vcpu_flush_tlb_current() does not run (the model emits kvm_clear_request for it).
  it('a pending KVM_REQ_TLB_FLUSH clears KVM_REQ_TLB_FLUSH_CURRENT, whose handler does not run', () => {
    const lab = create_lab('free-obsolete', { vcpus: 2 })
    lab.ops(fill_cache(0, ['A', 'B', 'C', 'D']), switch_to(0, 'E')) // D evicted: root_count 0
    lab.ops(cr3(0, 'A'), unprotect('D')) // TLB_FLUSH_CURRENT (MOV CR3), then TLB_FLUSH (commit)
    expect(pending(lab.kvm, 0, 'KVM_REQ_TLB_FLUSH')).toBe(true)
    expect(pending(lab.kvm, 0, 'KVM_REQ_TLB_FLUSH_CURRENT')).toBe(true)
    const ts = lab.ops(run(0))
    expect(checked_requests(ts, 0)).toEqual(['KVM_REQ_MMU_SYNC', 'KVM_REQ_LOAD_MMU_PGD', 'KVM_REQ_TLB_FLUSH'])
    expect(lab.kvm.vcpus[0]!.requests).toBe(0)
  })

  it('KVM_REQ_TLB_FLUSH_CURRENT alone is serviced after KVM_REQ_LOAD_MMU_PGD', () => {
    const lab = create_lab('free-obsolete', { vcpus: 1 })
    lab.ops(fill_cache(0, ['A', 'B']), cr3(0, 'B'))
    const ts = lab.ops(run(0))
    expect(checked_requests(ts, 0)).toEqual(['KVM_REQ_MMU_SYNC', 'KVM_REQ_LOAD_MMU_PGD', 'KVM_REQ_TLB_FLUSH_CURRENT'])
    expect(of_kind(ts, 'vcpu_enter_guest')).toHaveLength(1)
  })
})
