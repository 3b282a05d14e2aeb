/**
 * Scripts for holding the model to the kernel: the named cases of issue 6 and a seeded generator
 * of random capturable scripts (1-4 vCPUs; cr3 switches, triple writes to PML4 pages, runs and
 * memslot updates). Used by the capture suite; every script here maps onto the capture guest.
 */
import { create_prng } from '../../sim/prng'
import type { Script } from '../../sim/script'
import { kvm_create, to_shadow_page } from '../../sim/state'
import { create_machine } from '../../sim/step'
import type { kvm, Op } from '../../sim/types'
import { scriptOpGroups } from './op-groups'

const cr3 = (vcpu: number, gfn: number): Op => ({ op: 'cr3', vcpu, pgd: gfn * 0x1000 })
const run = (vcpu: number): Op => ({ op: 'run', vcpu })
const write3 = (vcpu: number, gfn: number): Op[] => [0, 1, 2].map(() => ({ op: 'pt_write', vcpu, gfn }))

/** kvm-reference.md §3.2: five PML4s, vCPU 1 floods vCPU 0's cached root C, both re-enter. */
function workedExample(): Op[] {
  const ops: Op[] = []
  for (const g of [0xd, 0xc, 0xb, 0xa]) ops.push(cr3(0, g), run(0))
  for (const g of [0xd, 0xb, 0xa, 0xe]) ops.push(cr3(1, g), run(1))
  ops.push(...write3(1, 0xc), run(0), run(1))
  return ops
}

/** The named scripts of the acceptance list. */
export const NAMED_SCRIPTS: Record<string, Script> = {
  'worked-example': { vcpus: 2, ops: workedExample() },
  // vCPU 1 floods the page of vCPU 0's CURRENT root: zapped in use, freed and reloaded at
  // vCPU 0's next entry (kvm_mmu_free_obsolete_roots -> mmu_free_root_page -> kvm_mmu_load).
  'current-root-zap': {
    vcpus: 2,
    ops: [cr3(0, 0xa), run(0), cr3(1, 0xb), run(1), ...write3(1, 0xa), run(1), run(0), cr3(0, 0xb), run(0)],
  },
  // A vCPU writing three times to its own current root's page: upstream clears the flooding
  // count on each write fault (no zap); a PVM host zaps it (documented host difference).
  'own-current-root-writes': {
    vcpus: 1,
    ops: [cr3(0, 0xa), run(0), ...write3(0, 0xa), run(0), cr3(0, 0xb), run(0), cr3(0, 0xa), run(0)],
  },
  // fast_pgd_switch: hits in prev_roots[0..2], a miss that frees the LRU, reuse of a root whose
  // root_count dropped to 0 (kvm_mmu_get_page "existing" at root 0).
  'cached-root-hits-and-misses': {
    vcpus: 1,
    ops: [
      cr3(0, 0xa), run(0), cr3(0, 0xb), run(0), cr3(0, 0xc), run(0), cr3(0, 0xd), run(0),
      cr3(0, 0xa), run(0), cr3(0, 0xc), run(0), cr3(0, 0xe), run(0), cr3(0, 0xb), run(0),
      cr3(0, 0xb), run(0), cr3(0, 0xd), cr3(0, 0xe), run(0),
    ],
  },
  // kvm_mmu_zap_all_fast: every root obsolete; each vCPU frees all its slots at its next entry.
  'memslot-deletion': {
    vcpus: 2,
    ops: [
      cr3(0, 0xa), run(0), cr3(0, 0xb), run(0), cr3(1, 0xb), run(1), cr3(1, 0xc), run(1),
      { op: 'memslot', action: 'delete' }, run(0), cr3(1, 0xa), run(1), { op: 'memslot', action: 'move' },
      cr3(0, 0xc), run(0), run(1),
    ],
  },
  // kvm-reference.md §3.3: after the worked example vCPU 0's prev_roots[1] is a freed slot (stale
  // pgd C, INVALID hpa). Switching to C misses; the rotation evicts and frees the LRU (D); C is
  // rebuilt as a new sp. Further switches push the hole out of the cache.
  'lru-evicts-freed-slot': {
    vcpus: 2,
    ops: [...workedExample(), cr3(0, 0xc), run(0), cr3(0, 0xe), run(0), cr3(0, 0xb), run(0), cr3(0, 0xd), run(0), run(1)],
  },
}

