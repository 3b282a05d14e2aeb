/**
 * Per-vCPU swimlanes over a seq range: for each vCPU its guest / host spans, one lane per root
 * slot (root, prev_roots[0..2]) with what the slot holds over time (sim/root_slot_state.ts:
 * valid, obsolete, zombie, INVALID_PAGE), and its pending requests as spans from the
 * kvm_make_request / kvm_make_all_cpus_request that set them to the kvm_check_request (or
 * kvm_clear_request) that took them.
 *
 * Two ways to answer, chosen by the width of the range:
 *
 *   exact    (range <= EXACT_MAX transitions): stateAt(from), then the range replayed; every
 *            change of a lane is a span boundary, and slot spans name their sp. At most
 *            EXACT_MAX transitions are replayed, whatever the session's length.
 *   summary  (wider ranges): from per-block summaries (LaneIndex): for every BLOCK seqs and
 *            vCPU, how many of those moments each slot spent in each state, how many changes it
 *            saw, how many moments the vCPU was in guest mode, and which requests were pending.
 *            A pixel column sums its blocks (a 10M-transition session at 1,600 columns: ~25
 *            blocks a column, a pass over small typed arrays). The index is built once per open
 *            session by one forward replay, in slices of a few milliseconds on the event loop
 *            (so other requests are answered in between) and kept while the session is open;
 *            until it is done, a query answers with what is built (`complete: false`, `progress`)
 *            and the caller asks again.
 *
 * Spans are [start, end): the state after seq `start` up to, not including, the state after
 * seq `end`, i.e. from the transition that began it to the one that ended it. Lanes are flat
 * number arrays (no object per span: a 10M-session answer stays a few tens of KB).
 */
import { apply_transition } from '../../sim/apply'
import { KVM_MMU_NUM_PREV_ROOTS } from '../../sim/constants'
import { REQUESTS } from '../../sim/requests'
import { root_slot_state_code } from '../../sim/root_slot_state'
import { hpa_sp } from '../../sim/state'
import type { Transition } from '../../sim/transitions'
import type { kvm, kvm_mmu_root_info } from '../../sim/types'
import type { ChunkStore } from './store'

/** Slots per vCPU: root and prev_roots[0..2]. */
export const NSLOTS = 1 + KVM_MMU_NUM_PREV_ROOTS
const NREQ = REQUESTS.length
/** Ranges of at most this many transitions are answered exactly. */
export const EXACT_MAX = 65_536
/** Flag added to a folded or summary slot span's state: the slot changed, or held several states, there. */
export const LANE_MIXED = 4
/** Flag added to a folded or summary slot span whose slot held a zombie there, not for most of it. */
export const LANE_ZOMBIE_SEEN = 8
/** Request span flags. */
export const REQ_OPEN_START = 1
export const REQ_OPEN_END = 2
export const REQ_SUMMARY = 4
/** Upper bound of blocks x vCPUs kept in an index (~60 bytes each). */
const MAX_VCPU_BLOCKS = 1 << 18
/** Transitions replayed between two looks at the clock while building. */
const SLICE_STEP = 2048

/** One vCPU's lanes. Every array is flat; see LanesResult. */
export interface VcpuLanes {
  vcpu: number
  /** In guest mode: [start, end, percent, ...]; percent < 100 in a summary column partly in guest. */
  guest: number[]
  /**
   * One per slot (0 = root, 1 + i = prev_roots[i]): [start, end, state, sp, ...]; state 0 valid,
   * 1 obsolete, 2 zombie, 3 INVALID_PAGE: what the slot held (for most of a folded span), + LANE_MIXED
   * where several were folded into one span (then sp is -1), + LANE_ZOMBIE_SEEN when a zombie was
   * among them. The root's pgd is in the state at any seq of the span (stateAt).
   */
  slots: number[][]
  /** Pending requests: [start, end, request (index in REQUESTS), flags, ...]; flags REQ_OPEN_START, REQ_OPEN_END, REQ_SUMMARY. */
  requests: number[]
}

export interface LanesResult {
  from: number
  to: number
  columns: number
  /** exact: every change is a span boundary; summary: per column, from the block summaries. */
  mode: 'exact' | 'summary'
  /** Seqs per summary block (0 in exact mode). */
  block: number
  /** False while the summaries do not yet cover the range (ask again; see progress). */
  complete: boolean
  /** Fraction of the session summarized (1 in exact mode). */
  progress: number
  /** In summary mode, the last seq the summaries cover (spans stop there while incomplete). */
  covered: number
  vcpus: VcpuLanes[]
}

