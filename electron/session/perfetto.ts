/**
 * Chrome / Perfetto trace-event JSON export (the "JSON Object Format" of the Trace Event Format),
 * streamed: transitions are decoded chunk by chunk and events written in batches, so a
 * 10M-transition session is never held in memory.
 *
 * Mapping: one process (pid 1) = the VM. Tracks (tid):
 *   0                    "kvm (VM-wide)": memslot updates, VM-wide zaps, findings without vCPU
 *   1 + v                "vCPU v": its current root as slices ("root sp 3 pgd 0xa000"), from the
 *                        moment the slot holds the root (mmu_alloc_root, or a fast_pgd_switch
 *                        that swaps it in) to the moment it stops (mmu_free_root_page, a swap out);
 *                        zaps and findings caused by the vCPU as instants
 *   1000 + 10 v + 1 + i  "vCPU v prev_roots[i]": the cached root in that slot, as slices
 * A slot's slice also ends when what it holds changes state (sim/root_slot_state.ts): a root
 * that becomes obsolete (kvm_mmu_zap_all_fast) or a zombie (zapped while the slot still holds
 * it) continues as a new slice named "... (obsolete)" / "... (zombie)", with args.state.
 * Counters ("C"): n_used_mmu_pages and the KVM stats, sampled when they change (at most ~20,000
 * samples per series).
 *
 * Time: ts = seq in microseconds (the Trace Event Format's unit), i.e. one transition = 1 µs, and
 * displayTimeUnit "ms", the format's default, which every reader takes to mean "ts is in µs".
 * ("ns" would be wrong: some Perfetto versions read it as "ts is in nanoseconds".)
 */
import { closeSync, openSync, writeSync } from 'node:fs'
import { apply_transition } from '../../sim/apply'
import { ROOT_SLOT_STATES, root_slot_state_code } from '../../sim/root_slot_state'
import { hex, hpa_sp } from '../../sim/state'
import { is_root_zap } from '../../sim/transitions'
import type { kvm, kvm_mmu_root_info } from '../../sim/types'
import type { ChunkStore } from './store'

const PID = 1
const vcpuTid = (v: number) => 1 + v
const prevTid = (v: number, i: number) => 1000 + 10 * v + 1 + i
/** Kinds that change one vCPU's slots. */
const SLOT_KINDS = new Set(['fast_pgd_switch', 'mmu_free_root_page', 'mmu_alloc_root', 'kvm_mmu_unload'])
/** Kinds that may change the state of any vCPU's slots (a zap makes holders zombies; a new generation makes roots obsolete). */
const STATE_KINDS = new Set(['kvm_mmu_prepare_zap_page', 'kvm_mmu_zap_all_fast', 'kvm_mmu_free_page'])

class Out {
  private fd: number
  private buf: string[] = []
  private size = 0
  private first = true
  constructor(path: string) {
    this.fd = openSync(path, 'wx')
  }
  raw(s: string): void {
    this.buf.push(s)
    this.size += s.length
    if (this.size > 1 << 16) this.flush()
  }
  event(e: object): void {
    this.raw((this.first ? '\n' : ',\n') + JSON.stringify(e))
    this.first = false
  }
  flush(): void {
    if (this.buf.length) writeSync(this.fd, this.buf.join(''))
    this.buf = []
    this.size = 0
  }
  close(): void {
    this.flush()
    closeSync(this.fd)
  }
}

/** What a slot's open slice shows: '' for INVALID_PAGE, else pgd, hpa and state. */
const slotKey = (k: kvm, r: kvm_mmu_root_info) => (r.hpa === -1 ? '' : `${r.pgd}:${r.hpa}:${root_slot_state_code(k, r)}`)