/**
 * mmu.c make_mmu_pages_available() -> kvm_mmu_zap_oldest_mmu_pages(): 80 roots on two vCPUs with
 * n_max_mmu_pages 64 (KVM_SET_NR_MMU_PAGES): unused roots are recycled oldest first, in batches
 * of KVM_REFILL_PAGES - avail. Capture it with RECYCLING_N_MAX_MMU_PAGES.
 */
export const RECYCLING_N_MAX_MMU_PAGES = 64
export function recyclingScript(): Script {
  const ops: Op[] = []
  for (let i = 0; i < 80; i++) ops.push(cr3(i % 2, 0x10 + i), run(i % 2))
  for (let i = 0; i < 10; i++) ops.push(cr3(0, 0x10 + i), run(0))
  return { vcpus: 2, ops }
}

export interface RandomScriptOptions {
  seed: number
  /** Number of operations (default 20-60, random). */
  ops?: number
  /**
   * Only page-table writes whose outcome does not depend on shadow_page_table_clear_flood():
   * the writer's current root is not the written page and has a zero write_flooding_count. Such
   * scripts must agree with the model exactly even on a PVM host (pvm-no-clear-flood).
   */
  floodNeutral?: boolean
}

/** Whether a write by `vcpu` to `gfn` is flood-neutral in state `k` (see RandomScriptOptions). */
function floodNeutralWrite(k: kvm, vcpu: number, gfn: number): boolean {
  const root = to_shadow_page(k, k.vcpus[vcpu]!.root_mmu.root.hpa)
  return !root || (root.gfn !== gfn && root.write_flooding_count === 0)
}

/**
 * A random capturable script: 1-4 vCPUs, a pool of 3-7 PML4 pages (gfn 0xa..), each vCPU
 * starting with a cr3; then cr3 switches, runs, triple writes to a pool page by one vCPU (the
 * flood threshold), and occasional memslot deletes/moves.
 */
export function randomScript(o: RandomScriptOptions): Script {
  const r = create_prng(o.seed)
  const vcpus = 1 + r.int(4)
  const pool = Array.from({ length: 3 + r.int(5) }, (_, i) => 0xa + i)
  const n = o.ops ?? 20 + r.int(41)
  const ops: Op[] = []
  // The model follows the script as it grows (flood-neutral mode asks it about each write).
  const state = kvm_create({ vcpus, n_max_mmu_pages: 1024 })
  const m = create_machine(state, 'free-obsolete', () => {})
  const push = (...more: Op[]): void => {
    const from = ops.length
    ops.push(...more)
    const groups = scriptOpGroups(ops, vcpus).slice(from)
    for (const g of groups) for (const op of g.ops) m.run_op(op)
  }
  const order = Array.from({ length: vcpus }, (_, i) => i).sort(() => r.next() - 0.5)
  for (const v of order) push(cr3(v, r.pick(pool)), run(v))
  while (ops.length < n) {
    const v = r.int(vcpus)
    const x = r.next()
    if (x < 0.3) push(cr3(v, r.pick(pool)))
    else if (x < 0.6) push(run(v))
    else if (x < 0.97) {
      const gfn = r.pick(pool)
      if (o.floodNeutral && !floodNeutralWrite(state, v, gfn)) continue
      push(...(x < 0.9 ? write3(v, gfn) : [{ op: 'pt_write', vcpu: v, gfn } as Op]))
    } else push({ op: 'memslot', action: r.chance(0.5) ? 'delete' : 'move' })
  }
  for (let v = 0; v < vcpus; v++) push(run(v))
  return { vcpus, ops }
}
