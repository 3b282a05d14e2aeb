/**
 * A small deterministic operation generator for tests and benchmarks of the session layer: a
 * process-churn-like mix of CR3 switches, runs, faults, page-table writes, unprotects and the
 * occasional memslot update. It exists so the session layer can be tested without depending on
 * the scenario generators' exact output.
 */
import type { Op } from '../../../sim/types'

/**
 * mulberry32: a tiny seeded PRNG for tests, benchmarks and the bad-input corpus (reproducible;
 * the model's own generator is sim/prng.ts).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface RandomOpsOptions {
  vcpus: number
  count: number
  seed: number
  /** Distinct guest page tables (processes). */
  processes?: number
  /** Probability of a memslot update per op (default 1/2000). */
  memslotRate?: number
}

/** Generates `count` operations; each vCPU starts with a cr3 and a run. */
export function* randomOps(o: RandomOpsOptions): Generator<Op> {
  const r = mulberry32(o.seed)
  const processes = o.processes ?? 12
  const pgd = (p: number): number => (0x1000 + p) * 0x1000
  const pick = (n: number): number => Math.floor(r() * n)
  let emitted = 0
  for (let v = 0; v < o.vcpus && emitted < o.count; v++) {
    yield { op: 'cr3', vcpu: v, pgd: pgd(pick(processes)) }
    emitted++
    if (emitted < o.count) { yield { op: 'run', vcpu: v }; emitted++ }
  }
  const memslotRate = o.memslotRate ?? 1 / 2000
  while (emitted < o.count) {
    const v = pick(o.vcpus)
    const x = r()
    let op: Op
    if (x < memslotRate) op = { op: 'memslot', action: r() < 0.5 ? 'delete' : 'move' }
    else if (x < 0.2) op = { op: 'cr3', vcpu: v, pgd: pgd(pick(processes)) }
    else if (x < 0.45) op = { op: 'run', vcpu: v }
    else if (x < 0.8) op = { op: 'fault', vcpu: v, gva: pick(2 ** 35) * 0x1000 }
    else if (x < 0.97) op = { op: 'pt_write', vcpu: v, gfn: 0x1000 + pick(processes) }
    else op = { op: 'unprotect', gfn: 0x1000 + pick(processes) }
    yield op
    emitted++
  }
}
