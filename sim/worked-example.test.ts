/**
 * The worked example of kvm-reference.md §3.2 (process C exits while its root is cached), and the
 * converse case (a vCPU's current root is zapped), for all three policies: the state of every
 * slot and every root_count after each step. Letters name PGD gfns: A = gfn 0xa, ... E = 0xe.
 */
import { describe, expect, it } from 'vitest'
import { INVALID_PAGE } from './constants'
import { hpa_sp } from './state'
import { create_machine } from './step'
import type { Transition } from './transitions'
import type { kvm, kvm_mmu_root_info, Op, Policy } from './types'
import { kvm_create } from './state'

const L: Record<string, number> = { A: 0xa, B: 0xb, C: 0xc, D: 0xd, E: 0xe, F: 0xf }
const letter = (gfn: number): string => Object.keys(L).find((k) => L[k] === gfn) ?? `0x${gfn.toString(16)}`

const cr3 = (vcpu: number, name: string): Op => ({ op: 'cr3', vcpu, pgd: L[name]! << 12 })
const run = (vcpu: number): Op => ({ op: 'run', vcpu })
const write = (vcpu: number, name: string): Op => ({ op: 'pt_write', vcpu, gfn: L[name]! })

/** A slot as text: "A" (valid root of gfn A), "C!" (zapped, still held), "-" (never used), "∅C" (INVALID, stale pgd C). */
function slot(k: kvm, r: kvm_mmu_root_info): string {
  if (r.hpa === INVALID_PAGE) return r.pgd === INVALID_PAGE ? '-' : r.pgd === 0 ? '∅' : `∅${letter(r.pgd >> 12)}`
  const sp = k.mmu_pages[hpa_sp(r.hpa)]
  if (!sp) return '<freed>'
  return letter(sp.gfn) + (sp.role.invalid ? '!' : '')
}

function describeVcpu(k: kvm, v: number): string {
  const mmu = k.vcpus[v]!.root_mmu
  return `cur=${slot(k, mmu.root)} prev=[${mmu.prev_roots.map((r) => slot(k, r)).join(',')}]`
}

/** root_count of every level-4 page, by letter; zapped pages marked "!". */
function rootCounts(k: kvm): Record<string, number> {
  const out: Record<string, number> = {}
  for (const sp of Object.values(k.mmu_pages)) {
    if (sp.role.level === 4) out[letter(sp.gfn) + (sp.role.invalid ? '!' : '')] = sp.root_count
  }
  return out
}

function machine(policy: Policy, vcpus = 2) {
  const k = kvm_create({ vcpus, n_max_mmu_pages: 1024 })
  const transitions: Transition[] = []
  const m = create_machine(k, policy, (t) => transitions.push(t))
  return {
    k, transitions,
    /** Runs ops and returns the transitions they produced. */
    do(...ops: Op[]): Transition[] {
      const from = transitions.length
      for (const op of ops) m.run_op(op)
      return transitions.slice(from)
    },
  }
}

/** §3.2 setup: vCPU0 cur=A prev=[B,C,D]; vCPU1 cur=E prev=[A,B,D]; rc sA=2 sB=2 sC=1 sD=2 sE=1. */
function setup(policy: Policy) {
  const m = machine(policy)
  for (const p of ['D', 'C', 'B', 'A']) m.do(cr3(0, p), run(0))
  for (const p of ['D', 'B', 'A', 'E']) m.do(cr3(1, p), run(1))
  return m
}

const POLICIES: Policy[] = ['reload-all', 'free-obsolete-buggy', 'free-obsolete']

