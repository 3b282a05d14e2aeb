/**
 * For every transition kind: the kernel function it models and one line on what it does. Taken
 * from the doc comments of TRANSITION_SCHEMA (sim/transitions.ts); shown by the inspector.
 */
import type { TransitionKind } from '../../electron/api/contract'

/** The kernel function a transition kind models. */
export interface KernelDoc {
  /** Where it lives, e.g. "mmu.c: kvm_mmu_free_roots()". */
  fn: string
  /** What it does, in one line. */
  text: string
}

export const KERNEL_DOCS: Record<TransitionKind, KernelDoc> = {
  kvm_exit: { fn: 'vmx.c/svm.c: VM-exit', text: 'The vCPU left guest mode to handle a CR3 write, a page-table write or a page fault.' },
  kvm_set_cr3: { fn: 'x86.c: kvm_set_cr3()', text: 'vcpu->arch.cr3 = cr3; then kvm_mmu_new_pgd() for the new guest page table.' },
  fast_pgd_switch: { fn: 'mmu.c: fast_pgd_switch()', text: 'LRU search of the cached roots (cached_root_find_and_keep_current / _without_current); index -1 = current usable, 0..2 = hit in prev_roots[index], 3 = miss.' },
  kvm_mmu_new_pgd: { fn: 'mmu.c: kvm_mmu_new_pgd()', text: 'After fast_pgd_switch(): on a hit, requests KVM_REQ_LOAD_MMU_PGD and clears the new root\'s write_flooding_count.' },
  kvm_make_request: { fn: 'kvm_host.h: kvm_make_request()', text: 'Sets a request bit in vcpu->requests; handled on the next vcpu_enter_guest().' },
  kvm_make_all_cpus_request: { fn: 'kvm_main.c: kvm_make_all_cpus_request()', text: 'Sets the request bit on every vCPU and kicks the ones in guest mode (KVM_REQUEST_WAIT).' },
  kvm_check_request: { fn: 'kvm_host.h: kvm_check_request()', text: 'vcpu_enter_guest() found the request bit set and cleared it; its handler follows.' },
  kvm_mmu_free_roots: { fn: 'mmu.c: kvm_mmu_free_roots()', text: 'Frees the root slots selected by roots_to_free (KVM_MMU_ROOT_CURRENT | KVM_MMU_ROOT_PREVIOUS(i)).' },
  mmu_free_root_page: { fn: 'mmu.c: mmu_free_root_page()', text: '--sp->root_count and the slot\'s hpa becomes INVALID_PAGE; an invalid sp reaching 0 is zapped.' },
  kvm_mmu_unload: { fn: 'mmu.c: kvm_mmu_unload()', text: 'v5.17\'s handler of KVM_REQ_MMU_RELOAD: frees every root (KVM_MMU_ROOTS_ALL) of both MMUs.' },
  kvm_mmu_free_obsolete_roots: { fn: 'mmu.c: kvm_mmu_free_obsolete_roots()', text: 'Handler of KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: frees the slots whose root is obsolete (v5.18.0 tests the current root in the prev-roots loop).' },
  kvm_mmu_load: { fn: 'mmu.c: kvm_mmu_load()', text: 'Called by kvm_mmu_reload() when root.hpa is INVALID_PAGE: allocates the shadow root, syncs, loads the PGD, flushes.' },
  mmu_alloc_root: { fn: 'mmu.c: mmu_alloc_root()', text: 'mmu_alloc_shadow_roots(): ++sp->root_count, root = {pgd, hpa}.' },
  kvm_mmu_get_page: { fn: 'mmu.c: kvm_mmu_get_page()', text: 'Tracepoint kvmmmu:kvm_mmu_get_page: finds (for_each_valid_sp) or creates the shadow page for gfn and role.' },
  link_shadow_page: { fn: 'paging_tmpl.h: FNAME(fetch) → link_shadow_page()', text: 'The parent sp\'s SPTE at index now points to the child shadow page.' },
  kvm_mmu_prepare_zap_page: { fn: 'mmu.c: __kvm_mmu_prepare_zap_page()', text: 'Tracepoint kvmmmu:kvm_mmu_prepare_zap_page (values before the zap): marks the sp invalid; an in-use root stays until its last reference drops.' },
  kvm_mmu_commit_zap_page: { fn: 'mmu.c: kvm_mmu_commit_zap_page()', text: 'Frees the invalid_list after kvm_flush_remote_tlbs().' },
  kvm_mmu_free_page: { fn: 'mmu.c: kvm_mmu_free_page()', text: 'The shadow page is gone: hlist_del, list_del, free.' },
  kvm_mmu_zap_all_fast: { fn: 'mmu.c: kvm_mmu_zap_all_fast()', text: 'Toggles kvm->arch.mmu_valid_gen, requests all vCPUs to drop obsolete roots, zaps obsolete pages.' },
  kvm_arch_flush_shadow_memslot: { fn: 'x86.c: kvm_arch_flush_shadow_memslot()', text: 'A memslot DELETE or MOVE; calls kvm_mmu_zap_all_fast().' },
  kvm_mmu_pte_write: { fn: 'mmu.c: kvm_mmu_pte_write()', text: 'An emulated guest write to a write-tracked gfn (++mmu_pte_write).' },
  detect_write_flooding: { fn: 'mmu.c: detect_write_flooding()', text: 'Counts emulated writes since the page was last used; the 3rd zaps a level >= 2 page.' },
  clear_sp_write_flooding_count: { fn: 'mmu.c: clear_sp_write_flooding_count()', text: 'The page was used: its write_flooding_count is reset.' },
  kvm_mmu_unprotect_page: { fn: 'mmu.c: kvm_mmu_unprotect_page()', text: 'Zaps every shadow page of the gfn.' },
  page_fault: { fn: 'mmu.c: kvm_mmu_page_fault() → FNAME(page_fault)', text: 'A guest page fault walked under the current root; stale = retried by is_page_fault_stale().' },
  kvm_mmu_zap_oldest_mmu_pages: { fn: 'mmu.c: kvm_mmu_zap_oldest_mmu_pages()', text: 'Recycles the oldest shadow pages (mmu_recycled += total_zapped).' },
  make_mmu_pages_available: { fn: 'mmu.c: make_mmu_pages_available()', text: 'Keeps KVM_MIN_FREE_MMU_PAGES free, recycling if needed; result 0 or -ENOSPC.' },
  vcpu_enter_guest: { fn: 'x86.c: vcpu_enter_guest()', text: 'Requests handled in kernel order, kvm_mmu_reload(), then VM-entry: the vCPU is in guest mode.' },
  kvm_clear_request: { fn: 'kvm_host.h: kvm_clear_request()', text: 'A pending request dropped without running its handler (KVM_REQ_TLB_FLUSH covers KVM_REQ_TLB_FLUSH_CURRENT).' },
  finding: { fn: 'Root Lab invariant (a WARN_ON)', text: 'An invariant did not hold after the previous transition; sp and slot name the object at fault.' },
}

/** The doc of a kind, or a plain fallback for a kind this build does not know. */
export function kernelDoc(kind: string): KernelDoc {
  return (KERNEL_DOCS as Record<string, KernelDoc>)[kind] ?? { fn: kind, text: 'Unknown transition kind.' }
}