/** Receives every lane interval [start, end) as the replay finds it. */
interface LaneSink {
  guest(v: number, start: number, end: number): void
  slot(v: number, s: number, state: number, sp: number, start: number, end: number): void
  request(v: number, bit: number, start: number, end: number): void
}

/** What a transition kind can change: the lanes to look at after applying it. */
const GUEST = 1
const REQ = 2
const SLOTS = 4
/** ... of every vCPU rather than of t.vcpu. */
const ALL = 8
/** Only the slots (of any vCPU) that hold the transition's sp: a zap turns its holders into zombies. */
const SLOTS_OF_SP = 16
const EFFECT: Record<string, number> = {
  kvm_exit: GUEST,
  vcpu_enter_guest: GUEST,
  kvm_make_request: REQ,
  kvm_check_request: REQ,
  kvm_clear_request: REQ,
  // sets the bit on every vCPU and kicks those in guest mode
  kvm_make_all_cpus_request: GUEST | REQ | ALL,
  fast_pgd_switch: SLOTS,
  mmu_free_root_page: SLOTS,
  mmu_alloc_root: SLOTS,
  // a zap turns the slots holding the page into zombies; a new mmu_valid_gen makes roots obsolete
  kvm_mmu_prepare_zap_page: SLOTS_OF_SP,
  kvm_mmu_zap_all_fast: SLOTS | ALL,
  kvm_mmu_free_page: SLOTS_OF_SP,
}

function slotOf(k: kvm, v: number, s: number): kvm_mmu_root_info {
  const mmu = k.vcpus[v]!.root_mmu
  return s === 0 ? mmu.root : mmu.prev_roots[s - 1]!
}

/**
 * Replays transitions over a state it owns, keeping each lane's current value and since when it
 * holds it, and hands every interval that ends to a sink.
 */
class LaneTracker {
  readonly nv: number
  private readonly guestIn: Uint8Array
  private readonly guestSince: Float64Array
  private readonly req: Int32Array
  private readonly reqSince: Float64Array
  private readonly slotState: Uint8Array
  private readonly slotSp: Float64Array
  private readonly slotSince: Float64Array

  /** `k` is the state after seq `at` (the tracker owns and mutates it). */
  constructor(readonly k: kvm, at: number, private readonly sink: LaneSink) {
    const nv = (this.nv = k.vcpus.length)
    this.guestIn = new Uint8Array(nv)
    this.guestSince = new Float64Array(nv).fill(at)
    this.req = new Int32Array(nv)
    this.reqSince = new Float64Array(nv * NREQ).fill(at)
    this.slotState = new Uint8Array(nv * NSLOTS)
    this.slotSp = new Float64Array(nv * NSLOTS)
    this.slotSince = new Float64Array(nv * NSLOTS).fill(at)
    for (let v = 0; v < nv; v++) {
      const vc = k.vcpus[v]!
      this.guestIn[v] = vc.in_guest ? 1 : 0
      this.req[v] = vc.requests
      for (let s = 0; s < NSLOTS; s++) {
        const r = slotOf(k, v, s)
        const i = v * NSLOTS + s
        this.slotState[i] = root_slot_state_code(k, r)
        this.slotSp[i] = r.hpa === -1 ? -1 : hpa_sp(r.hpa)
      }
    }
  }

  /** Applies transition `t` and ends the intervals it changes. */
  step(t: Transition): void {
    apply_transition(this.k, t)
    const e = EFFECT[t.kind]
    if (e === undefined) return
    if (e === SLOTS_OF_SP) {
      // only a slot that holds this page can change (most zaps are of pages no slot holds)
      const sp = (t as { sp: number }).sp
      for (let i = 0; i < this.slotSp.length; i++) if (this.slotSp[i] === sp) this.look((i / NSLOTS) | 0, SLOTS, t.seq)
      return
    }
    if (e & ALL || t.vcpu === null) {
      for (let v = 0; v < this.nv; v++) this.look(v, e, t.seq)
    } else this.look(t.vcpu, e, t.seq)
  }

