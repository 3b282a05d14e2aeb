/**
 * How to watch one value of the model's state cheaply: which transitions can change it, which
 * chunks can hold such a transition (from the per-chunk summaries), how to read it, and how to
 * show it.
 *
 * Which transitions change what (sim/apply.ts):
 *   - a root slot of vCPU v: fast_pgd_switch, mmu_free_root_page, mmu_alloc_root of vCPU v;
 *   - vCPU v's requests: kvm_make_request / kvm_check_request / kvm_clear_request of v, and
 *     kvm_make_all_cpus_request of any vCPU;
 *   - shadow page sp (exists, root_count, invalid, active, links): transitions naming sp (the
 *     chunk bloom filter); `obsolete` also kvm_mmu_zap_all_fast (it toggles mmu_valid_gen);
 *     `write_flooding_count` also a kvm_mmu_new_pgd hit of any vCPU, which clears the new current
 *     root's count — but only while the count is above 0, and only a transition naming sp makes
 *     it so. That is the plan's "secondary" trigger: scanned for only while `live` holds.
 * A plan may over-approximate (a transition it lists may leave the value unchanged): the scan
 * reads the value after each listed transition and compares, so results stay exact. The tests
 * hold every plan to a replay that reads the value after every transition (watch.test.ts).
 */
import { KVM_MMU_NUM_PREV_ROOTS } from '../../sim/constants'
import { request_names } from '../../sim/requests'
import { hex, hpa_sp, is_obsolete_sp, slot_name, VALID_PAGE } from '../../sim/state'
import type { Transition } from '../../sim/transitions'
import type { kvm, kvm_mmu_page } from '../../sim/types'
import { KIND_INDEX } from './codec'
import { SessionError } from './errors'
import { bloomHas, chunkCount, type ChunkInfo } from './summary'
import type { FieldRef } from './types'
import { PAGE_FIELDS, type FieldWatch, type PageField, type Watch } from './watch-types'

/** A comparable value: equal keys mean an unchanged value. */
export type WatchKey = string | number | boolean | null

export interface WatchPlan {
  /** The watch as text: "vcpu 2 prev_roots[1]", "sp 8 root_count". */
  label: string
  /** The watched value after state `k`, as a comparable key. */
  read(k: kvm): WatchKey
  /** The watched value after state `k`, for people ("sp 8 pgd 0x1004000", "INVALID_PAGE"). */
  show(k: kvm): string
  /** May chunk `c` hold a transition of `primary`? (false = certainly not) */
  primaryChunk(c: ChunkInfo): boolean
  /** May this transition change the value? */
  primary(t: Transition): boolean
  /** A trigger that matters only while `live(state)` holds (see the header). */
  secondary?: { chunk(c: ChunkInfo): boolean; touches(t: Transition): boolean; live(k: kvm): boolean }
  /**
   * Where the watched thing is in its life, which only moves forward: -1 not created yet, 0
   * alive, 1 gone for good (a shadow page: ids are never reused). Nothing changes before its
   * creation or after its end, so a search can start at the creation and stop at the end,
   * found by bisecting the checkpoints (Session.watchSearcher).
   */
  life?(k: kvm): -1 | 0 | 1
  /** With `life`: a clock that passes `born` when the thing is created (a page: next_sp passes sp). */
  birth?: { clock(k: kvm): number; born: number }
}

const kindSet = (...kinds: string[]): Set<number> => new Set(kinds.map((k) => KIND_INDEX[k]!))
const SLOT_KINDS = ['fast_pgd_switch', 'mmu_free_root_page', 'mmu_alloc_root']
const SLOT_SET = kindSet(...SLOT_KINDS)
const REQUEST_KINDS = ['kvm_make_request', 'kvm_check_request', 'kvm_clear_request']
const REQUEST_SET = kindSet(...REQUEST_KINDS)
const ALL_CPUS = kindSet('kvm_make_all_cpus_request')
const ZAP_ALL_FAST = kindSet('kvm_mmu_zap_all_fast')
const NEW_PGD = kindSet('kvm_mmu_new_pgd')

