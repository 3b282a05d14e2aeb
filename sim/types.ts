/**
 * The model's state: plain, serialisable objects named after the kernel's structures
 * (struct kvm, struct kvm_vcpu, struct kvm_mmu, struct kvm_mmu_page). No classes, no Maps, no
 * functions: a state survives JSON.stringify / JSON.parse and structuredClone unchanged.
 */

/** Which kernel the model follows when a root in use is zapped. See sim/README.md. */
export type Policy = 'reload-all' | 'free-obsolete-buggy' | 'free-obsolete'
export const POLICIES: readonly Policy[] = ['reload-all', 'free-obsolete-buggy', 'free-obsolete']

/** The kernel each policy stands for, for display. */
export const POLICY_KERNEL: Record<Policy, string> = {
  'reload-all': 'v5.17 (KVM_REQ_MMU_RELOAD)',
  'free-obsolete-buggy': 'v5.18.0 (527d5cd7eece, prev-roots loop tests the current root)',
  'free-obsolete': 'v5.19+ (with fix cf4a8693d97a)',
}

/** struct kvm_mmu_root_info: a root slot. `hpa === INVALID_PAGE` when the slot is empty. */
export interface kvm_mmu_root_info {
  /** Guest physical address of the guest's top-level page table (CR3 without flags). */
  pgd: number
  /** Host physical address of the root shadow page table, or INVALID_PAGE (-1). */
  hpa: number
}

/** struct kvm_mmu: the current root and the LRU cache of previous roots (index 0 = MRU). */
export interface kvm_mmu {
  root: kvm_mmu_root_info
  prev_roots: kvm_mmu_root_info[]
}

/** union kvm_mmu_page_role, reduced to the bits that vary in the model. */
export interface kvm_mmu_page_role {
  /** 4 for a root of a 4-level guest, down to 1 (PG_LEVEL_4K). */
  level: number
  /** Set by __kvm_mmu_prepare_zap_page(); part of role.word, so an invalid root is never reused. */
  invalid: boolean
}

/** struct kvm_mmu_page: one shadow page. */
export interface kvm_mmu_page {
  /** The lab's id for the page: unique in a session, never reused (the kernel has only an hpa). */
  sp: number
  /** The guest frame this page shadows (for a root: the guest CR3 >> PAGE_SHIFT). */
  gfn: number
  role: kvm_mmu_page_role
  /** References from root slots (current and prev_roots of every vCPU, both MMUs). */
  root_count: number
  /** kvm->arch.mmu_valid_gen when the page was allocated (0 or 1). */
  mmu_valid_gen: number
  /** Emulated writes since the page was last used; the 3rd zaps a level >= 2 page. */
  write_flooding_count: number
  /** Out-of-sync leaf. Always false here: the lab does not model SPTEs (see sim/README.md). */
  unsync: boolean
  /**
   * Present non-leaf SPTEs: index in this page's table -> child shadow page id. Only links to
   * child shadow pages are modelled, not leaf SPTEs. A link whose child is gone or invalid counts
   * as not present (kvm_mmu_unlink_parents() would have cleared it).
   */
  spt: Record<number, number>
  /** On kvm->arch.active_mmu_pages (false once zapped: off the list, or on an invalid_list). */
  on_active_list: boolean
}

/** KVM VM stats (kvm_vm_stats_desc), counted where the kernel counts them. */
export interface kvm_vm_stat {
  mmu_shadow_zapped: number
  mmu_pte_write: number
  mmu_flooded: number
  mmu_cache_miss: number
  mmu_recycled: number
  mmu_unsync: number
  remote_tlb_flush: number
}

/** The lab's own counters: events no kernel stat counts (cli-contract.md). */
export interface lab_counters {
  /** kvm_mmu_load() calls. */
  root_loads: number
  /** kvm_mmu_unload() calls. */
  vcpu_unloads: number
  /** Root slots released: mmu_free_root_page() calls on a valid slot. */
  roots_freed: number
  fast_pgd_switch_hits: number
  fast_pgd_switch_misses: number
  /** Faults retried by is_page_fault_stale(). */
  stale_faults: number
  /** Findings recorded so far. */
  findings: number
}

/** struct kvm_vcpu, the parts the model needs. */
export interface kvm_vcpu {
  vcpu_id: number
  /** vcpu->arch.cr3: the guest's CR3. */
  cr3: number
  /** vcpu->requests: bit i set = request REQUESTS[i] pending. */
  requests: number
  /** vcpu->mode == IN_GUEST_MODE. */
  in_guest: boolean
  /** vcpu->arch.root_mmu: the MMU that shadows the guest's own page tables. */
  root_mmu: kvm_mmu
  /** vcpu->arch.guest_mmu: nested (L2) MMU. Unused with shadow paging: all slots stay INVALID. */
  guest_mmu: kvm_mmu
}

/** struct kvm (and struct kvm_arch), the parts the model needs. */
export interface kvm {
  /** kvm->arch.mmu_valid_gen: toggles between 0 and 1 in kvm_mmu_zap_all_fast(). */
  mmu_valid_gen: number
  /** Every shadow page that exists (hashed, on the active list or waiting for its last root), by id. */
  mmu_pages: Record<number, kvm_mmu_page>
  /**
   * kvm->arch.mmu_page_hash, keyed by gfn: shadow page ids, oldest first. The kernel adds at the
   * head (hlist_add_head), so its walk order is this array reversed. Invalid pages stay hashed
   * until freed; for_each_valid_sp skips obsolete ones.
   */
  mmu_page_hash: Record<number, number[]>
  /**
   * kvm->arch.active_mmu_pages: shadow page ids, OLDEST FIRST. The kernel's list_add puts new
   * pages at the head, and reclaim walks from the tail (list_for_each_entry_safe_reverse), which
   * is index 0 here. A zapped page is taken off the list by clearing its `on_active_list` (O(1),
   * like list_del) and its id is swept out of the array later (compact_active_list), so the array
   * may still hold ids whose page is off the list: read it through active_list() (state.ts).
   */
  active_mmu_pages: number[]
  n_used_mmu_pages: number
  n_max_mmu_pages: number
  /** Number of write-tracked (indirect, valid) shadow pages: kvm_mmu_pte_write() returns early at 0. */
  indirect_shadow_pages: number
  /** The id the next shadow page will get. */
  next_sp: number
  stat: kvm_vm_stat
  counters: lab_counters
  vcpus: kvm_vcpu[]
}

/** A guest operation: something the guest or the host does that KVM reacts to (model.md). */
export type Op =
  | { op: 'cr3'; vcpu: number; pgd: number }
  | { op: 'run'; vcpu: number }
  | { op: 'fault'; vcpu: number; gva: number }
  | { op: 'pt_write'; vcpu: number; gfn: number }
  | { op: 'unprotect'; gfn: number }
  | { op: 'memslot'; action: 'delete' | 'move' }

export type OpName = Op['op']
export const OP_NAMES: readonly OpName[] = ['cr3', 'run', 'fault', 'pt_write', 'unprotect', 'memslot']

/** Parameters of a VM. */
export interface VmParams {
  vcpus: number
  /** kvm->arch.n_max_mmu_pages (KVM_SET_NR_MMU_PAGES). */
  n_max_mmu_pages: number
}
