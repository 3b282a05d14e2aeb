/**
 * The cause chain of a transition: "this free ← this request ← this zap ← this pt_write".
 *
 * Each kind names the kinds that can have caused it (the kernel's call chain, read backwards).
 * The cause is the nearest earlier transition of one of those kinds in the same operation (and on
 * the same vCPU where the kernel works per vCPU). A kvm_check_request is the exception: the
 * request it found was made by an earlier operation, often on another vCPU, so its cause is looked
 * up across operations (findTransition).
 */
import type { TransitionRow } from '../../../electron/api/contract'

interface CauseRule {
  kinds: readonly string[]
  /** The candidate must be on the same vCPU as the effect. */
  sameVcpu?: boolean
  /** Extra condition on the candidate. */
  match?: (cand: TransitionRow, t: TransitionRow) => boolean
}

const sameSp = (c: TransitionRow, t: TransitionRow): boolean => c.sp === t.sp
const sameRequest = (c: TransitionRow, t: TransitionRow): boolean => c.request === t.request

const ZAP_CAUSE: Record<string, CauseRule> = {
  flooded: { kinds: ['detect_write_flooding'], match: sameSp },
  unprotect: { kinds: ['kvm_mmu_unprotect_page'] },
  obsolete: { kinds: ['kvm_mmu_zap_all_fast'] },
  recycled: { kinds: ['kvm_mmu_zap_oldest_mmu_pages'] },
  free_root: { kinds: ['mmu_free_root_page'], match: sameSp },
}