/** The transition's `sp` field, if its kind has one. */
const spOf = (t: Transition): unknown => (t as unknown as { sp?: unknown }).sp

function checkVcpu(vcpu: unknown, vcpus: number): number {
  if (!Number.isInteger(vcpu) || (vcpu as number) < 0 || (vcpu as number) >= vcpus) {
    throw new SessionError(`vcpu ${String(vcpu)} does not exist (the session has vCPUs 0 to ${vcpus - 1})`)
  }
  return vcpu as number
}

/** "sp 8 pgd 0x1004000", or "INVALID_PAGE" with the stale pgd a freed prev slot keeps. */
export function slotText(pgd: number, hpa: number): string {
  if (VALID_PAGE(hpa)) return `sp ${hpa_sp(hpa)} pgd ${hex(pgd)}`
  return VALID_PAGE(pgd) && pgd !== 0 ? `INVALID_PAGE (pgd ${hex(pgd)})` : 'INVALID_PAGE'
}

function slotPlan(vcpu: number, slot: number): WatchPlan {
  if (!Number.isInteger(slot) || slot < 0 || slot > KVM_MMU_NUM_PREV_ROOTS) {
    throw new SessionError(`slot must be 0 (root) to ${KVM_MMU_NUM_PREV_ROOTS} (prev_roots[${KVM_MMU_NUM_PREV_ROOTS - 1}]), got ${slot}`)
  }
  const get = (k: kvm) => {
    const mmu = k.vcpus[vcpu]!.root_mmu
    return slot === 0 ? mmu.root : mmu.prev_roots[slot - 1]!
  }
  return {
    label: `vcpu ${vcpu} ${slot_name(slot)}`,
    read: (k) => {
      const r = get(k)
      return `${r.pgd}:${r.hpa}`
    },
    show: (k) => {
      const r = get(k)
      return slotText(r.pgd, r.hpa)
    },
    primaryChunk: (c) => chunkCount(c, { kinds: SLOT_SET, vcpu }) > 0,
    primary: (t) => t.vcpu === vcpu && SLOT_SET.has(KIND_INDEX[t.kind]!),
  }
}

function requestsPlan(vcpu: number): WatchPlan {
  return {
    label: `vcpu ${vcpu} requests`,
    read: (k) => k.vcpus[vcpu]!.requests,
    show: (k) => request_names(k.vcpus[vcpu]!.requests).join(' ') || 'none',
    primaryChunk: (c) => chunkCount(c, { kinds: REQUEST_SET, vcpu }) > 0 || chunkCount(c, { kinds: ALL_CPUS }) > 0,
    primary: (t) => (t.vcpu === vcpu && REQUEST_SET.has(KIND_INDEX[t.kind]!)) || t.kind === 'kvm_make_all_cpus_request',
  }
}

/** The page's child links as a comparable string (index:child, in index order). */
function links(p: kvm_mmu_page): string {
  let s = ''
  for (const i in p.spt) s += `${i}:${p.spt[i]},`
  return s
}

function absent(k: kvm, sp: number): string {
  return sp < k.next_sp ? 'freed' : 'not created yet'
}

function pageRead(field: PageField | undefined, sp: number): (k: kvm) => WatchKey {
  switch (field) {
    case 'exists': return (k) => k.mmu_pages[sp] !== undefined
    case 'root_count': return (k) => k.mmu_pages[sp]?.root_count ?? null
    case 'invalid': return (k) => k.mmu_pages[sp]?.role.invalid ?? null
    case 'obsolete': return (k) => {
      const p = k.mmu_pages[sp]
      return p ? is_obsolete_sp(k, p) : null
    }
    case 'write_flooding_count': return (k) => k.mmu_pages[sp]?.write_flooding_count ?? null
    case 'active': return (k) => k.mmu_pages[sp]?.on_active_list ?? null
    case undefined: return (k) => {
      const p = k.mmu_pages[sp]
      if (!p) return null
      return `${p.root_count}|${+p.role.invalid}|${+is_obsolete_sp(k, p)}|${p.write_flooding_count}|${+p.on_active_list}|${links(p)}`
    }
  }
}