  private look(v: number, e: number, seq: number): void {
    const k = this.k
    const vc = k.vcpus[v]!
    if (e & GUEST) {
      const g = vc.in_guest ? 1 : 0
      if (g !== this.guestIn[v]) {
        if (this.guestIn[v]) this.sink.guest(v, this.guestSince[v]!, seq)
        this.guestIn[v] = g
        this.guestSince[v] = seq
      }
    }
    if (e & REQ && vc.requests !== this.req[v]) {
      const old = this.req[v]!
      const now = vc.requests
      for (let b = 0; b < NREQ; b++) {
        const bit = 1 << b
        if ((old & bit) === (now & bit)) continue
        if (old & bit) this.sink.request(v, b, this.reqSince[v * NREQ + b]!, seq)
        else this.reqSince[v * NREQ + b] = seq
      }
      this.req[v] = now
    }
    if (e & SLOTS) {
      for (let s = 0; s < NSLOTS; s++) {
        const r = slotOf(k, v, s)
        const i = v * NSLOTS + s
        const st = root_slot_state_code(k, r)
        const sp = r.hpa === -1 ? -1 : hpa_sp(r.hpa)
        if (st === this.slotState[i] && sp === this.slotSp[i]) continue
        this.sink.slot(v, s, this.slotState[i]!, this.slotSp[i]!, this.slotSince[i]!, seq)
        this.slotState[i] = st
        this.slotSp[i] = sp
        this.slotSince[i] = seq
      }
    }
  }

  /** Ends every open interval at `end` (exclusive) and, with `reopen`, starts it again there. */
  flush(end: number, reopen: boolean): void {
    for (let v = 0; v < this.nv; v++) {
      if (this.guestIn[v] && this.guestSince[v]! < end) {
        this.sink.guest(v, this.guestSince[v]!, end)
        if (reopen) this.guestSince[v] = end
      }
      for (let b = 0; b < NREQ; b++) {
        const i = v * NREQ + b
        if (this.req[v]! & (1 << b) && this.reqSince[i]! < end) {
          this.sink.request(v, b, this.reqSince[i]!, end)
          if (reopen) this.reqSince[i] = end
        }
      }
      for (let s = 0; s < NSLOTS; s++) {
        const i = v * NSLOTS + s
        if (this.slotSince[i]! >= end) continue
        this.sink.slot(v, s, this.slotState[i]!, this.slotSp[i]!, this.slotSince[i]!, end)
        if (reopen) this.slotSince[i] = end
      }
    }
  }
}

function emptyLanes(nv: number): VcpuLanes[] {
  return Array.from({ length: nv }, (_, vcpu) => ({ vcpu, guest: [], slots: Array.from({ length: NSLOTS }, () => []), requests: [] }))
}

/**
 * Collects one lane's intervals in order, keeping those at least `w` seqs wide (a pixel column)
 * as they are and folding each run of narrower ones (with gaps narrower than `w` between them)
 * into one "mixed" interval, so an answer has O(columns) spans whatever the range.
 */
class FoldingLane {
  private runStart = -1
  private runEnd = -1
  /** Moments per slot state in the run (slots), or covered moments (guest, requests). */
  private readonly dur = new Float64Array(4)
  private n = 0

  constructor(private readonly out: number[], private readonly w: number, private readonly emit: (out: number[], start: number, end: number, dur: Float64Array, n: number) => void) {}

  /** The one interval of a run of one: pushed as it is. */
  private single: (() => void) | null = null

  /** Adds [start, end) of `state` (0 for guest/requests); `whole` pushes it unchanged. */
  add(start: number, end: number, state: number, whole: () => void): void {
    const wide = end - start >= this.w
    if (this.n > 0 && (wide || start - this.runEnd >= this.w)) this.flush()
    if (wide) return whole()
    if (this.n === 0) {
      this.runStart = start
      this.dur.fill(0)
      this.single = whole
    }
    this.dur[state]! += end - start
    this.runEnd = end
    this.n++
  }

  flush(): void {
    if (this.n === 0) return
    // a lone narrow interval needs no folding: it keeps what it is
    if (this.n === 1) this.single!()
    else this.emit(this.out, this.runStart, this.runEnd, this.dur, this.n)
    this.n = 0
    this.single = null
  }
}

