/**
 * Transitions: every effect of the model, as a small plain record named after the kernel function
 * that has the effect. Applying a session's transitions in order to its initial state
 * (apply.ts) rebuilds every moment without re-running the model.
 *
 * TRANSITION_SCHEMA is the single source of truth for the kinds and their fields, in canonical
 * order: the TypeScript types, the canonical encoding (digest.ts) and the session database's
 * codec are all derived from it.
 */

export type FieldType = 'int' | 'bool' | 'str'

/** Kind -> field name -> type. Field order is the canonical order. */
export const TRANSITION_SCHEMA = {
  /** The vCPU left guest mode to handle something (reason: cr3, pt_write, page_fault). */
  kvm_exit: { reason: 'str' },
  /** x86.c kvm_set_cr3(): vcpu->arch.cr3 = cr3. */
  kvm_set_cr3: { cr3: 'int' },
  /**
   * mmu.c fast_pgd_switch(): the LRU search of the cached roots.
   * `index`: -1 = the current root is usable, 0..2 = hit in prev_roots[index], 3 = miss.
   * `keep_current`: which helper ran (cached_root_find_and_keep_current or ..._without_current).
   */
  fast_pgd_switch: { pgd: 'int', hit: 'bool', index: 'int', keep_current: 'bool' },
  /** mmu.c kvm_mmu_new_pgd(), after fast_pgd_switch: on a hit, clears the new root's flooding count. */
  kvm_mmu_new_pgd: { pgd: 'int', hit: 'bool' },
  /** kvm_make_request(): sets a request bit on this vCPU. */
  kvm_make_request: { request: 'str' },
  /** kvm_make_all_cpus_request(): sets the bit on every vCPU and kicks those in guest mode. */
  kvm_make_all_cpus_request: { request: 'str' },
  /** kvm_check_request() that found the bit set: clears it; its handler follows. */
  kvm_check_request: { request: 'str' },
  /** mmu.c kvm_mmu_free_roots() that has work to do (mmu: 0 = root_mmu, 1 = guest_mmu). */
  kvm_mmu_free_roots: { mmu: 'int', roots_to_free: 'int' },
  /**
   * mmu.c mmu_free_root_page(): --sp->root_count and the slot's hpa becomes INVALID_PAGE (for the
   * current root kvm_mmu_free_roots() also sets pgd = 0). slot: 0 = root, 1 + i = prev_roots[i].
   * root_count is the value after the decrement.
   */
  mmu_free_root_page: { mmu: 'int', slot: 'int', sp: 'int', root_count: 'int' },
  /** mmu.c kvm_mmu_unload(): v5.17's handler of KVM_REQ_MMU_RELOAD. */
  kvm_mmu_unload: {},
  /** mmu.c kvm_mmu_free_obsolete_roots(): roots_to_free is the mask computed for root_mmu. */
  kvm_mmu_free_obsolete_roots: { roots_to_free: 'int' },
  /** mmu.c kvm_mmu_load(), called by kvm_mmu_reload() when the current root is INVALID. */
  kvm_mmu_load: {},
  /** mmu.c mmu_alloc_root() + mmu_alloc_shadow_roots(): ++sp->root_count, root = {pgd, hpa}. */
  mmu_alloc_root: { sp: 'int', pgd: 'int' },
  /** Tracepoint kvmmmu:kvm_mmu_get_page, with the values printed at that moment. */
  kvm_mmu_get_page: {
    sp: 'int', gfn: 'int', level: 'int', mmu_valid_gen: 'int', root_count: 'int',
    invalid: 'bool', unsync: 'bool', created: 'bool',
  },
  /** paging_tmpl.h FNAME(fetch) -> link_shadow_page(): parent sp's SPTE `index` -> child. */
  link_shadow_page: { sp: 'int', index: 'int', child: 'int' },
  /**
   * Tracepoint kvmmmu:kvm_mmu_prepare_zap_page, printed at the top of
   * __kvm_mmu_prepare_zap_page(), so `invalid` and `root_count` are the values before this zap.
   * reason: flooded | unprotect | obsolete | recycled | free_root. zapped_root: an in-use root was
   * zapped while not obsolete, so a request to all vCPUs follows.
   */
  kvm_mmu_prepare_zap_page: {
    sp: 'int', gfn: 'int', level: 'int', mmu_valid_gen: 'int', root_count: 'int',
    invalid: 'bool', unsync: 'bool', reason: 'str', zapped_root: 'bool',
  },
  /** mmu.c kvm_mmu_commit_zap_page() of a non-empty invalid_list: kvm_flush_remote_tlbs(). */
  kvm_mmu_commit_zap_page: { nr: 'int' },
  /** mmu.c kvm_mmu_free_page(): the shadow page is gone (hlist_del, list_del, free). */
  kvm_mmu_free_page: { sp: 'int' },
  /** Tracepoint kvmmmu:kvm_mmu_zap_all_fast (old generation, n_used_mmu_pages); then the toggle. */
  kvm_mmu_zap_all_fast: { mmu_valid_gen: 'int', used_pages: 'int' },
  /** A memslot DELETE or MOVE: kvm_arch_flush_shadow_memslot() -> kvm_mmu_zap_all_fast(). */
  kvm_arch_flush_shadow_memslot: { action: 'str' },
  /** mmu.c kvm_mmu_pte_write(): an emulated write to a write-tracked gfn (++mmu_pte_write). */
  kvm_mmu_pte_write: { gfn: 'int' },
  /** mmu.c detect_write_flooding(): the page's new write_flooding_count. */
  detect_write_flooding: { sp: 'int', write_flooding_count: 'int' },
  /** mmu.c clear_sp_write_flooding_count(): the page was used, its flooding count is reset. */
  clear_sp_write_flooding_count: { sp: 'int' },
  /** mmu.c kvm_mmu_unprotect_page(): zaps every shadow page of the gfn. */
  kvm_mmu_unprotect_page: { gfn: 'int' },
  /** A guest page fault; stale = retried by is_page_fault_stale(); fixed = the walk was built. */
  page_fault: { gva: 'int', stale: 'bool', fixed: 'bool' },
  /** mmu.c kvm_mmu_zap_oldest_mmu_pages(): mmu_recycled += total_zapped. */
  kvm_mmu_zap_oldest_mmu_pages: { nr_to_zap: 'int', total_zapped: 'int' },
  /** mmu.c make_mmu_pages_available() that had to recycle: avail before, result 0 or -ENOSPC. */
  make_mmu_pages_available: { avail: 'int', result: 'int' },
  /** x86.c vcpu_enter_guest(): requests handled, root loaded, the vCPU is in guest mode. */
  vcpu_enter_guest: {},
  /**
   * The lab's WARN_ON: an invariant did not hold after the previous transition. sp and slot name
   * the object at fault (-1 when none).
   */
  finding: { rule: 'str', message: 'str', sp: 'int', slot: 'int' },
  /** kvm_clear_request(): a pending request dropped without its handler (KVM_REQ_TLB_FLUSH covers _CURRENT). */
  kvm_clear_request: { request: 'str' },
} as const satisfies Record<string, Record<string, FieldType>>