function pageShow(field: PageField | undefined, sp: number): (k: kvm) => string {
  if (field === 'exists') return (k) => (k.mmu_pages[sp] ? 'exists' : absent(k, sp))
  if (field !== undefined) {
    const read = pageRead(field, sp)
    return (k) => (k.mmu_pages[sp] ? String(read(k)) : absent(k, sp))
  }
  return (k) => {
    const p = k.mmu_pages[sp]
    if (!p) return absent(k, sp)
    const n = Object.keys(p.spt).length
    return [
      `root_count ${p.root_count}`, p.role.invalid ? 'invalid' : 'valid', ...(is_obsolete_sp(k, p) ? ['obsolete'] : []),
      `write_flooding_count ${p.write_flooding_count}`, p.on_active_list ? 'active' : 'off active_mmu_pages',
      `${n} link${n === 1 ? '' : 's'}`,
    ].join(', ')
  }
}

function pagePlan(sp: number, field: PageField | undefined): WatchPlan {
  if (!Number.isInteger(sp) || sp < 1) throw new SessionError(`sp must be an integer >= 1, got ${sp}`)
  if (field !== undefined && !(PAGE_FIELDS as readonly string[]).includes(field)) {
    throw new SessionError(`unknown shadow-page field "${String(field)}" (allowed: ${PAGE_FIELDS.join(', ')})`)
  }
  const obsolete = field === undefined || field === 'obsolete'
  const flooding = field === undefined || field === 'write_flooding_count'
  return {
    label: `sp ${sp}${field ? ` ${field}` : ''}`,
    read: pageRead(field, sp),
    show: pageShow(field, sp),
    life: (k) => (k.mmu_pages[sp] !== undefined ? 0 : sp < k.next_sp ? 1 : -1),
    birth: { clock: (k) => k.next_sp, born: sp },
    primaryChunk: obsolete ? (c) => bloomHas(c, sp) || chunkCount(c, { kinds: ZAP_ALL_FAST }) > 0 : (c) => bloomHas(c, sp),
    primary: obsolete ? (t) => spOf(t) === sp || t.kind === 'kvm_mmu_zap_all_fast' : (t) => spOf(t) === sp,
    ...(flooding ? {
      secondary: {
        chunk: (c: ChunkInfo) => chunkCount(c, { kinds: NEW_PGD }) > 0,
        touches: (t: Transition) => t.kind === 'kvm_mmu_new_pgd' && t.hit,
        live: (k: kvm) => (k.mmu_pages[sp]?.write_flooding_count ?? 0) > 0,
      },
    } : {}),
  }
}

/** The plan of a watch on the state, checked against a session of `vcpus` vCPUs. */
export function watchPlan(w: FieldWatch, vcpus: number): WatchPlan {
  switch (w.type) {
    case 'slot': return slotPlan(checkVcpu(w.vcpu, vcpus), w.slot)
    case 'requests': return requestsPlan(checkVcpu(w.vcpu, vcpus))
    case 'page': return pagePlan(w.sp, w.field)
    default:
      throw new SessionError(`unknown watch type "${String((w as { type: unknown }).type)}" (allowed: slot, page, requests, where)`)
  }
}

/** The watch of a fieldHistory field (`{ type: 'sp', sp, field }` is a page watch). */
export function fieldWatch(f: FieldRef): FieldWatch {
  switch (f.type) {
    case 'sp': return { type: 'page', sp: f.sp, field: f.field }
    case 'slot':
    case 'requests': return f
    default:
      throw new SessionError(`unknown field type "${String((f as { type: unknown }).type)}" (allowed: slot, sp, requests)`)
  }
}

/** The watch as text, the way the debugger and `rootlab find` name it. */
export function watchLabel(w: Watch): string {
  switch (w.type) {
    case 'slot': return `vcpu ${w.vcpu} ${slot_name(w.slot)}`
    case 'requests': return `vcpu ${w.vcpu} requests`
    case 'page': return `sp ${w.sp}${w.field ? ` ${w.field}` : ''}`
    case 'where': return `where ${w.expr}`
  }
}