/** The rule for `t`, or null when `t` starts a chain (its cause is the operation itself). */
export function causeRule(t: TransitionRow): CauseRule | null {
  switch (t.kind) {
    case 'mmu_free_root_page':
      return { kinds: ['kvm_mmu_free_roots', 'kvm_mmu_free_obsolete_roots', 'kvm_mmu_unload', 'fast_pgd_switch'], sameVcpu: true }
    case 'kvm_mmu_free_roots':
      return { kinds: ['kvm_mmu_free_obsolete_roots', 'kvm_mmu_unload', 'fast_pgd_switch'], sameVcpu: true }
    case 'kvm_mmu_free_obsolete_roots':
      return { kinds: ['kvm_check_request'], sameVcpu: true, match: (c) => c.request === 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS' }
    case 'kvm_mmu_unload':
      return { kinds: ['kvm_check_request'], sameVcpu: true, match: (c) => c.request === 'KVM_REQ_MMU_RELOAD' }
    case 'kvm_check_request':
      return { kinds: ['kvm_make_all_cpus_request', 'kvm_make_request'], match: (c, e) => sameRequest(c, e) && (c.kind === 'kvm_make_all_cpus_request' || c.vcpu === e.vcpu) }
    case 'kvm_clear_request':
      return { kinds: ['kvm_check_request'], sameVcpu: true }
    case 'kvm_make_all_cpus_request':
      return { kinds: ['kvm_mmu_prepare_zap_page', 'kvm_mmu_zap_all_fast'], match: (c) => c.kind === 'kvm_mmu_zap_all_fast' || c.zapped_root === true }
    case 'kvm_make_request':
      return { kinds: ['kvm_mmu_new_pgd', 'kvm_set_cr3', 'fast_pgd_switch'], sameVcpu: true }
    case 'kvm_mmu_prepare_zap_page':
      return ZAP_CAUSE[String(t.reason)] ?? null
    case 'detect_write_flooding':
      return { kinds: ['kvm_mmu_pte_write'] }
    case 'kvm_mmu_pte_write':
      return { kinds: ['kvm_exit'], sameVcpu: true }
    case 'kvm_mmu_commit_zap_page':
      return { kinds: ['kvm_mmu_prepare_zap_page'] }
    case 'kvm_mmu_free_page':
      return { kinds: ['kvm_mmu_commit_zap_page'] }
    case 'kvm_mmu_zap_all_fast':
      return { kinds: ['kvm_arch_flush_shadow_memslot'] }
    case 'kvm_mmu_zap_oldest_mmu_pages':
      return { kinds: ['make_mmu_pages_available'] }
    case 'make_mmu_pages_available':
      return { kinds: ['kvm_mmu_load', 'page_fault'], sameVcpu: true }
    case 'mmu_alloc_root':
      return { kinds: ['kvm_mmu_get_page'], match: sameSp }
    case 'kvm_mmu_get_page':
      return t.level === 4 ? { kinds: ['kvm_mmu_load'], sameVcpu: true } : { kinds: ['page_fault'], sameVcpu: true }
    case 'link_shadow_page':
      return { kinds: ['kvm_mmu_get_page'], match: (c, e) => c.sp === e.child }
    case 'fast_pgd_switch':
      return { kinds: ['kvm_set_cr3'], sameVcpu: true }
    case 'kvm_mmu_new_pgd':
      return { kinds: ['fast_pgd_switch'], sameVcpu: true }
    case 'clear_sp_write_flooding_count':
      return { kinds: ['kvm_mmu_get_page', 'page_fault', 'kvm_mmu_new_pgd'] }
    case 'page_fault':
      return { kinds: ['kvm_exit'], sameVcpu: true }
    case 'kvm_set_cr3':
      return { kinds: ['kvm_exit'], sameVcpu: true }
    default:
      return null
  }
}

/** A kind whose cause may lie in an earlier operation. */
export function crossesOps(t: TransitionRow): boolean {
  return t.kind === 'kvm_check_request'
}

/**
 * The cause of `t` among `rows` (any order; only rows before `t` count): the nearest one that
 * fits the rule. Outside kvm_check_request, only rows of the same operation count. A finding's
 * cause is the transition right before it.
 */
export function findCause(t: TransitionRow, rows: readonly TransitionRow[]): TransitionRow | null {
  if (t.kind === 'finding') {
    let best: TransitionRow | null = null
    for (const r of rows) if (r.seq < t.seq && r.kind !== 'finding' && (!best || r.seq > best.seq)) best = r
    return best && best.op === t.op ? best : null
  }
  const rule = causeRule(t)
  if (!rule) return null
  let best: TransitionRow | null = null
  for (const c of rows) {
    if (c.seq >= t.seq || (best && c.seq <= best.seq)) continue
    if (!crossesOps(t) && c.op !== t.op) continue
    if (!rule.kinds.includes(c.kind)) continue
    if (rule.sameVcpu && c.vcpu !== t.vcpu) continue
    if (rule.match && !rule.match(c, t)) continue
    best = c
  }
  return best
}

/** Where the chain walker gets transitions from (the LabApi, or a fake in tests). */
export interface CauseSource {
  /** Transitions with seq in [max(1, seq - n), seq - 1], ascending. */
  before(seq: number, n: number): Promise<TransitionRow[]>
  /** The nearest transition of `kind` before `seq`, or null. */
  findPrev(seq: number, kind: string): Promise<TransitionRow | null>
}

const WINDOW = 400
const MAX_CHAIN = 12

/** The chain from `t` back to its root cause, `t` first. */
export async function causeChain(t: TransitionRow, src: CauseSource): Promise<TransitionRow[]> {
  const chain: TransitionRow[] = [t]
  let rows = await src.before(t.seq, WINDOW)
  let cur = t
  while (chain.length < MAX_CHAIN) {
    let cause = findCause(cur, rows)
    if (!cause && crossesOps(cur)) cause = await findAcrossOps(cur, src)
    if (!cause) break
    chain.push(cause)
    const first = rows[0]
    if (!first || first.seq > cause.seq - 50 || !rows.some((r) => r.seq === cause.seq)) {
      rows = await src.before(cause.seq, WINDOW)
    }
    cur = cause
  }
  return chain
}

async function findAcrossOps(t: TransitionRow, src: CauseSource): Promise<TransitionRow | null> {
  const rule = causeRule(t)
  if (!rule) return null
  let best: TransitionRow | null = null
  for (const kind of rule.kinds) {
    let from = t.seq
    for (let tries = 0; tries < 16; tries++) {
      const c = await src.findPrev(from, kind)
      if (!c || (best && c.seq < best.seq)) break
      if (!rule.match || rule.match(c, t)) {
        best = c
        break
      }
      from = c.seq
    }
  }
  return best
}
