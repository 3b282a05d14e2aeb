/**
 * apply_transition(): the one place where state changes. The model (mmu.ts, x86.ts) decides
 * what happens and emits transitions; emitting applies them here. Replaying a recorded stream
 * through this function from the initial state rebuilds every moment of a session.
 *
 * Each case says which kernel statement(s) it stands for.
 */
import { INVALID_PAGE, KVM_MMU_NUM_PREV_ROOTS } from './constants'
import { REQUEST_BIT, type Request } from './requests'
import { compact_active_list, hpa_sp, mmu_slot, sp_hpa, vcpu_mmu } from './state'
import type { Transition, TransitionBody } from './transitions'
import type { kvm, kvm_mmu, kvm_mmu_page, kvm_vcpu } from './types'

function vcpu_of(k: kvm, t: { vcpu: number | null; kind: string }): kvm_vcpu {
  const v = t.vcpu === null ? undefined : k.vcpus[t.vcpu]
  if (!v) throw new Error(`transition ${t.kind} names vCPU ${t.vcpu}, which does not exist`)
  return v
}

function page_of(k: kvm, sp: number, kind: string): kvm_mmu_page {
  const p = k.mmu_pages[sp]
  if (!p) throw new Error(`transition ${kind} names shadow page ${sp}, which does not exist`)
  return p
}

function list_del(list: number[], sp: number): void {
  const i = list.indexOf(sp)
  if (i >= 0) list.splice(i, 1)
}

/** The swap() of two root slots, as in the kernel (the structs are copied by value). */
function swap_root(mmu: kvm_mmu, i: number): void {
  const tmp = mmu.root
  mmu.root = mmu.prev_roots[i]!
  mmu.prev_roots[i] = tmp
}

