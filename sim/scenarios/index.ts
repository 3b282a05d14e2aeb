/**
 * Workload generators: a named scenario + parameters + seed -> guest operations. The same
 * parameters always give the same operations (the PRNG is seeded; nothing else varies).
 *
 * - process-churn: processes are forked, scheduled across vCPUs and exit; their PGD pages are
 *   freed and reused, which zaps roots: the case the patch is about.
 * - context-switch: a steady set of processes per vCPU switching, no exits, no zaps: cached-root
 *   hit rates.
 * - memslot-update: context-switch plus periodic memslot DELETE/MOVE (kvm_mmu_zap_all_fast).
 * - mixed: process-churn plus occasional memslot changes and unprotects.
 */
import { KVM_MIN_ALLOC_MMU_PAGES, MAX_VCPUS } from '../constants'
import { create_prng } from '../prng'
import type { Op } from '../types'
import { create_guest, exit_process, fork, pick_process, switch_to, touch, type Guest } from './guest'

export const SCENARIOS = ['process-churn', 'context-switch', 'memslot-update', 'mixed'] as const
export type ScenarioName = (typeof SCENARIOS)[number]

export interface ScenarioParams {
  /** vCPUs, 1..64. */
  vcpus: number
  /** Scheduler steps, 1..10,000,000; each produces a few operations. */
  steps: number
  /** PRNG seed, 0..2^32-1. */
  seed: number
  /** Live processes at most (process-churn, mixed) or in all (context-switch, memslot-update). */
  processes: number
  /** kvm->arch.n_max_mmu_pages. */
  n_max_mmu_pages: number
}

export const DEFAULT_N_MAX_MMU_PAGES = 1024

/** Parameters out of range, with a message naming the parameter and the allowed range. */
export class ParamError extends Error {
  override name = 'ParamError'
}

const RANGES: Record<keyof ScenarioParams, [number, number]> = {
  vcpus: [1, MAX_VCPUS],
  steps: [1, 10_000_000],
  seed: [0, 2 ** 32 - 1],
  processes: [1, 4096],
  n_max_mmu_pages: [KVM_MIN_ALLOC_MMU_PAGES, 1_000_000],
}

export function is_scenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name)
}

/** Fills defaults and checks ranges. Throws ParamError naming the parameter. */
export function validate_scenario_params(name: string, p: Partial<ScenarioParams>): ScenarioParams {
  if (!is_scenario(name)) throw new ParamError(`unknown scenario "${name}" (allowed: ${SCENARIOS.join(', ')})`)
  const vcpus = p.vcpus ?? 4
  const full: ScenarioParams = {
    vcpus,
    steps: p.steps ?? 2000,
    seed: p.seed ?? 1,
    processes: p.processes ?? vcpus * 4,
    n_max_mmu_pages: p.n_max_mmu_pages ?? DEFAULT_N_MAX_MMU_PAGES,
  }
  for (const key of Object.keys(RANGES) as (keyof ScenarioParams)[]) {
    const [lo, hi] = RANGES[key]
    const value = full[key]
    if (!Number.isInteger(value) || value < lo || value > hi) {
      throw new ParamError(`${key} must be an integer from ${lo} to ${hi}, got ${value}`)
    }
  }
  return full
}

/** Progress of a generator: steps done so far out of params.steps. */
export interface ScenarioProgress {
  step: number
}

/** One step of process churn on a random vCPU. */
function churn_step(g: Guest, max_live: number): void {
  const v = g.rng.int(g.vcpus)
  const cur = g.running[v] ?? null
  const r = g.rng.next()
  if (!cur || r < 0.4) {
    const next = pick_process(g, v, cur)
    if (next) switch_to(g, v, next)
  } else if (r < 0.72) {
    touch(g, v)
  } else if (r < 0.86) {
    if (g.live.length < max_live) {
      const child = fork(g, v)
      if (child && g.rng.chance(0.5)) switch_to(g, v, child)
    } else {
      g.out.push({ op: 'run', vcpu: v })
    }
  } else if (g.live.length > Math.min(2, max_live - 1)) {
    exit_process(g, v, cur)
  } else {
    g.out.push({ op: 'run', vcpu: v })
  }
}

/** context-switch: vCPU v runs its own fixed set of processes. */
function switch_step(g: Guest, sets: number[][]): void {
  const v = g.rng.int(g.vcpus)
  const mine = sets[v]!
  const p = g.live[g.rng.pick(mine)]!
  if (g.running[v] !== p) switch_to(g, v, p)
  if (g.rng.chance(0.5)) touch(g, v)
}

/** Guest operations of scenario `name`, generated lazily. Updates `progress.step` as it goes. */
export function* scenario_ops(name: ScenarioName, params: ScenarioParams, progress: ScenarioProgress = { step: 0 }): Generator<Op> {
  const rng = create_prng(params.seed)
  const churn = name === 'process-churn' || name === 'mixed'
  const g = create_guest(rng, params.vcpus, params.processes * 2 + params.vcpus + 8)

  // Boot: enough processes for every vCPU, each vCPU running one.
  const initial = churn ? Math.min(params.processes, params.vcpus + 2) : params.processes
  for (let i = 0; i < Math.max(initial, 1); i++) fork(g, 0)
  g.out.length = 0 // the first PGDs are fresh pages: nothing shadows them, so nothing traps
  const sets: number[][] = Array.from({ length: params.vcpus }, () => [])
  for (let i = 0; i < g.live.length; i++) sets[i % params.vcpus]!.push(i)
  for (let v = 0; v < params.vcpus; v++) {
    const mine = sets[v]!
    switch_to(g, v, g.live[mine.length > 0 ? mine[0]! : v % g.live.length]!)
    if (mine.length === 0) mine.push(v % g.live.length)
  }
  // The guest's pending operations, in order (inline, not a nested generator per step).
  for (const op of g.out) yield op
  g.out.length = 0

  const memslot_every = name === 'memslot-update' ? 200 : 0
  for (let step = 0; step < params.steps; step++) {
    progress.step = step
    if (churn) churn_step(g, params.processes)
    else switch_step(g, sets)
    if (memslot_every && step % memslot_every === memslot_every - 1) {
      g.out.push({ op: 'memslot', action: (step / memslot_every) % 2 < 1 ? 'delete' : 'move' })
    }
    if (name === 'mixed') {
      if (rng.chance(0.004)) g.out.push({ op: 'memslot', action: rng.chance(0.5) ? 'delete' : 'move' })
      if (rng.chance(0.004) && g.live.length > 0) g.out.push({ op: 'unprotect', gfn: rng.pick(g.live).pgd_gfn })
    }
    for (const op of g.out) yield op
    g.out.length = 0
  }
  progress.step = params.steps
}