/**
 * The code of several slot states folded into one span: the state held longest, + LANE_MIXED
 * when more than one (or several changes) are in it, + LANE_ZOMBIE_SEEN when a zombie was held
 * there but not longest (a fixed kernel holds a zapped root for a few transitions; v5.18.0 keeps
 * one for as long as the LRU keeps it: that one is the longest).
 */
export function foldedSlotCode(dur: ArrayLike<number>, mixed: boolean): number {
  let best = 3
  for (let st = 0; st < 4; st++) if (dur[st]! > dur[best]!) best = st
  return best + (mixed ? LANE_MIXED : 0) + (best !== 2 && dur[2]! > 0 ? LANE_ZOMBIE_SEEN : 0)
}

/**
 * The lanes of [from, to] from the state after `from` (a fresh object the caller gives up) and
 * transitions from + 1 .. to replayed. Spans still open at `to` end at to + 1. Intervals at
 * two columns wide keep their exact ends (and slots their sp); narrower ones are
 * folded per run (FoldingLane): at one column per transition or finer, every span is exact.
 */
export function exactLanes(store: ChunkStore, start: kvm, from: number, to: number, columns: number): LanesResult {
  const nv = start.vcpus.length
  const out = emptyLanes(nv)
  // narrower than two columns is not worth a span of its own
  const w = (2 * (to - from + 1)) / columns
  const slotLanes = out.flatMap((l) => l.slots.map((lane) => new FoldingLane(lane, w, (o, s, e, dur) => void o.push(s, e, foldedSlotCode(dur, true), -1))))
  const guestLanes = out.map((l) => new FoldingLane(l.guest, w, (o, s, e, dur) => void o.push(s, e, Math.max(1, Math.round((100 * dur[0]!) / (e - s))))))
  const reqLanes = out.flatMap((l) => REQUESTS.map((_, bit) => new FoldingLane(l.requests, w, (o, s, e) => void o.push(s, e, bit, REQ_SUMMARY | (e > to ? REQ_OPEN_END : 0)))))
  const sink: LaneSink = {
    guest: (v, s, e) => guestLanes[v]!.add(s, e, 0, () => void out[v]!.guest.push(s, e, 100)),
    slot: (v, sl, st, sp, s, e) => slotLanes[v * NSLOTS + sl]!.add(s, e, st, () => void out[v]!.slots[sl]!.push(s, e, st, sp)),
    request: (v, bit, s, e) => reqLanes[v * NREQ + bit]!.add(s, e, 0, () =>
      void out[v]!.requests.push(s, e, bit, (s === from ? REQ_OPEN_START : 0) | (e > to ? REQ_OPEN_END : 0))),
  }
  const tracker = new LaneTracker(start, from, sink)
  store.forEach(from + 1, to, (t) => tracker.step(t))
  tracker.flush(to + 1, false)
  for (const f of [...slotLanes, ...guestLanes, ...reqLanes]) f.flush()
  // requests of several bits were pushed lane by lane: keep them in start order
  for (const l of out) l.requests = sortSpans(l.requests, 4)
  return { from, to, columns, mode: 'exact', block: 0, complete: true, progress: 1, covered: to, vcpus: out }
}

/** A flat span list (stride n) sorted by start. */
function sortSpans(flat: number[], n: number): number[] {
  const idx = Array.from({ length: flat.length / n }, (_, i) => i)
  idx.sort((a, b) => flat[a * n]! - flat[b * n]! || flat[a * n + 2]! - flat[b * n + 2]!)
  return idx.flatMap((i) => flat.slice(i * n, i * n + n))
}

/**
 * Per-block lane summaries of a whole session, built by one forward replay in slices (see the
 * file comment). Block b covers the states after seqs [b * block, (b + 1) * block).
 */
export class LaneIndex {
  readonly block: number
  readonly nv: number
  /** slotCounts[((b * nv + v) * NSLOTS + s) * 4 + state]: moments in that state. */
  private slotCounts: Uint16Array
  /** slotChanges[(b * nv + v) * NSLOTS + s]: changes seen (saturates at 255). */
  private slotChanges: Uint8Array
  /** guestCounts[b * nv + v]: moments in guest mode. */
  private guestCounts: Uint16Array
  /** reqMask[b * nv + v]: requests pending at some moment of the block. */
  private reqMask: Uint8Array
  private tracker: LaneTracker | null = null
  /** Every transition up to this seq is replayed and counted. */
  private built = 0
  private timer: ReturnType<typeof setImmediate> | null = null
  private stopped = false

