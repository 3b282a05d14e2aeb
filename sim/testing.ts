/**
 * Helpers for the model's unit tests: build a VM, drive it with operations under a policy, keep
 * the transitions, and describe root slots compactly by gfn letter. Pure (no test framework, no
 * Node modules), so any test under sim/ can use it.
 *
 * Guest PGD pages are named by letter: gfn('A') = 0xa, ... The letters stay clear of the guest's
 * lower-level page-table gfns (guest_page_tables.ts), so a letter always names a root.
 */
import { INVALID_PAGE, KVM_MIN_ALLOC_MMU_PAGES, PAGE_SIZE, PT64_ROOT_4LEVEL } from './constants'
import { REQUEST_BIT, type Request } from './requests'
import { hpa_sp, kvm_create, VALID_PAGE } from './state'
import { create_machine, type Machine } from './step'
import type { Transition, TransitionKind, TransitionOf } from './transitions'
import type { kvm, kvm_mmu_page, kvm_mmu_root_info, Op, Policy } from './types'

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** The guest frame of PGD page `letter` ('A' -> 0xa, 'B' -> 0xb, ...). */
export function gfn(letter: string): number {
  const i = LETTERS.indexOf(letter)
  if (letter.length !== 1 || i < 0) throw new Error(`PGD letters are A..Z, got ${JSON.stringify(letter)}`)
  return 0xa + i
}

/** The guest CR3 (PGD address) of PGD page `letter`. */
export function pgd(letter: string): number {
  return gfn(letter) * PAGE_SIZE
}

/** The letter of a PGD gfn, or its hex when it is not a lettered PGD page. */
export function letter_of_gfn(g: number): string {
  const i = g - 0xa
  return i >= 0 && i < LETTERS.length ? LETTERS[i]! : '0x' + g.toString(16)
}

// Operations, written the way a test reads.
export const cr3 = (vcpu: number, letter: string): Op => ({ op: 'cr3', vcpu, pgd: pgd(letter) })
export const run = (vcpu: number): Op => ({ op: 'run', vcpu })
export const fault = (vcpu: number, gva: number): Op => ({ op: 'fault', vcpu, gva })
/** A guest write to PGD page `target` (a letter) or to any gfn (a number). */
export const pt_write = (vcpu: number, target: string | number): Op =>
  ({ op: 'pt_write', vcpu, gfn: typeof target === 'number' ? target : gfn(target) })
export const unprotect = (target: string | number): Op =>
  ({ op: 'unprotect', gfn: typeof target === 'number' ? target : gfn(target) })
export const memslot = (action: 'delete' | 'move' = 'delete'): Op => ({ op: 'memslot', action })
/** MOV CR3 then VM entry: the vCPU runs process `letter`. */
export const switch_to = (vcpu: number, letter: string): Op[] => [cr3(vcpu, letter), run(vcpu)]
/** Three emulated writes by `vcpu` to PGD page `target` (or a gfn): enough to flood a level >= 2 page. */
export const flood = (vcpu: number, target: string | number): Op[] =>
  [pt_write(vcpu, target), pt_write(vcpu, target), pt_write(vcpu, target)]
/**
 * Ops that leave `vcpu` (from a fresh vCPU) with current root letters[0] and prev_roots
 * letters[1..] in that order (MRU first): it runs the processes from the last to the first.
 */
export const fill_cache = (vcpu: number, letters: string[]): Op[] =>
  [...letters].reverse().flatMap((l) => switch_to(vcpu, l))

export interface LabOptions {
  vcpus?: number
  /** kvm->arch.n_max_mmu_pages; default 1000, so nothing is recycled unless a test asks. */
  n_max_mmu_pages?: number
}

/** A VM under test: its state, the machine that advances it, and every transition so far. */
export interface Lab {
  readonly policy: Policy
  readonly kvm: kvm
  readonly machine: Machine
  /** Every transition since the VM was created. */
  readonly transitions: Transition[]
  /** Runs `ops` (arrays are flattened) and returns the transitions they produced. */
  ops(...ops: (Op | Op[])[]): Transition[]
}

export function create_lab(policy: Policy, o: LabOptions = {}): Lab {
  const n_max = o.n_max_mmu_pages ?? 1000
  if (n_max < KVM_MIN_ALLOC_MMU_PAGES) throw new Error(`n_max_mmu_pages must be >= ${KVM_MIN_ALLOC_MMU_PAGES}`)
  const state = kvm_create({ vcpus: o.vcpus ?? 2, n_max_mmu_pages: n_max })
  const transitions: Transition[] = []
  const machine = create_machine(state, policy, (t) => transitions.push(t))
  return {
    policy, kvm: state, machine, transitions,
    ops(...ops) {
      const from = transitions.length
      for (const op of ops.flat()) machine.run_op(op)
      return transitions.slice(from)
    },
  }
}

