/**
 * The shrinker: a failing script -> a smaller script that still fails the same oracle the same
 * way (the caller's test decides what "the same way" is: same oracle, same signature).
 *
 * Rounds, repeated until a round changes nothing:
 *  1. delta debugging over the ops (Zeller's ddmin: subsets, then complements, of n chunks,
 *     doubling n up to single ops, so the result is 1-minimal: no single op can go);
 *  2. over the vCPUs: drop every op of one vCPU, or give them to another vCPU, and renumber;
 *  3. over the values: page-table frames renumbered by first use from 0xa (pgd 0xa000, 0xb000,
 *     ...), one frame merged into another, `memslot move` -> `delete`, fault addresses with
 *     their low bits cleared, vCPUs renumbered by first use.
 * Step 3 also makes scripts that fail for the same reason converge on the same text, which is what
 * de-duplication compares.
 *
 * Tests are batched: `test` gets every candidate of a step at once and returns the index of the
 * first one that still fails (the model oracles stop at the first; the kernel oracle captures the
 * batch in one helper run).
 */
import { FUZZ_FIRST_FRAME } from '../../sim/fuzz/generate'
import { PAGE_SHIFT } from '../../sim/constants'
import type { Script } from '../../sim/script'
import type { Op } from '../../sim/types'

/** Index of the first candidate that fails the same way, or -1. */
export type CandidateTest = (candidates: readonly Script[]) => number | Promise<number>

export interface ShrinkOptions {
  /** Most candidates tested in all (default 20,000); the best script so far is returned at the limit. */
  maxTests?: number
}

export interface ShrinkResult {
  script: Script
  /** Candidates tested. */
  tests: number
}

class Budget {
  used = 0
  constructor(readonly max: number) {}
  get spent(): boolean {
    return this.used >= this.max
  }
}

async function first(test: CandidateTest, cands: Script[], budget: Budget): Promise<number> {
  if (cands.length === 0 || budget.spent) return -1
  const batch = cands.slice(0, Math.max(1, budget.max - budget.used))
  budget.used += batch.length
  return test(batch)
}

function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = []
  let start = 0
  for (let i = 0; i < n; i++) {
    const end = start + Math.floor((xs.length - start) / (n - i))
    out.push(xs.slice(start, end))
    start = end
  }
  return out
}

/** ddmin over the ops of `s`. */
async function ddminOps(s: Script, test: CandidateTest, budget: Budget): Promise<Script> {
  let ops = s.ops
  let n = 2
  while (ops.length >= 2 && !budget.spent) {
    const chunks = split(ops, n)
    const complements = chunks.map((_, i) => chunks.flatMap((c, j) => (j === i ? [] : c)))
    // With two chunks each chunk is the other's complement: test them once.
    const cands = n === 2 ? chunks : [...chunks, ...complements]
    const i = await first(test, cands.map((c) => ({ vcpus: s.vcpus, ops: c })), budget)
    if (i >= 0 && i < chunks.length) {
      ops = chunks[i]!
      n = 2
    } else if (i >= chunks.length) {
      ops = complements[i - chunks.length]!
      n = Math.max(n - 1, 2)
    } else {
      if (n >= ops.length) break
      n = Math.min(n * 2, ops.length)
    }
  }
  return { vcpus: s.vcpus, ops }
}

/** `op` with its vCPU renamed by `map` (ops without a vCPU unchanged). */
function withVcpu(op: Op, map: (v: number) => number): Op {
  return 'vcpu' in op ? { ...op, vcpu: map(op.vcpu) } : op
}

/** The script without vCPU `v`'s ops, the vCPUs above it renumbered down. */
export function dropVcpu(s: Script, v: number): Script {
  return {
    vcpus: s.vcpus - 1,
    ops: s.ops.filter((op) => !('vcpu' in op) || op.vcpu !== v).map((op) => withVcpu(op, (x) => (x > v ? x - 1 : x))),
  }
}

/** The script with vCPU `v`'s ops done by vCPU `u` (u < v) instead, the vCPUs above v renumbered down. */
export function mergeVcpu(s: Script, v: number, u: number): Script {
  return { vcpus: s.vcpus - 1, ops: s.ops.map((op) => withVcpu(op, (x) => (x === v ? u : x > v ? x - 1 : x))) }
}

/** vCPUs renumbered by first use; unused vCPUs dropped. */
export function renumberVcpus(s: Script): Script {
  const map = new Map<number, number>()
  for (const op of s.ops) if ('vcpu' in op && !map.has(op.vcpu)) map.set(op.vcpu, map.size)
  return { vcpus: Math.max(1, map.size), ops: s.ops.map((op) => withVcpu(op, (v) => map.get(v)!)) }
}