  constructor(private readonly store: ChunkStore, private readonly initial: () => kvm, nv: number) {
    this.nv = nv
    let block = 256
    while ((store.total / block) * nv > MAX_VCPU_BLOCKS && block < 32_768) block *= 2
    this.block = block
    const blocks = this.blocksFor(store.total)
    this.slotCounts = new Uint16Array(blocks * nv * NSLOTS * 4)
    this.slotChanges = new Uint8Array(blocks * nv * NSLOTS)
    this.guestCounts = new Uint16Array(blocks * nv)
    this.reqMask = new Uint8Array(blocks * nv)
  }

  private blocksFor(total: number): number {
    return Math.floor((total + 1) / this.block) + 1
  }

  /** The last seq summarized. */
  get covered(): number {
    return this.built
  }

  get complete(): boolean {
    return this.built >= this.store.total
  }

  get progress(): number {
    return this.store.total === 0 ? 1 : Math.min(1, this.built / this.store.total)
  }

  /** Grows the arrays for a session that grew (one still being recorded). */
  private ensureCapacity(): void {
    const blocks = this.blocksFor(this.store.total)
    const nv = this.nv
    if (this.guestCounts.length >= blocks * nv) return
    const grow = <T extends Uint8Array | Uint16Array>(a: T, n: number, make: (n: number) => T): T => {
      const b = make(n)
      b.set(a)
      return b
    }
    const n = blocks * 2
    this.slotCounts = grow(this.slotCounts, n * nv * NSLOTS * 4, (x) => new Uint16Array(x))
    this.slotChanges = grow(this.slotChanges, n * nv * NSLOTS, (x) => new Uint8Array(x))
    this.guestCounts = grow(this.guestCounts, n * nv, (x) => new Uint16Array(x))
    this.reqMask = grow(this.reqMask, n * nv, (x) => new Uint8Array(x))
  }

  private readonly sink: LaneSink = {
    guest: (v, s, e) => {
      const B = this.block
      for (let b = Math.floor(s / B); b * B < e; b++) {
        this.guestCounts[b * this.nv + v]! += Math.min(e, (b + 1) * B) - Math.max(s, b * B)
      }
    },
    slot: (v, sl, st, _sp, s, e) => {
      const B = this.block
      const nv = this.nv
      for (let b = Math.floor(s / B); b * B < e; b++) {
        this.slotCounts[((b * nv + v) * NSLOTS + sl) * 4 + st]! += Math.min(e, (b + 1) * B) - Math.max(s, b * B)
      }
      // the change at `e` (a flush at a slice's end is not a change: it lands on `built + 1`)
      if (e <= this.built) {
        const c = (Math.floor(e / B) * nv + v) * NSLOTS + sl
        if (this.slotChanges[c]! < 255) this.slotChanges[c]!++
      }
    },
    request: (v, bit, s, e) => {
      const B = this.block
      for (let b = Math.floor(s / B); b * B < e; b++) this.reqMask[b * this.nv + v]! |= 1 << bit
    },
  }

  /** Replays and counts for about `budgetMs` milliseconds; true when everything is counted. */
  buildFor(budgetMs: number): boolean {
    if (this.complete) return true
    this.ensureCapacity()
    const t0 = performance.now()
    this.tracker ??= new LaneTracker(this.initial(), 0, this.sink)
    const tracker = this.tracker
    do {
      const to = Math.min(this.store.total, this.built + SLICE_STEP)
      // `built` moves first: the sink counts a change at seq e <= built
      const from = this.built + 1
      this.built = to
      this.store.forEach(from, to, (t) => tracker.step(t))
    } while (!this.complete && performance.now() - t0 < budgetMs)
    // what is open is counted up to here and goes on from here
    tracker.flush(this.built + 1, true)
    return this.complete
  }

  /** Keeps building in slices of `sliceMs` on the event loop until complete or stopped. */
  continueInBackground(sliceMs = 8): void {
    if (this.timer || this.stopped || this.complete) return
    const tick = (): void => {
      this.timer = null
      if (this.stopped) return
      try {
        if (!this.buildFor(sliceMs)) this.timer = setImmediate(tick)
      } catch {
        // a damaged chunk: stop here; queries keep answering with what is built (incomplete)
        this.stopped = true
      }
    }
    this.timer = setImmediate(tick)
  }