/** Applies one transition to `k`, in place. Throws if the transition does not fit the state. */
export function apply_transition(k: kvm, t: Transition | TransitionBody): void {
  switch (t.kind) {
    case 'kvm_exit':
      vcpu_of(k, t).in_guest = false
      return
    case 'kvm_set_cr3':
      vcpu_of(k, t).cr3 = t.cr3
      return
    case 'fast_pgd_switch': {
      const mmu = vcpu_of(k, t).root_mmu
      if (t.hit) k.counters.fast_pgd_switch_hits++
      else k.counters.fast_pgd_switch_misses++
      if (t.keep_current) {
        // cached_root_find_and_keep_current(): swap(root, prev_roots[i]) for i = 0.. until a
        // usable root is current; a miss runs all three swaps (the old LRU ends up current).
        const swaps = t.index < 0 ? 0 : Math.min(t.index + 1, KVM_MMU_NUM_PREV_ROOTS)
        for (let i = 0; i < swaps; i++) swap_root(mmu, i)
      } else if (t.hit) {
        // cached_root_find_without_current(): swap the hit into current, bubble up the rest,
        // and invalidate the last slot's hpa (its stale pgd stays).
        let i = t.index
        swap_root(mmu, i)
        for (; i < KVM_MMU_NUM_PREV_ROOTS - 1; i++) mmu.prev_roots[i] = { ...mmu.prev_roots[i + 1]! }
        mmu.prev_roots[i]!.hpa = INVALID_PAGE
      }
      return
    }
    case 'kvm_mmu_new_pgd': {
      // kvm_mmu_new_pgd(): __clear_sp_write_flooding_count(to_shadow_page(root.hpa)) on a hit.
      if (!t.hit) return
      const hpa = vcpu_of(k, t).root_mmu.root.hpa
      page_of(k, hpa_sp(hpa), t.kind).write_flooding_count = 0
      return
    }
    case 'kvm_make_request':
      vcpu_of(k, t).requests |= REQUEST_BIT[t.request as Request]
      return
    case 'kvm_make_all_cpus_request': {
      // kvm_make_all_cpus_request(): every vCPU gets the bit; those in guest mode are kicked
      // out (KVM_REQUEST_WAIT) and handle it on their next vcpu_enter_guest().
      const bit = REQUEST_BIT[t.request as Request]
      for (const v of k.vcpus) {
        v.requests |= bit
        v.in_guest = false
      }
      return
    }
    case 'kvm_check_request':
    case 'kvm_clear_request':
      vcpu_of(k, t).requests &= ~REQUEST_BIT[t.request as Request]
      return
    case 'kvm_mmu_free_roots':
    case 'kvm_mmu_free_obsolete_roots':
    case 'kvm_mmu_unprotect_page':
    case 'kvm_arch_flush_shadow_memslot':
    case 'make_mmu_pages_available':
      return
    case 'mmu_free_root_page': {
      // mmu_free_root_page(): --sp->root_count; *root_hpa = INVALID_PAGE. For the current root
      // kvm_mmu_free_roots() then sets root.pgd = 0.
      const slot = mmu_slot(vcpu_mmu(vcpu_of(k, t), t.mmu), t.slot)
      page_of(k, t.sp, t.kind).root_count--
      slot.hpa = INVALID_PAGE
      if (t.slot === 0) slot.pgd = 0
      k.counters.roots_freed++
      return
    }
    case 'kvm_mmu_unload':
      k.counters.vcpu_unloads++
      return
    case 'kvm_mmu_load':
      k.counters.root_loads++
      return
    case 'mmu_alloc_root': {
      // mmu_alloc_root(): ++sp->root_count; mmu_alloc_shadow_roots(): root.hpa, root.pgd.
      page_of(k, t.sp, t.kind).root_count++
      vcpu_of(k, t).root_mmu.root = { pgd: t.pgd, hpa: sp_hpa(t.sp) }
      return
    }
    case 'kvm_mmu_get_page': {
      if (!t.created) {
        // A hit: __clear_sp_write_flooding_count(sp).
        page_of(k, t.sp, t.kind).write_flooding_count = 0
        return
      }
      // kvm_mmu_alloc_page(): new page at the head of active_mmu_pages, n_used++; hashed;
      // account_shadowed() write-tracks the gfn; ++mmu_cache_miss.
      const sp: kvm_mmu_page = {
        sp: t.sp, gfn: t.gfn, role: { level: t.level, invalid: false }, root_count: 0,
        mmu_valid_gen: t.mmu_valid_gen, write_flooding_count: 0, unsync: false, spt: {},
        on_active_list: true,
      }
      k.mmu_pages[t.sp] = sp
      ;(k.mmu_page_hash[t.gfn] ??= []).push(t.sp)
      k.active_mmu_pages.push(t.sp)
      k.n_used_mmu_pages++
      k.indirect_shadow_pages++
      k.stat.mmu_cache_miss++
      if (t.sp >= k.next_sp) k.next_sp = t.sp + 1
      return
    }
    case 'link_shadow_page':
      page_of(k, t.sp, t.kind).spt[t.index] = t.child
      return
    case 'kvm_mmu_prepare_zap_page': {
      // __kvm_mmu_prepare_zap_page(): ++mmu_shadow_zapped; children unlinked; unaccount_shadowed()
      // unless already invalid; root_count == 0: onto the invalid_list, n_used--; else list_del()
      // (freed when the last root reference drops); role.invalid = 1.
      const sp = page_of(k, t.sp, t.kind)
      k.stat.mmu_shadow_zapped++
      if (t.reason === 'flooded') k.stat.mmu_flooded++
      sp.spt = {}
      if (!sp.role.invalid) k.indirect_shadow_pages--
      sp.on_active_list = false
      if (sp.root_count === 0) k.n_used_mmu_pages--
      sp.role.invalid = true
      compact_active_list(k)
      return
    }
    case 'kvm_mmu_commit_zap_page':
      // kvm_flush_remote_tlbs(): ++remote_tlb_flush only if kvm_make_all_cpus_request() had to
      // kick someone (kvm_kick_many_cpus() returns false for an empty mask), i.e. some vCPU is
      // in guest mode now; its KVM_REQ_TLB_FLUSH to every vCPU is the next transition.
      if (k.vcpus.some((v) => v.in_guest)) k.stat.remote_tlb_flush++
      return
    case 'kvm_mmu_free_page': {
      // kvm_mmu_free_page(): hlist_del, list_del, free.
      const sp = page_of(k, t.sp, t.kind)
      const bucket = k.mmu_page_hash[sp.gfn]
      if (bucket) {
        list_del(bucket, sp.sp)
        if (bucket.length === 0) delete k.mmu_page_hash[sp.gfn]
      }
      sp.on_active_list = false
      delete k.mmu_pages[sp.sp]
      return
    }
    case 'kvm_mmu_zap_all_fast':
      k.mmu_valid_gen = k.mmu_valid_gen ? 0 : 1
      return
    case 'kvm_mmu_pte_write':
      k.stat.mmu_pte_write++
      return
    case 'detect_write_flooding':
      page_of(k, t.sp, t.kind).write_flooding_count = t.write_flooding_count
      return
    case 'clear_sp_write_flooding_count':
      page_of(k, t.sp, t.kind).write_flooding_count = 0
      return
    case 'page_fault':
      if (t.stale) k.counters.stale_faults++
      return
    case 'kvm_mmu_zap_oldest_mmu_pages':
      k.stat.mmu_recycled += t.total_zapped
      return
    case 'vcpu_enter_guest':
      vcpu_of(k, t).in_guest = true
      return
    case 'finding':
      k.counters.findings++
      return
    default: {
      const never: never = t
      throw new Error(`unknown transition kind ${(never as { kind: string }).kind}`)
    }
  }
}

/** Applies a sequence of transitions in order. */
export function apply_transitions(k: kvm, ts: Iterable<Transition>): kvm {
  for (const t of ts) apply_transition(k, t)
  return k
}