describe('kvm-reference §3.2: process C exits while vCPU0 caches its root in prev_roots[1]', () => {
  for (const policy of POLICIES) {
    describe(policy, () => {
      it('starts from vCPU0 cur=A prev=[B,C,D], vCPU1 cur=E prev=[A,B,D], rc A=2 B=2 C=1 D=2 E=1', () => {
        const { k } = setup(policy)
        expect(describeVcpu(k, 0)).toBe('cur=A prev=[B,C,D]')
        expect(describeVcpu(k, 1)).toBe('cur=E prev=[A,B,D]')
        expect(rootCounts(k)).toEqual({ A: 2, B: 2, C: 1, D: 2, E: 1 })
      })

      it('the third write to gfn C floods and zaps sC, which stays held (root_count 1, invalid) and requests every vCPU', () => {
        const m = setup(policy)
        const first = m.do(write(1, 'C'), write(1, 'C'))
        expect(first.some((t) => t.kind === 'kvm_mmu_prepare_zap_page')).toBe(false)
        const used = m.k.n_used_mmu_pages
        const ts = m.do(write(1, 'C'))
        const zap = ts.find((t) => t.kind === 'kvm_mmu_prepare_zap_page')
        expect(zap).toMatchObject({ gfn: 0xc, level: 4, root_count: 1, invalid: false, reason: 'flooded', zapped_root: true })
        const request = policy === 'reload-all' ? 'KVM_REQ_MMU_RELOAD' : 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'
        expect(ts.find((t) => t.kind === 'kvm_make_all_cpus_request')).toMatchObject({ request })
        expect(m.k.n_used_mmu_pages).toBe(used) // the root_count > 0 branch keeps counting it
        expect(rootCounts(m.k)).toEqual({ A: 2, B: 2, 'C!': 1, D: 2, E: 1 })
        expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[B,C!,D]')
        expect(m.k.stat).toMatchObject({ mmu_pte_write: 3, mmu_flooded: 1, mmu_shadow_zapped: 1 })
      })

      it('each vCPU handles the request on its next entry', () => {
        const m = setup(policy)
        m.do(write(1, 'C'), write(1, 'C'), write(1, 'C'))
        const v0 = m.do(run(0))
        if (policy === 'reload-all') {
          // kvm_mmu_unload(): every slot of vCPU0 freed; sC hits 0 while invalid: zapped again, freed.
          expect(v0.filter((t) => t.kind === 'kvm_mmu_unload')).toHaveLength(1)
          expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[∅B,∅C,∅D]')
          expect(rootCounts(m.k)).toEqual({ A: 2, B: 1, D: 1, E: 1 })
          // then kvm_mmu_load() found sA "existing"
          expect(v0.find((t) => t.kind === 'kvm_mmu_get_page')).toMatchObject({ gfn: 0xa, created: false })
        } else if (policy === 'free-obsolete') {
          expect(v0.find((t) => t.kind === 'kvm_mmu_free_obsolete_roots')).toMatchObject({ roots_to_free: 1 << 2 })
          expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[B,∅C,D]')
          expect(rootCounts(m.k)).toEqual({ A: 2, B: 2, D: 2, E: 1 })
          expect(v0.some((t) => t.kind === 'kvm_mmu_load')).toBe(false) // no reload, no TLB flush
        } else {
          // v5.18.0: the prev-roots loop tests the current root (valid): mask 0, sC leaks as a zombie.
          expect(v0.find((t) => t.kind === 'kvm_mmu_free_obsolete_roots')).toMatchObject({ roots_to_free: 0 })
          expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[B,C!,D]')
          expect(rootCounts(m.k)).toEqual({ A: 2, B: 2, 'C!': 1, D: 2, E: 1 })
          expect(v0.find((t) => t.kind === 'finding')).toMatchObject({ rule: 'obsolete_root_kept', vcpu: 0, slot: 2 })
        }
        const zaps = m.transitions.filter((t) => t.kind === 'kvm_mmu_prepare_zap_page')
        // the zombie's second zap (trace shows "invalid ... root 0") happens only when its last reference drops
        expect(zaps.length).toBe(policy === 'free-obsolete-buggy' ? 1 : 2)
        if (policy !== 'free-obsolete-buggy') expect(zaps[1]).toMatchObject({ gfn: 0xc, invalid: true, root_count: 0, reason: 'free_root' })

        const v1 = m.do(run(1))
        if (policy === 'reload-all') {
          expect(describeVcpu(m.k, 1)).toBe('cur=E prev=[∅A,∅B,∅D]')
          expect(rootCounts(m.k)).toEqual({ A: 1, B: 0, D: 0, E: 1 }) // valid pages stay cached at 0
          expect(v1.find((t) => t.kind === 'kvm_mmu_get_page')).toMatchObject({ gfn: 0xe, created: false })
        } else {
          expect(describeVcpu(m.k, 1)).toBe('cur=E prev=[A,B,D]') // vCPU1 never held C: untouched
          expect(v1.some((t) => t.kind === 'kvm_mmu_free_roots')).toBe(false)
        }
        expect(m.k.stat.mmu_shadow_zapped).toBe(policy === 'free-obsolete-buggy' ? 1 : 2)
      })

      it('§3.3: switching back to C misses; the buggy policy rotates the zombie to the LRU slot', () => {
        const m = setup(policy)
        m.do(write(1, 'C'), write(1, 'C'), write(1, 'C'), run(0), run(1))
        const ts = m.do(cr3(0, 'C'))
        expect(ts.find((t) => t.kind === 'fast_pgd_switch')).toMatchObject({ hit: false, index: 3 })
        if (policy === 'free-obsolete-buggy') {
          expect(describeVcpu(m.k, 0)).toBe('cur=∅ prev=[A,B,C!]') // sD evicted (rc-1), zombie now LRU
          expect(rootCounts(m.k)).toMatchObject({ 'C!': 1, D: 1 })
        } else if (policy === 'free-obsolete') {
          expect(describeVcpu(m.k, 0)).toBe('cur=∅ prev=[A,B,∅C]')
          expect(rootCounts(m.k)).toMatchObject({ D: 1 })
        }
        const load = m.do(run(0))
        // get_page(C) skips the invalid zombie and creates a new page for gfn C
        expect(load.find((t) => t.kind === 'kvm_mmu_get_page')).toMatchObject({ gfn: 0xc, created: true })
        if (policy === 'free-obsolete-buggy') {
          expect(Object.values(m.k.mmu_pages).filter((p) => p.gfn === 0xc)).toHaveLength(2) // two pages for gfn C
        }
      })
    })
  }
})

