/**
 * The history of one field: every seq at which it changed.
 *
 * Which transitions can change a field is known from their kinds (sim/apply.ts):
 *   - a root slot of vCPU v: fast_pgd_switch, mmu_free_root_page, mmu_alloc_root of vCPU v;
 *   - vCPU v's requests: kvm_make_request / kvm_check_request of v, kvm_make_all_cpus_request;
 *   - shadow page sp's root_count / invalid / exists: transitions naming sp (the chunk bloom
 *     filter), write_flooding_count also kvm_mmu_new_pgd of any vCPU (it clears the new root's).
 * Chunks without such a transition are skipped (per-chunk summaries); a candidate chunk is
 * replayed from stateAt(its start) (checkpoint + bounded replay) with the real apply_transition,
 * and the field is read after every transition, so the result is exact.
 */
import { apply_transition } from '../../sim/apply'
import type { kvm } from '../../sim/types'
import { KIND_INDEX } from './codec'
import { SessionError } from './errors'
import type { ChunkStore } from './store'
import { bloomHas, chunkCount, type ChunkInfo } from './summary'
import type { FieldRef } from './types'

const kindSet = (...kinds: string[]): Set<number> => new Set(kinds.map((k) => KIND_INDEX[k]!))
const SLOT_KINDS = kindSet('fast_pgd_switch', 'mmu_free_root_page', 'mmu_alloc_root')
const REQUEST_KINDS = kindSet('kvm_make_request', 'kvm_check_request')
const ALL_CPUS = kindSet('kvm_make_all_cpus_request')
const NEW_PGD = kindSet('kvm_mmu_new_pgd')

interface FieldPlan {
  read: (k: kvm) => string | number | boolean | null
  candidate: (c: ChunkInfo) => boolean
}

export function fieldPlan(field: FieldRef, vcpus: number): FieldPlan {
  if (field.type === 'slot' || field.type === 'requests') {
    if (!Number.isInteger(field.vcpu) || field.vcpu < 0 || field.vcpu >= vcpus) {
      throw new SessionError(`vcpu ${field.vcpu} does not exist (the session has vCPUs 0 to ${vcpus - 1})`)
    }
  }
  switch (field.type) {
    case 'slot': {
      const { vcpu, slot } = field
      if (!Number.isInteger(slot) || slot < 0 || slot > 3) throw new SessionError(`slot must be 0 (root) to 3 (prev_roots[2]), got ${slot}`)
      return {
        read: (k) => {
          const mmu = k.vcpus[vcpu]!.root_mmu
          const r = slot === 0 ? mmu.root : mmu.prev_roots[slot - 1]!
          return `${r.pgd}:${r.hpa}`
        },
        candidate: (c) => chunkCount(c, { kinds: SLOT_KINDS, vcpu }) > 0,
      }
    }
    case 'requests': {
      const { vcpu } = field
      return {
        read: (k) => k.vcpus[vcpu]!.requests,
        candidate: (c) => chunkCount(c, { kinds: REQUEST_KINDS, vcpu }) > 0 || chunkCount(c, { kinds: ALL_CPUS }) > 0,
      }
    }
    case 'sp': {
      const { sp } = field
      const named = (c: ChunkInfo) => bloomHas(c, sp)
      switch (field.field) {
        case 'exists': return { read: (k) => k.mmu_pages[sp] !== undefined, candidate: named }
        case 'root_count': return { read: (k) => k.mmu_pages[sp]?.root_count ?? null, candidate: named }
        case 'invalid': return { read: (k) => k.mmu_pages[sp]?.role.invalid ?? null, candidate: named }
        case 'write_flooding_count':
          return {
            read: (k) => k.mmu_pages[sp]?.write_flooding_count ?? null,
            candidate: (c) => named(c) || chunkCount(c, { kinds: NEW_PGD }) > 0,
          }
        default:
          throw new SessionError(`unknown shadow-page field "${String((field as { field: unknown }).field)}" (allowed: root_count, invalid, write_flooding_count, exists)`)
      }
    }
    default:
      throw new SessionError(`unknown field type "${String((field as { type: unknown }).type)}" (allowed: slot, sp, requests)`)
  }
}

/** Seqs s in (from, to] where the field's value after s differs from its value after s - 1. */
export function fieldHistory(
  store: ChunkStore, stateAt: (seq: number) => kvm, vcpus: number, field: FieldRef, from: number, to: number, limit: number,
): { seqs: number[]; truncated: boolean } {
  const plan = fieldPlan(field, vcpus)
  const seqs: number[] = []
  if (to <= from || store.chunks.length === 0) return { seqs, truncated: false }
  let state: kvm | null = null
  let stateSeq = -1
  let prev: unknown = null
  for (let i = store.chunkIndexOf(from + 1); i < store.chunks.length; i++) {
    const c = store.chunks[i]!
    if (c.firstSeq > to) break
    if (!plan.candidate(c)) continue
    const start = Math.max(from + 1, c.firstSeq)
    if (state === null || stateSeq !== start - 1) {
      state = stateAt(start - 1)
      prev = plan.read(state)
    }
    const ts = store.decode(i)
    const end = Math.min(to, c.firstSeq + c.n - 1)
    for (let s = start; s <= end; s++) {
      apply_transition(state, ts[s - c.firstSeq]!)
      const v = plan.read(state)
      if (v !== prev) {
        if (seqs.length >= limit) return { seqs, truncated: true }
        seqs.push(s)
        prev = v
      }
    }
    stateSeq = end
  }
  return { seqs, truncated: false }
}