export function exportPerfetto(path: string, store: ChunkStore, initial: kvm, meta: { policy: string; scenario: string; file: string }): void {
  const out = new Out(path)
  try {
    out.raw(`{"displayTimeUnit":"ms","otherData":${JSON.stringify({ source: 'Root Lab', ...meta, time_unit: 'ts in us; 1 us = 1 transition (ts = seq)' })},"traceEvents":[`)
    const k = initial
    const nv = k.vcpus.length
    out.event({ ph: 'M', pid: PID, name: 'process_name', args: { name: `VM (${meta.policy}, ${meta.scenario})` } })
    out.event({ ph: 'M', pid: PID, tid: 0, name: 'thread_name', args: { name: 'kvm (VM-wide)' } })
    out.event({ ph: 'M', pid: PID, tid: 0, name: 'thread_sort_index', args: { sort_index: -1 } })
    for (let v = 0; v < nv; v++) {
      out.event({ ph: 'M', pid: PID, tid: vcpuTid(v), name: 'thread_name', args: { name: `vCPU ${v}` } })
      out.event({ ph: 'M', pid: PID, tid: vcpuTid(v), name: 'thread_sort_index', args: { sort_index: v * 10 } })
      for (let i = 0; i < 3; i++) {
        out.event({ ph: 'M', pid: PID, tid: prevTid(v, i), name: 'thread_name', args: { name: `vCPU ${v} prev_roots[${i}]` } })
        out.event({ ph: 'M', pid: PID, tid: prevTid(v, i), name: 'thread_sort_index', args: { sort_index: v * 10 + 1 + i } })
      }
    }
    // What each slot's open slice shows ('' = none open).
    const open: string[][] = k.vcpus.map(() => ['', '', '', ''])
    const tidOf = (v: number, slot: number) => (slot === 0 ? vcpuTid(v) : prevTid(v, slot - 1))
    const syncSlots = (v: number, ts: number) => {
      const mmu = k.vcpus[v]!.root_mmu
      const slots = [mmu.root, ...mmu.prev_roots]
      for (let s = 0; s < 4; s++) {
        const key = slotKey(k, slots[s]!)
        if (key === open[v]![s]) continue
        if (open[v]![s]) out.event({ ph: 'E', pid: PID, tid: tidOf(v, s), ts })
        if (key) {
          const r = slots[s]!
          const sp = hpa_sp(r.hpa)
          const state = ROOT_SLOT_STATES[root_slot_state_code(k, r)]!
          out.event({
            ph: 'B', pid: PID, tid: tidOf(v, s), ts, cat: 'root',
            name: `${s === 0 ? 'root' : 'cached'} sp ${sp} pgd ${hex(r.pgd)}${state === 'valid' ? '' : ` (${state})`}`,
            args: { sp, pgd: hex(r.pgd), gfn: k.mmu_pages[sp] ? hex(k.mmu_pages[sp].gfn) : null, state },
          })
        }
        open[v]![s] = key
      }
    }
    const counterStep = Math.max(1, Math.floor(store.total / 20_000))
    let lastCounterSeq = -Infinity
    let countersDirty = true
    const counters = (ts: number) => {
      out.event({ ph: 'C', pid: PID, ts, name: 'n_used_mmu_pages', args: { pages: k.n_used_mmu_pages } })
      out.event({ ph: 'C', pid: PID, ts, name: 'mmu stats', args: { ...k.stat } })
      out.event({ ph: 'C', pid: PID, ts, name: 'roots freed', args: { roots_freed: k.counters.roots_freed, findings: k.counters.findings } })
      lastCounterSeq = ts
      countersDirty = false
    }
    counters(0)
    for (let i = 0; i < store.chunks.length; i++) {
      for (const t of store.decode(i)) {
        apply_transition(k, t)
        const ts = t.seq
        const tid = t.vcpu === null ? 0 : vcpuTid(t.vcpu)
        if (SLOT_KINDS.has(t.kind) && t.vcpu !== null) syncSlots(t.vcpu, ts)
        else if (STATE_KINDS.has(t.kind)) for (let v = 0; v < nv; v++) syncSlots(v, ts)
        switch (t.kind) {
          case 'kvm_mmu_prepare_zap_page':
            out.event({
              ph: 'i', s: 't', pid: PID, tid, ts, cat: 'zap',
              name: `${is_root_zap(t) ? 'root zap' : 'zap'} sp ${t.sp} (${t.reason})`,
              args: { sp: t.sp, gfn: hex(t.gfn), level: t.level, root_count: t.root_count, reason: t.reason },
            })
            break
          case 'finding':
            out.event({ ph: 'i', s: 'p', pid: PID, tid, ts, cat: 'finding', name: `finding: ${t.rule}`, args: { message: t.message, sp: t.sp, slot: t.slot } })
            countersDirty = true
            break
          case 'kvm_arch_flush_shadow_memslot':
            out.event({ ph: 'i', s: 'p', pid: PID, tid: 0, ts, cat: 'memslot', name: `memslot ${t.action}` })
            break
          case 'kvm_mmu_get_page':
          case 'kvm_mmu_free_page':
          case 'kvm_mmu_commit_zap_page':
          case 'kvm_mmu_pte_write':
          case 'kvm_mmu_zap_oldest_mmu_pages':
            countersDirty = true
            break
        }
        if (countersDirty && ts - lastCounterSeq >= counterStep) counters(ts)
      }
    }
    const end = store.total + 1
    for (let v = 0; v < nv; v++) for (let s = 0; s < 4; s++) if (open[v]![s]) out.event({ ph: 'E', pid: PID, tid: tidOf(v, s), ts: end })
    counters(end)
    out.raw('\n]}\n')
  } finally {
    out.close()
  }
}