describe('the converse case: vCPU0\'s CURRENT root is zapped (by vCPU1 writing PGD A)', () => {
  for (const policy of POLICIES) {
    it(`${policy}: vCPU0 frees ${policy === 'free-obsolete' ? 'only the current root' : 'the current root and every prev root'}`, () => {
      const m = setup(policy)
      m.do(write(1, 'A'), write(1, 'A'), write(1, 'A'))
      expect(rootCounts(m.k)).toMatchObject({ 'A!': 2 })
      const ts = m.do(run(0))
      if (policy === 'free-obsolete') {
        expect(ts.find((t) => t.kind === 'kvm_mmu_free_obsolete_roots')).toMatchObject({ roots_to_free: 1 })
        expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[B,C,D]') // reloaded: a NEW page for gfn A
      } else if (policy === 'free-obsolete-buggy') {
        expect(ts.find((t) => t.kind === 'kvm_mmu_free_obsolete_roots')).toMatchObject({ roots_to_free: 0b1111 })
        expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[∅B,∅C,∅D]')
      } else {
        expect(describeVcpu(m.k, 0)).toBe('cur=A prev=[∅B,∅C,∅D]')
      }
      expect(ts.find((t) => t.kind === 'kvm_mmu_get_page')).toMatchObject({ gfn: 0xa, created: true })
      expect(ts.some((t) => t.kind === 'finding')).toBe(false)
      // vCPU1 holds the zapped A in prev_roots[0]: every policy but the buggy one frees it
      m.do(run(1))
      if (policy === 'free-obsolete-buggy') expect(describeVcpu(m.k, 1)).toBe('cur=E prev=[A!,B,D]')
      else if (policy === 'free-obsolete') expect(describeVcpu(m.k, 1)).toBe('cur=E prev=[∅A,B,D]')
      else expect(describeVcpu(m.k, 1)).toBe('cur=E prev=[∅A,∅B,∅D]')
    })
  }
})

describe('memslot deletion (kvm_mmu_zap_all_fast) agrees across policies', () => {
  it('every vCPU ends with only its reloaded current root, and the same pages and counters', () => {
    const results = POLICIES.map((policy) => {
      const m = setup(policy)
      const ts = m.do({ op: 'memslot', action: 'delete' }, run(0), run(1))
      return {
        v0: describeVcpu(m.k, 0), v1: describeVcpu(m.k, 1), rc: rootCounts(m.k), gen: m.k.mmu_valid_gen,
        zaps: ts.filter((t) => t.kind === 'kvm_mmu_prepare_zap_page').length,
        findings: m.k.counters.findings,
      }
    })
    expect(results[0]).toEqual({
      v0: 'cur=A prev=[∅B,∅C,∅D]', v1: 'cur=E prev=[∅A,∅B,∅D]', rc: { A: 1, E: 1 }, gen: 1, zaps: 10, findings: 0,
    })
    expect(results[1]).toEqual(results[0])
    expect(results[2]).toEqual(results[0])
  })
})
