/**
 * Kind groups for the timeline's density view (DensityResult.groups): every transition kind
 * belongs to exactly one group.
 */
import { TRANSITION_KINDS, type TransitionKind } from '../../sim/transitions'

export const KIND_GROUPS = ['roots', 'zaps', 'requests', 'pages', 'faults', 'writes', 'other'] as const
export type KindGroup = (typeof KIND_GROUPS)[number]

const GROUP_OF: Partial<Record<TransitionKind, KindGroup>> = {
  fast_pgd_switch: 'roots', kvm_mmu_new_pgd: 'roots', kvm_mmu_free_roots: 'roots', mmu_free_root_page: 'roots',
  kvm_mmu_unload: 'roots', kvm_mmu_free_obsolete_roots: 'roots', kvm_mmu_load: 'roots', mmu_alloc_root: 'roots',
  kvm_set_cr3: 'roots',
  kvm_mmu_prepare_zap_page: 'zaps', kvm_mmu_commit_zap_page: 'zaps', kvm_mmu_free_page: 'zaps',
  kvm_mmu_zap_all_fast: 'zaps', kvm_arch_flush_shadow_memslot: 'zaps', kvm_mmu_unprotect_page: 'zaps',
  kvm_mmu_zap_oldest_mmu_pages: 'zaps',
  kvm_make_request: 'requests', kvm_make_all_cpus_request: 'requests', kvm_check_request: 'requests',
  kvm_mmu_get_page: 'pages', link_shadow_page: 'pages', make_mmu_pages_available: 'pages',
  page_fault: 'faults',
  kvm_mmu_pte_write: 'writes', detect_write_flooding: 'writes', clear_sp_write_flooding_count: 'writes',
}

/** Group index (into KIND_GROUPS) of each kind index. */
export const GROUP_OF_KIND: number[] = TRANSITION_KINDS.map((k) => KIND_GROUPS.indexOf(GROUP_OF[k] ?? 'other'))
