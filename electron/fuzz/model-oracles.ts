/**
 * The fuzzer's two model oracles (docs/fuzzing.md):
 *
 * - `alone`: the script, run under policy P, makes the model record a finding (one of the lab's
 *   WARN_ONs, sim/findings.ts).
 * - `against`: the script, run under P and under policy Q, leaves a different observable state
 *   after some operation: a vCPU's root slots (root and prev_roots, in order), its pending
 *   requests, or the findings the operation produced.
 *
 * A failure carries a *signature*: how it failed, in words that do not depend on sp ids, pgds or
 * op positions. The shrinker keeps a smaller script only if it fails with the same signature, so
 * a reproducer shows the same thing as the script it came from.
 */
import { DEFAULT_N_MAX_MMU_PAGES } from '../../sim/scenarios/index'
import type { Script } from '../../sim/script'
import { REQUEST_BIT } from '../../sim/requests'
import { hex, is_obsolete_sp, kvm_create, slot_name, sp_hpa, to_shadow_page, VALID_PAGE } from '../../sim/state'
import { create_machine, type Machine } from '../../sim/step'
import type { TransitionOf, ZapReason } from '../../sim/transitions'
import { KVM_MMU_NUM_PREV_ROOTS } from '../../sim/constants'
import type { kvm, kvm_mmu_root_info, Policy } from '../../sim/types'
import { describeOp } from '../kvm/op-groups'

/** The three oracles (cli-contract.md `fuzz`): the `oracle` field of a failure. */
export type OracleName = 'alone' | 'against' | 'kernel'

export interface Failure {
  oracle: OracleName
  /** How the script failed; stable under shrinking (see the file comment). */
  signature: string
  /** Index of the script op where it failed (the op of the first finding, or after which the states differ). */
  op: number
  /** One line with the particulars: vCPU, slot, shadow page, pgd. */
  detail: string
}

/** What made a kept root obsolete, by the reason of its first zap (kvm_mmu_prepare_zap_page.reason). */
const ZAP_CAUSE: Record<ZapReason, string> = {
  flooded: 'a write flood',
  unprotect: 'unprotect',
  obsolete: 'a memslot update',
  recycled: 'recycling',
  free_root: 'its last root reference',
}

/** A new VM for `script` (the session default n_max_mmu_pages, as `rootlab record --script` uses). */
function newMachine(script: Script, policy: Policy, sink: Parameters<typeof create_machine>[2]): Machine {
  return create_machine(kvm_create({ vcpus: script.vcpus, n_max_mmu_pages: DEFAULT_N_MAX_MMU_PAGES }), policy, sink)
}

/**
 * The signature of a finding. For `obsolete_root_kept` (the v5.18.0 bug) it names what zapped the
 * kept root and whether the vCPU's current root was VALID when it handled the request: the bug's
 * two faces (sim/README.md), a zapped prev root kept beside a good current root, and every
 * obsolete root kept by a vCPU whose current root was INVALID (mask 0).
 */
function findingFailure(t: TransitionOf<'finding'>, k: kvm, zaps: Map<number, RootZap>): Failure {
  if (t.rule !== 'obsolete_root_kept' || t.vcpu === null) {
    return { oracle: 'alone', signature: t.rule, op: t.op, detail: t.message }
  }
  const zap = zaps.get(t.sp)
  const cause = zap ? ZAP_CAUSE[zap.reason] : 'an unknown cause'
  // Where the kept root was in this vCPU's cache when it was zapped: a prev root (the case of
  // kvm-reference.md §3.2), or the current root the vCPU then switched away from.
  const was = zap?.current.includes(t.vcpu) ? 'the current root' : 'a prev root'
  const current = VALID_PAGE(k.vcpus[t.vcpu]!.root_mmu.root.hpa) ? 'VALID' : 'INVALID'
  return {
    oracle: 'alone',
    signature: `obsolete_root_kept: ${was} zapped by ${cause} stays in ${t.slot === 0 ? 'root' : 'prev_roots'}; current root ${current}`,
    op: t.op,
    detail: t.message,
  }
}

/** The first zap of a root page: why, and the vCPUs whose current root it was then. */
interface RootZap {
  reason: ZapReason
  current: number[]
}

/** Oracle `alone`: the first finding of `script` under `policy`, or null. */
export function checkAlone(script: Script, policy: Policy): Failure | null {
  let found: Failure | null = null
  // Each root page's first zap, to say what made a kept root obsolete.
  const zaps = new Map<number, RootZap>()
  const m = newMachine(script, policy, (t) => {
    if (found) return
    if (t.kind === 'kvm_mmu_prepare_zap_page') {
      if (t.level === 4 && !t.invalid && !zaps.has(t.sp)) {
        const hpa = sp_hpa(t.sp)
        const current = m.ctx.kvm.vcpus.filter((v) => v.root_mmu.root.hpa === hpa).map((v) => v.vcpu_id)
        zaps.set(t.sp, { reason: t.reason as ZapReason, current })
      }
    } else if (t.kind === 'finding') {
      found = findingFailure(t, m.ctx.kvm, zaps)
    }
  })
  for (const op of script.ops) {
    m.run_op(op)
    if (found) break
  }
  return found
}