  stop(): void {
    this.stopped = true
    if (this.timer) clearImmediate(this.timer)
    this.timer = null
  }

  /** The lanes of [from, to] in `columns` columns, from the summaries built so far. */
  query(from: number, to: number, columns: number): LanesResult {
    const nv = this.nv
    const B = this.block
    const out = emptyLanes(nv)
    const width = (to - from + 1) / columns
    const limit = Math.min(to, this.built)
    // per lane: the span being extended (its code, and where it started)
    const slotCode = new Int32Array(nv * NSLOTS).fill(-1)
    const slotStart = new Float64Array(nv * NSLOTS)
    const guestPct = new Int32Array(nv).fill(-1)
    const guestStart = new Float64Array(nv)
    const reqOn = new Int32Array(nv)
    const reqStart = new Float64Array(nv * NREQ)
    const counts = new Float64Array(4)
    let colEnd = from
    for (let c = 0; c < columns; c++) {
      const s0 = Math.max(colEnd, Math.round(from + c * width))
      const s1 = Math.min(limit + 1, Math.round(from + (c + 1) * width))
      if (s1 <= s0) continue
      colEnd = s1
      const b0 = Math.floor(s0 / B)
      const b1 = Math.floor((s1 - 1) / B)
      for (let v = 0; v < nv; v++) {
        let inGuest = 0
        let mask = 0
        let moments = 0
        for (let b = b0; b <= b1; b++) {
          inGuest += this.guestCounts[b * nv + v]!
          mask |= this.reqMask[b * nv + v]!
        }
        for (let s = 0; s < NSLOTS; s++) {
          counts.fill(0)
          let changes = 0
          for (let b = b0; b <= b1; b++) {
            const base = ((b * nv + v) * NSLOTS + s) * 4
            for (let st = 0; st < 4; st++) counts[st]! += this.slotCounts[base + st]!
            changes += this.slotChanges[(b * nv + v) * NSLOTS + s]!
          }
          let kinds = 0
          for (let st = 0; st < 4; st++) if (counts[st]! > 0) kinds++
          if (s === 0) moments = counts[0]! + counts[1]! + counts[2]! + counts[3]!
          const code = foldedSlotCode(counts, kinds > 1 || changes > 0)
          const i = v * NSLOTS + s
          if (code !== slotCode[i]) {
            if (slotCode[i]! >= 0) out[v]!.slots[s]!.push(slotStart[i]!, s0, slotCode[i]!, -1)
            slotCode[i] = code
            slotStart[i] = s0
          }
        }
        const pct = moments > 0 && inGuest > 0 ? Math.max(1, Math.round((100 * inGuest) / moments)) : 0
        if (pct !== guestPct[v]) {
          if (guestPct[v]! > 0) out[v]!.guest.push(guestStart[v]!, s0, guestPct[v]!)
          guestPct[v] = pct
          guestStart[v] = s0
        }
        const old = reqOn[v]!
        if (mask !== old) {
          for (let b = 0; b < NREQ; b++) {
            const bit = 1 << b
            if ((old & bit) === (mask & bit)) continue
            if (old & bit) out[v]!.requests.push(reqStart[v * NREQ + b]!, s0, b, REQ_SUMMARY)
            else reqStart[v * NREQ + b] = s0
          }
          reqOn[v] = mask
        }
      }
    }
    // close what is open at the end of the last column summarized
    for (let v = 0; v < nv; v++) {
      for (let s = 0; s < NSLOTS; s++) {
        const i = v * NSLOTS + s
        if (slotCode[i]! >= 0) out[v]!.slots[s]!.push(slotStart[i]!, colEnd, slotCode[i]!, -1)
      }
      if (guestPct[v]! > 0) out[v]!.guest.push(guestStart[v]!, colEnd, guestPct[v]!)
      for (let b = 0; b < NREQ; b++) {
        if (reqOn[v]! & (1 << b)) out[v]!.requests.push(reqStart[v * NREQ + b]!, colEnd, b, REQ_SUMMARY | (colEnd > to ? REQ_OPEN_END : 0))
      }
    }
    const complete = this.built >= to
    return { from, to, columns, mode: 'summary', block: B, complete, progress: this.progress, covered: limit, vcpus: out }
  }
}