/** The page-table frame an op names (cr3's pgd frame, pt_write's and unprotect's gfn), or null. */
function frameOf(op: Op): number | null {
  if (op.op === 'cr3') return op.pgd / 2 ** PAGE_SHIFT
  if (op.op === 'pt_write' || op.op === 'unprotect') return op.gfn
  return null
}

function withFrame(op: Op, map: (f: number) => number): Op {
  if (op.op === 'cr3') return { ...op, pgd: map(op.pgd / 2 ** PAGE_SHIFT) * 2 ** PAGE_SHIFT }
  if (op.op === 'pt_write' || op.op === 'unprotect') return { ...op, gfn: map(op.gfn) }
  return op
}

/** The distinct frames of `s` in order of first use. */
function frames(s: Script): number[] {
  const out: number[] = []
  for (const op of s.ops) {
    const f = frameOf(op)
    if (f !== null && !out.includes(f)) out.push(f)
  }
  return out
}

/**
 * Frames renumbered by first use from FUZZ_FIRST_FRAME. Frames above the renumbered range (the
 * gfns of lower page-table pages, which faults reach through the guest's synthetic page tables)
 * keep their values: renaming them would change which page they are.
 */
export function renumberFrames(s: Script): Script {
  const fs = frames(s).filter((f) => f < FUZZ_FIRST_FRAME + 0x1000)
  const map = new Map(fs.map((f, i) => [f, FUZZ_FIRST_FRAME + i]))
  return { vcpus: s.vcpus, ops: s.ops.map((op) => withFrame(op, (f) => map.get(f) ?? f)) }
}

/** Simpler fault addresses for `gva`: low bits cleared at 2 MiB, 1 GiB and 512 GiB, then the halves' starts. */
function simplerAddresses(gva: number): number[] {
  const out: number[] = []
  for (const unit of [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12]) {
    const v = gva - (gva % unit)
    if (v < gva && !out.includes(v)) out.push(v)
  }
  for (const v of [0, 2 ** 47]) if (v < gva && !out.includes(v)) out.push(v)
  return out.sort((a, b) => a - b)
}

const same = (a: Script, b: Script): boolean => JSON.stringify(a) === JSON.stringify(b)

/** Candidates of step 3, each a single simplification of `s`, simplest first. */
function valueCandidates(s: Script): Script[] {
  const out: Script[] = []
  const push = (c: Script): void => {
    if (!same(c, s) && !out.some((o) => same(o, c))) out.push(c)
  }
  push(renumberVcpus(s))
  push(renumberFrames(s))
  const fs = frames(s)
  for (let i = 1; i < fs.length; i++) {
    for (let j = 0; j < i; j++) push({ vcpus: s.vcpus, ops: s.ops.map((op) => withFrame(op, (f) => (f === fs[i] ? fs[j]! : f))) })
  }
  s.ops.forEach((op, i) => {
    if (op.op === 'memslot' && op.action === 'move') {
      push({ vcpus: s.vcpus, ops: s.ops.map((o, j) => (j === i ? { op: 'memslot', action: 'delete' } : o)) })
    }
    if (op.op === 'fault') {
      for (const gva of simplerAddresses(op.gva)) push({ vcpus: s.vcpus, ops: s.ops.map((o, j) => (j === i ? { ...op, gva } : o)) })
    }
  })
  return out
}

/** Shrinks `script`, which must fail `test` as given (it is returned unchanged otherwise). */
export async function shrinkScript(script: Script, test: CandidateTest, o: ShrinkOptions = {}): Promise<ShrinkResult> {
  const budget = new Budget(o.maxTests ?? 20_000)
  let s = script
  for (let round = 0; round < 8 && !budget.spent; round++) {
    const before = s
    s = await ddminOps(s, test, budget)
    for (let v = s.vcpus - 1; v >= 0 && s.vcpus > 1; v--) {
      // Without vCPU v's ops, or with another vCPU doing them.
      const cands = [dropVcpu(s, v), ...Array.from({ length: v }, (_, u) => mergeVcpu(s, v, u))]
      const i = await first(test, cands, budget)
      if (i >= 0) s = cands[i]!
    }
    // Each accepted candidate has fewer frames or smaller values, or is the canonical numbering:
    // this ends; the bound only guards against a mistake.
    for (let step = 0; step < 1000; step++) {
      const cands = valueCandidates(s)
      const i = await first(test, cands, budget)
      if (i < 0) break
      s = cands[i]!
    }
    if (same(before, s)) break
  }
  return { script: s, tests: budget.used }
}