export type Schema = typeof TRANSITION_SCHEMA
export type TransitionKind = keyof Schema
export const TRANSITION_KINDS = Object.keys(TRANSITION_SCHEMA) as TransitionKind[]

type FieldValue<T> = T extends 'int' ? number : T extends 'bool' ? boolean : string

/** Fields every transition has. */
export interface TransitionBase {
  /** Position in the session, from 1. */
  seq: number
  /** Index of the operation (script op or generated op) that produced it, from 0. */
  op: number
  /** The vCPU it concerns, or null for VM-wide effects. */
  vcpu: number | null
}

export type TransitionOf<K extends TransitionKind> = TransitionBase & { kind: K } & {
  -readonly [F in keyof Schema[K]]: FieldValue<Schema[K][F]>
}

/** One transition: a discriminated union on `kind`. */
export type Transition = { [K in TransitionKind]: TransitionOf<K> }[TransitionKind]

/** What the model emits: a transition before the runner numbers it. */
export type TransitionBody = { [K in TransitionKind]: Omit<TransitionOf<K>, 'seq' | 'op'> }[TransitionKind]

/** Field names of a kind, in canonical order. */
export function transition_fields(kind: TransitionKind): readonly string[] {
  return FIELD_NAMES[kind]
}
const FIELD_NAMES = Object.fromEntries(
  TRANSITION_KINDS.map((k) => [k, Object.keys(TRANSITION_SCHEMA[k])]),
) as unknown as Record<TransitionKind, readonly string[]>

export function is_transition_kind(name: string): name is TransitionKind {
  return Object.prototype.hasOwnProperty.call(TRANSITION_SCHEMA, name)
}

/** Reasons a shadow page is zapped (kvm_mmu_prepare_zap_page.reason). */
export const ZAP_REASONS = ['flooded', 'unprotect', 'obsolete', 'recycled', 'free_root'] as const
export type ZapReason = (typeof ZAP_REASONS)[number]

/** Finding rules: the lab's WARN_ONs (model.md). */
export const FINDING_RULES = [
  /** After handling KVM_REQ_MMU_FREE_OBSOLETE_ROOTS a slot still holds an obsolete root. */
  'obsolete_root_kept',
  /** A shadow page's root_count differs from the number of root slots that hold it. */
  'root_count_mismatch',
  /** A vCPU entered the guest with an INVALID, invalid or obsolete current root. */
  'entered_with_bad_root',
  /** A freed shadow page is still referenced by a root slot. */
  'freed_page_referenced',
] as const
export type FindingRule = (typeof FINDING_RULES)[number]

/**
 * A root zap, as the debugger's "next root zap" means it: the first zap of a root shadow page that
 * some root slot holds (root_count > 0 before the zap). The session database indexes these.
 */
export function is_root_zap(t: Transition): boolean {
  return t.kind === 'kvm_mmu_prepare_zap_page' && t.level === 4 && !t.invalid && t.root_count > 0
}