/** A slot as the `against` oracle sees it: its class, and its pgd while it holds a root. */
function slotClass(k: kvm, r: kvm_mmu_root_info): 'INVALID' | 'valid' | 'zapped' | 'obsolete' {
  if (!VALID_PAGE(r.hpa)) return 'INVALID'
  const sp = to_shadow_page(k, r.hpa)
  if (!sp) return 'INVALID'
  if (sp.role.invalid) return 'zapped'
  return is_obsolete_sp(k, sp) ? 'obsolete' : 'valid'
}

function slotText(k: kvm, r: kvm_mmu_root_info): string {
  const c = slotClass(k, r)
  if (c === 'INVALID') return 'INVALID'
  const sp = to_shadow_page(k, r.hpa)!
  return `pgd ${hex(r.pgd)} sp ${sp.sp}${c === 'valid' ? '' : ` (${c})`}`
}

const RELOAD = REQUEST_BIT.KVM_REQ_MMU_RELOAD
const FREE_OBSOLETE = REQUEST_BIT.KVM_REQ_MMU_FREE_OBSOLETE_ROOTS

/**
 * Pending requests, with KVM_REQ_MMU_RELOAD counted as KVM_REQ_MMU_FREE_OBSOLETE_ROOTS: both are
 * "the roots request" a zapped in-use root sends every vCPU; v5.18 renamed it along with changing
 * its handler. Compared by name, every root zap would be a divergence of reload-all from the
 * other kernels; compared by role, what differs is what the handlers do to the roots.
 */
function rootsRequestNormalized(requests: number): number {
  return requests & RELOAD ? (requests & ~RELOAD) | FREE_OBSOLETE : requests
}

function requestNames(mask: number): string {
  return Object.entries(REQUEST_BIT).filter(([, bit]) => mask & bit).map(([name]) => name).join(', ')
}

/** The first observable difference of two states after op `op` (see the file comment), or null. */
function difference(
  a: kvm, b: kvm, fa: readonly string[], fb: readonly string[], p: Policy, q: Policy, op: number, what: string,
): Failure | null {
  const after = `after op ${op} (${what})`
  if (fa.join() !== fb.join()) {
    const only = (x: readonly string[], y: readonly string[]) => x.filter((r) => !y.includes(r))
    const ra = only(fa, fb)
    const side = ra.length ? p : q
    const rules = ra.length ? ra : only(fb, fa)
    const rule = rules[0] ?? fa[0] ?? fb[0] ?? 'finding'
    return {
      oracle: 'against', op,
      signature: `findings: ${rule} under ${side} only`,
      detail: `${after}: findings ${fa.join(', ') || 'none'} under ${p}; ${fb.join(', ') || 'none'} under ${q}`,
    }
  }
  for (let v = 0; v < a.vcpus.length; v++) {
    const ma = a.vcpus[v]!.root_mmu
    const mb = b.vcpus[v]!.root_mmu
    for (let slot = 0; slot <= KVM_MMU_NUM_PREV_ROOTS; slot++) {
      const ra = slot === 0 ? ma.root : ma.prev_roots[slot - 1]!
      const rb = slot === 0 ? mb.root : mb.prev_roots[slot - 1]!
      const ca = slotClass(a, ra)
      const cb = slotClass(b, rb)
      if (ca === cb && (ca === 'INVALID' || ra.pgd === rb.pgd)) continue
      const kind = slot === 0 ? 'root' : 'prev root'
      const sig = ca === cb ? `${kind}: a different pgd under ${p} than under ${q}` : `${kind}: ${ca} under ${p}, ${cb} under ${q}`
      return {
        oracle: 'against', op, signature: sig,
        detail: `${after}: vCPU ${v} ${slot_name(slot)} is ${slotText(a, ra)} under ${p}; ${slotText(b, rb)} under ${q}`,
      }
    }
    const qa = rootsRequestNormalized(a.vcpus[v]!.requests)
    const qb = rootsRequestNormalized(b.vcpus[v]!.requests)
    if (qa !== qb) {
      const onlyA = qa & ~qb
      const name = requestNames(onlyA || qb & ~qa).split(', ')[0]
      return {
        oracle: 'against', op,
        signature: `requests: ${name} pending under ${onlyA ? p : q} only`,
        detail: `${after}: vCPU ${v} requests ${requestNames(a.vcpus[v]!.requests) || 'none'} under ${p}; ` +
          `${requestNames(b.vcpus[v]!.requests) || 'none'} under ${q}`,
      }
    }
  }
  return null
}

/** Oracle `against`: the first operation after which `script` leaves different observable states under `p` and `q`. */
export function checkAgainst(script: Script, p: Policy, q: Policy): Failure | null {
  const fa: string[] = []
  const fb: string[] = []
  const a = newMachine(script, p, (t) => {
    if (t.kind === 'finding') fa.push(t.rule)
  })
  const b = newMachine(script, q, (t) => {
    if (t.kind === 'finding') fb.push(t.rule)
  })
  for (let i = 0; i < script.ops.length; i++) {
    const op = script.ops[i]!
    fa.length = 0
    fb.length = 0
    a.run_op(op)
    b.run_op(op)
    const d = difference(a.ctx.kvm, b.ctx.kvm, fa, fb, p, q, i, describeOp(op))
    if (d) return d
  }
  return null
}