/** The transitions of one kind, typed. */
export function of_kind<K extends TransitionKind>(ts: readonly Transition[], kind: K): TransitionOf<K>[] {
  return ts.filter((t): t is TransitionOf<K> & Transition => t.kind === kind) as TransitionOf<K>[]
}

/** The kinds, in order. */
export function kinds(ts: readonly Transition[]): TransitionKind[] {
  return ts.map((t) => t.kind)
}

/** The requests a vCPU found pending and handled (kvm_check_request), in order. */
export function checked_requests(ts: readonly Transition[], vcpu: number): string[] {
  return of_kind(ts, 'kvm_check_request').filter((t) => t.vcpu === vcpu).map((t) => t.request)
}

/** Whether `request` is pending on `vcpu`. */
export function pending(k: kvm, vcpu: number, request: Request): boolean {
  return (k.vcpus[vcpu]!.requests & REQUEST_BIT[request]) !== 0
}

/**
 * A root slot in one word:
 *   'A'    valid, holding the root of PGD A (pgd and the page's gfn agree)
 *   'A!'   valid, but the page is invalid (a zapped root kept alive by this slot: a zombie)
 *   'A~'   valid, page not invalid but of the old mmu_valid_gen (obsolete)
 *   '(C)'  hpa INVALID_PAGE with the stale pgd of C; '(0)' stale pgd 0
 *   '-'    KVM_MMU_ROOT_INFO_INVALID (pgd and hpa both INVALID_PAGE)
 */
export function describe_slot(k: kvm, r: kvm_mmu_root_info): string {
  const pgd_name = r.pgd === INVALID_PAGE ? '-' : r.pgd % PAGE_SIZE ? '0x' + r.pgd.toString(16) : letter_of_gfn(r.pgd / PAGE_SIZE)
  if (!VALID_PAGE(r.hpa)) return r.pgd === INVALID_PAGE ? '-' : `(${r.pgd === 0 ? '0' : pgd_name})`
  const sp = k.mmu_pages[hpa_sp(r.hpa)]
  if (!sp) return `${pgd_name}?freed`
  const page = letter_of_gfn(sp.gfn)
  const name = page === pgd_name ? page : `${pgd_name}/${page}`
  return name + (sp.role.invalid ? '!' : sp.mmu_valid_gen !== k.mmu_valid_gen ? '~' : '')
}

/** vCPU `vcpu`'s root_mmu as "cur | prev0 prev1 prev2", e.g. "A | B (C) D". */
export function slots(k: kvm, vcpu: number): string {
  const mmu = k.vcpus[vcpu]!.root_mmu
  return `${describe_slot(k, mmu.root)} | ${mmu.prev_roots.map((r) => describe_slot(k, r)).join(' ')}`
}

/** The root shadow pages (level 4) that exist, oldest first. */
export function root_pages(k: kvm): kvm_mmu_page[] {
  return Object.values(k.mmu_pages).filter((p) => p.role.level === PT64_ROOT_4LEVEL).sort((a, b) => a.sp - b.sp)
}

/**
 * root_count of every root shadow page that exists, keyed by PGD letter ('C!' for an invalid
 * one; a second page of the same gfn gets a prime: "C'").
 */
export function root_counts(k: kvm): Record<string, number> {
  const out: Record<string, number> = {}
  for (const p of root_pages(k)) {
    let key = letter_of_gfn(p.gfn) + (p.role.invalid ? '!' : '')
    while (key in out) key += "'"
    out[key] = p.root_count
  }
  return out
}

/** The valid (not invalid) shadow page of `gfn` at `level`, if any. */
export function page_of(k: kvm, g: number, level = PT64_ROOT_4LEVEL): kvm_mmu_page | undefined {
  return Object.values(k.mmu_pages).find((p) => p.gfn === g && p.role.level === level && !p.role.invalid)
}

/** The valid root page of PGD `letter`; throws if there is none. */
export function root_page(k: kvm, letter: string): kvm_mmu_page {
  const p = page_of(k, gfn(letter))
  if (!p) throw new Error(`no valid root shadow page for PGD ${letter}`)
  return p
}

/** The findings emitted, as "rule@vcpu". */
export function findings(ts: readonly Transition[]): string[] {
  return of_kind(ts, 'finding').map((t) => `${t.rule}@${t.vcpu}`)
}
