/**
 * The fuzzer's script generator: (seed, index, shape) -> one random script, pure and seeded (the
 * same three always give the same script, on every machine and in every worker thread).
 *
 * Uniformly random ops would almost never break anything interesting: a root is zapped only by
 * three writes to its gfn with no use of it in between, a prev-root hit needs a vCPU to come back
 * to one of its last four CR3s, and the v5.18.0 bug needs both on the same root. So the generator
 * draws *shapes* of guest activity over small pools, with weights measured to make root zaps,
 * prev-root hits and memslot updates common (docs/fuzzing.md has the measured rates):
 *
 *   shape      weight  ops
 *   switch     32      cr3 v F (F from the script's frame pool), then run v with p 0.6
 *   run        18      run v
 *   flood      18      1-3 pt_write by one vCPU to one gfn (3 in 65%: the flood threshold),
 *                      the gfn a pool frame (a root's gfn) or, in 20%, a page-table page below a
 *                      faulted address (a non-root shadow page); then run of some vCPU with p 0.5
 *   fault      12      fault v A (A from the script's address pool), then run v with p 0.5
 *   unprotect   5      unprotect F
 *   memslot     4      memslot delete or move
 *
 * Pools: 2-6 page-table frames per script (gfn 0xa upwards, so scripts read like the examples of
 * the CLI contract), 2-4 guest addresses (user half, and the shared kernel half in 25%). A script
 * has `shape.vcpus` vCPUs, or 1-4 at random; every vCPU starts with a cr3 (and, in 90%, a run)
 * in random order, then shapes are drawn until the script has exactly `shape.ops` ops.
 *
 * `capturable` scripts are those a real-KVM capture can run (electron/kvm/capture-plan.ts): only
 * cr3, run, pt_write and memslot; every vCPU's first op a cr3; frames below the capture guest's
 * page-table area (gfn < 0x500). fault and unprotect shapes are left out and the others keep
 * their weights.
 */
import { guest_table_gfn, pt_index } from '../guest_page_tables'
import { PAGE_SHIFT } from '../constants'
import { create_prng, type Prng } from '../prng'
import type { Script } from '../script'
import type { Op } from '../types'

/** The shape of the scripts of a fuzz run. */
export interface FuzzShape {
  /** vCPUs of every script (1-64), or null for 1-4 at random. */
  vcpus: number | null
  /** Ops per script (1-10,000). */
  ops: number
  /** Only scripts a real-KVM capture can run (see the file comment). */
  capturable: boolean
}

/** The default shape: 1-4 vCPUs, 40 ops, any op. */
export const DEFAULT_FUZZ_SHAPE: FuzzShape = { vcpus: null, ops: 40, capturable: false }

/** First frame (gfn) of the page-table pool: pgd 0xa000 is the first CR3. */
export const FUZZ_FIRST_FRAME = 0xa

/** The shapes and their weights (see the file comment). */
export const SHAPE_WEIGHTS = {
  switch: 32, run: 18, flood: 18, fault: 12, unprotect: 5, memslot: 4,
} as const
export type ShapeName = keyof typeof SHAPE_WEIGHTS
const CAPTURE_SHAPES: readonly ShapeName[] = ['switch', 'run', 'flood', 'memslot']
const ALL_SHAPES = Object.keys(SHAPE_WEIGHTS) as ShapeName[]

/**
 * The PRNG seed of script `index` of a run with `seed`: a 32-bit mix of both, so neighbouring
 * indexes (and neighbouring seeds) give unrelated scripts.
 */
export function fuzz_script_seed(seed: number, index: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x5bd1e995, 0x9e3779b1) >>> 0
  h = (h ^ Math.imul(index >>> 0, 0x85ebca6b) ^ Math.imul(Math.floor(index / 2 ** 32), 0xc2b2ae35)) >>> 0
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d) >>> 0
  h ^= h >>> 12
  h = Math.imul(h, 0x297a2d39) >>> 0
  return (h ^ (h >>> 15)) >>> 0
}

