/**
 * The fields that say what a transition did, per kind, in the order a reader wants them: a
 * one-line display (the CLI's `events`, the debugger's log) shows these first and the rest after
 * (the CLI) or in a tooltip (the log). A kind not listed shows its fields in canonical order.
 */
import { transition_fields, type TransitionKind } from './transitions'

export const KEY_FIELDS: Partial<Record<TransitionKind, readonly string[]>> = {
  kvm_mmu_prepare_zap_page: ['sp', 'gfn', 'level', 'root_count', 'reason'],
  kvm_mmu_get_page: ['sp', 'gfn', 'level', 'root_count', 'created'],
  mmu_free_root_page: ['slot', 'sp', 'root_count'],
  mmu_alloc_root: ['sp', 'pgd'],
  fast_pgd_switch: ['pgd', 'hit', 'index'],
  kvm_mmu_new_pgd: ['pgd', 'hit'],
  kvm_mmu_free_roots: ['roots_to_free'],
  kvm_mmu_free_obsolete_roots: ['roots_to_free'],
  finding: ['rule', 'sp', 'slot'],
  link_shadow_page: ['sp', 'index', 'child'],
  detect_write_flooding: ['sp', 'write_flooding_count'],
  kvm_mmu_zap_all_fast: ['mmu_valid_gen', 'used_pages'],
  kvm_mmu_zap_oldest_mmu_pages: ['total_zapped', 'nr_to_zap'],
  make_mmu_pages_available: ['avail', 'result'],
  page_fault: ['gva', 'stale', 'fixed'],
}

/** Fields whose value is a bit mask (shown in hex, like the kernel's KVM_MMU_ROOT_* flags). */
export const MASK_FIELDS: ReadonlySet<string> = new Set(['roots_to_free'])

/** The fields of `kind`: its key fields first, then the others in canonical order. */
export function fields_key_first(kind: TransitionKind): { key: readonly string[]; rest: readonly string[] } {
  const all = transition_fields(kind)
  const key = (KEY_FIELDS[kind] ?? all).filter((f) => all.includes(f))
  return { key, rest: all.filter((f) => !key.includes(f)) }
}
