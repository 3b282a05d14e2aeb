/**
 * Property tests over random operation sequences, for every policy (fast-check):
 * - root_count of every shadow page equals the number of root slots holding it;
 * - no slot references a freed page;
 * - replaying the emitted transitions onto the initial state equals the model's own state after
 *   every operation;
 * - no findings under reload-all and free-obsolete;
 * - the same operations give the same transitions (determinism).
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { apply_transition } from './apply'
import { KVM_MMU_NUM_PREV_ROOTS } from './constants'
import { transitions_digest } from './digest'
import { clone_kvm, hpa_sp, kvm_create, VALID_PAGE } from './state'
import { create_machine } from './step'
import type { Transition } from './transitions'
import type { kvm, Op, Policy } from './types'

const PGD_GFNS = [0xa, 0xb, 0xc, 0xd, 0xe, 0xf, 0x10]

function opArb(vcpus: number): fc.Arbitrary<Op> {
  const vcpu = fc.integer({ min: 0, max: vcpus - 1 })
  const gfn = fc.constantFrom(...PGD_GFNS)
  return fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('cr3' as const), vcpu, pgd: gfn.map((g) => g * 4096) }) },
    { weight: 6, arbitrary: fc.record({ op: fc.constant('run' as const), vcpu }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('fault' as const), vcpu, gva: fc.integer({ min: 0, max: 15 }).map((i) => (i % 2 ? 2 ** 47 : 0) + i * 2 ** 30 + i * 2 ** 21) }) },
    { weight: 5, arbitrary: fc.record({ op: fc.constant('pt_write' as const), vcpu, gfn }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('unprotect' as const), gfn }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('memslot' as const), action: fc.constantFrom('delete' as const, 'move' as const) }) },
  )
}

const scenarioArb = fc.integer({ min: 1, max: 4 }).chain((vcpus) =>
  fc.record({
    vcpus: fc.constant(vcpus),
    n_max_mmu_pages: fc.constantFrom(64, 1024),
    ops: fc.array(opArb(vcpus), { minLength: 1, maxLength: 120 }),
  }),
)

/** Root slots holding each page, over every vCPU and both MMUs. */
function slotCounts(k: kvm): Map<number, number> {
  const counts = new Map<number, number>()
  for (const v of k.vcpus) {
    for (const mmu of [v.root_mmu, v.guest_mmu]) {
      for (const r of [mmu.root, ...mmu.prev_roots]) {
        if (VALID_PAGE(r.hpa)) counts.set(hpa_sp(r.hpa), (counts.get(hpa_sp(r.hpa)) ?? 0) + 1)
      }
    }
  }
  return counts
}

function checkInvariants(k: kvm): void {
  const counts = slotCounts(k)
  for (const [sp, n] of counts) {
    expect(k.mmu_pages[sp], `a slot references freed sp ${sp}`).toBeDefined()
    expect(k.mmu_pages[sp]!.root_count, `root_count of sp ${sp}`).toBe(n)
  }
  for (const p of Object.values(k.mmu_pages)) expect(p.root_count, `root_count of sp ${p.sp}`).toBe(counts.get(p.sp) ?? 0)
  for (const v of k.vcpus) expect(v.root_mmu.prev_roots).toHaveLength(KVM_MMU_NUM_PREV_ROOTS)
}

const POLICIES: Policy[] = ['reload-all', 'free-obsolete-buggy', 'free-obsolete']

describe('properties over random operation sequences', () => {
  for (const policy of POLICIES) {
    it(`${policy}: root_count matches the slots, no slot points at a freed page, replay equals the model after every op`, () => {
      fc.assert(
        fc.property(scenarioArb, ({ vcpus, n_max_mmu_pages, ops }) => {
          const k = kvm_create({ vcpus, n_max_mmu_pages })
          const replay = clone_kvm(k)
          const all: Transition[] = []
          const m = create_machine(k, policy, (t) => all.push(t))
          let applied = 0
          for (const op of ops) {
            m.run_op(op)
            checkInvariants(k)
            for (; applied < all.length; applied++) apply_transition(replay, JSON.parse(JSON.stringify(all[applied])))
            expect(replay).toEqual(k)
          }
          if (policy !== 'free-obsolete-buggy') {
            expect(all.filter((t) => t.kind === 'finding').map((t) => t.kind === 'finding' && t.message)).toEqual([])
          }
        }),
        { numRuns: 150, seed: 20261125 },
      )
    })
  }

  it('the same operations and policy give the same transition stream (digest)', () => {
    fc.assert(
      fc.property(scenarioArb, fc.constantFrom(...POLICIES), ({ vcpus, n_max_mmu_pages, ops }, policy) => {
        const digest = (): string => {
          const ts: Transition[] = []
          const m = create_machine(kvm_create({ vcpus, n_max_mmu_pages }), policy, (t) => ts.push(t))
          for (const op of ops) m.run_op(op)
          return transitions_digest(ts)
        }
        expect(digest()).toBe(digest())
      }),
      { numRuns: 40, seed: 7 },
    )
  })

  it('the state survives JSON (plain, serialisable data)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ vcpus, n_max_mmu_pages, ops }) => {
        const k = kvm_create({ vcpus, n_max_mmu_pages })
        const m = create_machine(k, 'free-obsolete', () => {})
        for (const op of ops) m.run_op(op)
        expect(JSON.parse(JSON.stringify(k))).toEqual(k)
      }),
      { numRuns: 40, seed: 11 },
    )
  })
})