function pick_shape(r: Prng, shapes: readonly ShapeName[], total: number): ShapeName {
  let x = r.int(total)
  for (const s of shapes) {
    x -= SHAPE_WEIGHTS[s]
    if (x < 0) return s
  }
  return shapes[shapes.length - 1]!
}

/** Script `index` of a fuzz run with `seed`. */
export function generate_script(seed: number, index: number, shape: FuzzShape = DEFAULT_FUZZ_SHAPE): Script {
  const r = create_prng(fuzz_script_seed(seed, index))
  const vcpus = shape.vcpus ?? 1 + r.int(4)
  const frames = Array.from({ length: 2 + r.int(5) }, (_, i) => FUZZ_FIRST_FRAME + i)
  const addresses = Array.from({ length: 2 + r.int(3) }, () => r.chance(0.25)
    ? 2 ** 47 + r.int(64) * 2 ** 21 + r.int(512) * 2 ** 12
    : (1 + r.int(16)) * 2 ** 39 + r.int(8) * 2 ** 21 + r.int(512) * 2 ** 12)
  const shapes = shape.capturable ? CAPTURE_SHAPES : ALL_SHAPES
  const total = shapes.reduce((n, s) => n + SHAPE_WEIGHTS[s], 0)
  const n = shape.ops
  const ops: Op[] = []
  // The frame each vCPU's CR3 points to, and the lower page-table pages faults have walked (the
  // gfns of non-root shadow pages a flood can target).
  const cr3: (number | null)[] = new Array(vcpus).fill(null)
  const walked: number[] = []
  const push = (op: Op): void => {
    if (ops.length < n) ops.push(op)
  }

  const order = Array.from({ length: vcpus }, (_, i) => i)
  for (let i = order.length - 1; i > 0; i--) {
    const j = r.int(i + 1)
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  for (const v of order) {
    const f = r.pick(frames)
    cr3[v] = f
    push({ op: 'cr3', vcpu: v, pgd: f * 2 ** PAGE_SHIFT })
    if (shape.capturable || r.chance(0.9)) push({ op: 'run', vcpu: v })
  }

  while (ops.length < n) {
    const v = r.int(vcpus)
    switch (pick_shape(r, shapes, total)) {
      case 'switch': {
        const f = r.pick(frames)
        cr3[v] = f
        push({ op: 'cr3', vcpu: v, pgd: f * 2 ** PAGE_SHIFT })
        if (r.chance(0.6)) push({ op: 'run', vcpu: v })
        break
      }
      case 'run':
        push({ op: 'run', vcpu: v })
        break
      case 'flood': {
        const gfn = walked.length > 0 && r.chance(0.2) ? r.pick(walked) : r.pick(frames)
        const writes = r.chance(0.65) ? 3 : 1 + r.int(2)
        for (let i = 0; i < writes; i++) push({ op: 'pt_write', vcpu: v, gfn })
        if (r.chance(0.5)) push({ op: 'run', vcpu: r.int(vcpus) })
        break
      }
      case 'fault': {
        const gva = r.pick(addresses)
        const f = cr3[v] ?? null
        if (f !== null) {
          // The level-3 and level-2 tables of this walk (gw->table_gfn[] of FNAME(walk_addr)).
          const l3 = guest_table_gfn(f, 4, pt_index(gva, 4))
          const l2 = guest_table_gfn(l3, 3, pt_index(gva, 3))
          for (const g of [l3, l2]) if (!walked.includes(g)) walked.push(g)
        }
        push({ op: 'fault', vcpu: v, gva })
        if (r.chance(0.5)) push({ op: 'run', vcpu: v })
        break
      }
      case 'unprotect':
        push({ op: 'unprotect', gfn: r.pick(frames) })
        break
      case 'memslot':
        push({ op: 'memslot', action: r.chance(0.5) ? 'delete' : 'move' })
        break
    }
  }
  return { vcpus, ops }
}
