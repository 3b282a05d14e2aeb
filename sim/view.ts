/**
 * The state as users see it: the JSON shape of `rootlab inspect --json` (cli-contract.md), with a
 * few additions the debugger needs (extensions only; nothing in the contract is changed).
 * Addresses are hex strings, INVALID_PAGE is null, shadow pages carry their id `sp`.
 */
import { KVM_MMU_NUM_PREV_ROOTS, PT64_ROOT_4LEVEL } from './constants'
import { request_names, type Request } from './requests'
import { hex, hpa_sp, is_obsolete_sp, VALID_PAGE } from './state'
import type { kvm, kvm_mmu_root_info, kvm_vm_stat, lab_counters } from './types'

export interface SlotView {
  /** Guest CR3 this slot was loaded for; null when INVALID_PAGE (never used). */
  pgd: string | null
  /** Host physical address of the root's shadow page table; null when INVALID_PAGE. */
  hpa: string | null
  /** Shadow page id; null when INVALID_PAGE. */
  sp: number | null
}

export interface VcpuView {
  id: number
  in_guest: boolean
  /** The guest's CR3 (vcpu->arch.cr3). */
  cr3: string
  root: SlotView
  prev_roots: SlotView[]
  requests: Request[]
}

export interface ShadowPageView {
  sp: number
  gfn: string
  level: number
  root_count: number
  invalid: boolean
  obsolete: boolean
  mmu_valid_gen: number
  write_flooding_count: number
  unsync: boolean
  /** On active_mmu_pages (false: zapped, kept alive by its root references). */
  active: boolean
  /** Root slots holding this page, as "vcpu:slot" with slot 0 = root, 1 + i = prev_roots[i]. */
  held_by: string[]
  /** A `roots` view lists this page (in_roots_scope): held by a root slot, or of the root level. */
  in_roots_scope: boolean
}

/**
 * Which shadow pages a view lists: `all` = every page of kvm->arch.mmu_page_hash (the default);
 * `roots` = only the pages a root slot holds (vcpu->arch.mmu->root / prev_roots) or of level
 * PT64_ROOT_4LEVEL: what the vCPU cards need for root_count / invalid / obsolete; `none` = no page.
 */
export type PageScope = 'all' | 'roots' | 'none'

export interface StateView {
  seq: number
  /**
   * The level of a root shadow page (PT64_ROOT_4LEVEL): a `roots` view lists a page of this
   * level for as long as it exists, any other only while a root slot holds it.
   */
  root_level: number
  mmu_valid_gen: number
  n_used_mmu_pages: number
  n_max_mmu_pages: number
  vcpus: VcpuView[]
  /**
   * Every shadow page that exists at that moment (of the view's scope), by sp id; freed pages
   * are absent.
   */
  shadow_pages: ShadowPageView[]
  /** Set when the view lists only part of the pages (`roots`, `none`); absent for `all`. */
  shadow_pages_scope?: Exclude<PageScope, 'all'>
  /** How many shadow pages exist, listed or not; set with shadow_pages_scope. */
  shadow_pages_total?: number
  stats: kvm_vm_stat
  counters: Omit<lab_counters, 'findings'>
  findings: number
}

function slot_view(r: kvm_mmu_root_info): SlotView {
  const valid = VALID_PAGE(r.hpa)
  return {
    pgd: VALID_PAGE(r.pgd) ? hex(r.pgd) : null,
    hpa: valid ? hex(r.hpa) : null,
    sp: valid ? hpa_sp(r.hpa) : null,
  }
}

/** A page that a `roots` view lists: held by a root slot, or of the root level. */
export function in_roots_scope(p: Pick<ShadowPageView, 'level' | 'held_by'>): boolean {
  return p.level === PT64_ROOT_4LEVEL || p.held_by.length > 0
}

/**
 * The view of state `k` after transition `seq`, listing the shadow pages of `opts.pages`
 * (default `all`: the `inspect --json` shape, unchanged).
 */
export function state_view(k: kvm, seq: number, opts: { pages?: PageScope } = {}): StateView {
  const scope = opts.pages ?? 'all'
  const held: Record<number, string[]> = {}
  for (const v of k.vcpus) {
    const slots = [v.root_mmu.root, ...v.root_mmu.prev_roots]
    for (let s = 0; s <= KVM_MMU_NUM_PREV_ROOTS; s++) {
      const r = slots[s]!
      if (VALID_PAGE(r.hpa)) (held[hpa_sp(r.hpa)] ??= []).push(`${v.vcpu_id}:${s}`)
    }
  }
  const all = Object.values(k.mmu_pages)
  const listed = scope === 'all' ? all
    : scope === 'none' ? []
    : all.filter((p) => p.role.level === PT64_ROOT_4LEVEL || held[p.sp] !== undefined)
  const shadow_pages: ShadowPageView[] = listed
    .sort((a, b) => a.sp - b.sp)
    .map((p) => ({
      sp: p.sp, gfn: hex(p.gfn), level: p.role.level, root_count: p.root_count,
      invalid: p.role.invalid, obsolete: is_obsolete_sp(k, p), mmu_valid_gen: p.mmu_valid_gen,
      write_flooding_count: p.write_flooding_count, unsync: p.unsync, active: p.on_active_list,
      held_by: held[p.sp] ?? [],
      in_roots_scope: in_roots_scope({ level: p.role.level, held_by: held[p.sp] ?? [] }),
    }))
  const { findings, ...counters } = k.counters
  return {
    seq,
    root_level: PT64_ROOT_4LEVEL,
    mmu_valid_gen: k.mmu_valid_gen,
    n_used_mmu_pages: k.n_used_mmu_pages,
    n_max_mmu_pages: k.n_max_mmu_pages,
    vcpus: k.vcpus.map((v) => ({
      id: v.vcpu_id, in_guest: v.in_guest, cr3: hex(v.cr3),
      root: slot_view(v.root_mmu.root), prev_roots: v.root_mmu.prev_roots.map(slot_view),
      requests: request_names(v.requests),
    })),
    shadow_pages,
    ...(scope === 'all' ? {} : { shadow_pages_scope: scope, shadow_pages_total: all.length }),
    stats: { ...k.stat },
    counters,
    findings,
  }
}
