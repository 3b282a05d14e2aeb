/**
 * A small model of a Linux guest, as the workload generators need it: processes that own a PGD
 * page from a page pool, a scheduler that puts them on vCPUs, address spaces that fault in, and
 * exits that free the PGD page (which is then reused and written, flooding and zapping the root
 * shadow page that shadowed it: "in Linux it happens whenever an mm is dropped, e.g. process
 * exits", from the patch). Only the guest's actions that KVM sees are produced, as operations.
 */
import { PAGE_SHIFT } from '../constants'
import type { Prng } from '../prng'
import type { Op } from '../types'

/** First gfn of the pool the guest allocates PGD pages from. */
export const PGD_POOL_BASE_GFN = 0x1000

export interface Process {
  pid: number
  /** gfn of the process's PGD (PML4) page; its CR3 is pgd_gfn << PAGE_SHIFT. */
  pgd_gfn: number
  /** Base of the process's user mappings. */
  heap: number
}

export interface Guest {
  rng: Prng
  vcpus: number
  /** Free PGD pages, LIFO like the kernel's per-cpu page lists, so freed pages come back soon. */
  pool: number[]
  live: Process[]
  /** The process running on each vCPU, or null before the first one. */
  running: (Process | null)[]
  /** Each vCPU's recently run processes, MRU first (scheduler affinity). */
  recent: Process[][]
  next_pid: number
  out: Op[]
}

export function create_guest(rng: Prng, vcpus: number, pool_pages: number): Guest {
  const pool: number[] = []
  for (let i = pool_pages - 1; i >= 0; i--) pool.push(PGD_POOL_BASE_GFN + i)
  return { rng, vcpus, pool, live: [], running: new Array(vcpus).fill(null), recent: Array.from({ length: vcpus }, () => []), next_pid: 1, out: [] }
}

export const cr3_of = (p: Process): number => p.pgd_gfn * 2 ** PAGE_SHIFT

/** fork(): a new process; pgd_alloc() writes the kernel half of the new PGD (2 trapped writes if the page is still shadowed). */
export function fork(g: Guest, vcpu: number): Process | null {
  const pgd_gfn = g.pool.pop()
  if (pgd_gfn === undefined) return null
  const p: Process = { pid: g.next_pid++, pgd_gfn, heap: (1 + g.rng.int(250)) * 2 ** 39 + g.rng.int(512) * 2 ** 30 }
  g.live.push(p)
  g.out.push({ op: 'pt_write', vcpu, gfn: pgd_gfn }, { op: 'pt_write', vcpu, gfn: pgd_gfn })
  return p
}

/** schedule(): switch `vcpu` to process `p` (MOV CR3) and resume the guest. */
export function switch_to(g: Guest, vcpu: number, p: Process): void {
  g.running[vcpu] = p
  const r = g.recent[vcpu]!
  const i = r.indexOf(p)
  if (i >= 0) r.splice(i, 1)
  r.unshift(p)
  if (r.length > 6) r.pop()
  g.out.push({ op: 'cr3', vcpu, pgd: cr3_of(p) }, { op: 'run', vcpu })
}

/** A process touches memory: a guest page fault in its user half, sometimes in the kernel half (gva 2^47 up: PML4 entries 256..511, shared by all processes). */
export function touch(g: Guest, vcpu: number): void {
  const p = g.running[vcpu]
  if (!p) return
  const gva = g.rng.chance(0.15)
    ? 2 ** 47 + g.rng.int(64) * 2 ** 21 + g.rng.int(512) * 2 ** 12
    : p.heap + g.rng.int(8) * 2 ** 21 + g.rng.int(512) * 2 ** 12
  g.out.push({ op: 'fault', vcpu, gva }, { op: 'run', vcpu })
}

/** A process other than `not` to run, preferring the vCPU's recent ones (cache affinity). */
export function pick_process(g: Guest, vcpu: number, not: Process | null): Process | null {
  const recent = g.recent[vcpu]!.filter((p) => p !== not && g.live.includes(p))
  if (recent.length > 0 && g.rng.chance(0.75)) return g.rng.pick(recent.slice(0, 4))
  const others = g.live.filter((p) => p !== not)
  return others.length > 0 ? g.rng.pick(others) : null
}

/**
 * exit(): every vCPU running `p` switches away first; then exit_mmap() clears the user entries of
 * its PGD (3 writes by `vcpu`: the third floods and zaps a root shadow page of that gfn) and the
 * page goes back to the pool.
 */
export function exit_process(g: Guest, vcpu: number, p: Process): void {
  for (let v = 0; v < g.vcpus; v++) {
    if (g.running[v] !== p) continue
    const q = pick_process(g, v, p)
    if (q) switch_to(g, v, q)
    else g.running[v] = null
  }
  g.live.splice(g.live.indexOf(p), 1)
  for (const r of g.recent) {
    const i = r.indexOf(p)
    if (i >= 0) r.splice(i, 1)
  }
  g.out.push({ op: 'pt_write', vcpu, gfn: p.pgd_gfn }, { op: 'pt_write', vcpu, gfn: p.pgd_gfn }, { op: 'pt_write', vcpu, gfn: p.pgd_gfn })
  g.pool.push(p.pgd_gfn)
}
