/**
 * Scanning a session for the changes of one watched value (watch-plan.ts), forward or backward,
 * within a time budget.
 *
 * Forward over seqs [a, b]: chunks whose summary cannot hold a triggering transition are skipped
 * without decoding; a candidate chunk is decoded and skipped unless one of its transitions in
 * range triggers; otherwise the state before it is rebuilt (stateAt: checkpoint + bounded replay,
 * or the state carried over from the previous chunk) and every transition is applied with the
 * real apply_transition, the value being read after each triggering one. Results are exact.
 *
 * Backward over [a, b]: the last change is in the block that starts at the last chunk with a
 * primary trigger, running to b (a secondary trigger needs a primary one before it, see
 * WatchPlan.secondary); that block is scanned forward, keeping the last change. Blocks grow
 * (1, 2, 4 ... 16 candidate chunks) so a rarely changing value costs few state rebuilds.
 */
import { apply_transition } from '../../sim/apply'
import type { Transition } from '../../sim/transitions'
import type { kvm } from '../../sim/types'
import type { ChunkStore } from './store'
import type { WatchKey, WatchPlan } from './watch-plan'

/** What a scan reads: the chunks, and fresh states (owned by the caller) after a seq. */
export interface ScanSource {
  store: ChunkStore
  stateAt(seq: number): kvm
}

/** Called at each change: seq, the transition, the state after it. Return true to stop. */
export type OnChange = (seq: number, t: Transition, state: kvm) => boolean

export interface ForwardResult {
  /** Last seq examined (b when the scan covered the range, or the seq it stopped at). */
  reached: number
  /** onChange asked to stop. */
  stopped: boolean
}

/** How often (in chunks skipped by their summary) the deadline is looked at. */
const DEADLINE_STRIDE = 64

/**
 * Calls onChange for each change of the watched value in [a, b], in order, until it returns true
 * or `deadline` (performance.now() value) has passed at a chunk boundary. `onStart` receives the
 * state at the seq before the first one examined in detail (the value there is the value before
 * the first change).
 */
export function scanForward(
  src: ScanSource, plan: WatchPlan, a: number, b: number, onChange: OnChange,
  opts: { deadline?: number; onStart?: (state: kvm) => void } = {},
): ForwardResult {
  const { store } = src
  a = Math.max(a, 1)
  b = Math.min(b, store.total)
  if (a > b || store.chunks.length === 0) return { reached: b, stopped: false }
  const deadline = opts.deadline ?? Infinity
  const sec = plan.secondary
  let state: kvm | null = null
  let stateSeq = -1
  let key: WatchKey = null
  let live = false
  const start = (seq: number): kvm => {
    const k = src.stateAt(seq)
    if (state === null) {
      key = plan.read(k)
      opts.onStart?.(k)
    }
    state = k
    stateSeq = seq
    return k
  }
  // The secondary trigger's liveness must be known before any chunk can be skipped.
  if (sec) live = sec.live(start(a - 1))
  let skipped = 0
  for (let i = store.chunkIndexOf(a); i < store.chunks.length; i++) {
    const c = store.chunks[i]!
    if (c.firstSeq > b) break
    const lo = Math.max(a, c.firstSeq)
    const hi = Math.min(b, c.firstSeq + c.n - 1)
    const watchSecondary = live && sec !== undefined
    if (!plan.primaryChunk(c) && !(watchSecondary && sec.chunk(c))) {
      if (++skipped % DEADLINE_STRIDE === 0 && performance.now() > deadline) return { reached: hi, stopped: false }
      continue
    }
    const ts = store.decode(i)
    let first = -1
    for (let s = lo; s <= hi; s++) {
      const t = ts[s - c.firstSeq]!
      if (plan.primary(t) || (watchSecondary && sec.touches(t))) {
        first = s
        break
      }
    }
    if (first >= 0) {
      // Transitions before `first` in this chunk cannot change the value: start right there.
      const k = stateSeq === lo - 1 && state !== null ? (state as kvm) : start(first - 1)
      for (let s = stateSeq + 1; s <= hi; s++) {
        const t = ts[s - c.firstSeq]!
        apply_transition(k, t)
        if (plan.primary(t) || (sec !== undefined && sec.touches(t))) {
          const v = plan.read(k)
          if (v !== key) {
            key = v
            if (onChange(s, t, k)) return { reached: s, stopped: true }
          }
        }
      }
      stateSeq = hi
      if (sec) live = sec.live(k)
    }
    if (performance.now() > deadline) return { reached: hi, stopped: false }
  }
  return { reached: b, stopped: false }
}

/** Does chunk `i` hold a primary trigger with a <= seq <= b? */
function primaryIn(store: ChunkStore, plan: WatchPlan, i: number, a: number, b: number): boolean {
  const c = store.chunks[i]!
  if (!plan.primaryChunk(c)) return false
  const ts = store.decode(i)
  const lo = Math.max(a, c.firstSeq)
  const hi = Math.min(b, c.firstSeq + c.n - 1)
  for (let s = lo; s <= hi; s++) if (plan.primary(ts[s - c.firstSeq]!)) return true
  return false
}

/** The first change in [a, b]: its seq, or null with how far the scan got. */
export function firstChange(src: ScanSource, plan: WatchPlan, a: number, b: number, deadline = Infinity): { seq: number | null; reached: number } {
  let found: number | null = null
  const r = scanForward(src, plan, a, b, (s) => {
    found = s
    return true
  }, { deadline })
  return { seq: found, reached: r.reached }
}

const MAX_BLOCK = 16

/**
 * The last change in [a, b]: its seq, or null with the lowest seq examined (every seq from
 * `reached` to b was examined; reached = a when the range is covered).
 */
export function lastChange(src: ScanSource, plan: WatchPlan, a: number, b: number, deadline = Infinity): { seq: number | null; reached: number } {
  const { store } = src
  a = Math.max(a, 1)
  b = Math.min(b, store.total)
  if (a > b || store.chunks.length === 0) return { seq: null, reached: a }
  let hi = b
  let block = 1
  let j = store.chunkIndexOf(hi)
  while (hi >= a) {
    let startIdx = -1
    let found = 0
    for (; j >= 0 && store.chunks[j]!.firstSeq + store.chunks[j]!.n - 1 >= a; j--) {
      if (primaryIn(store, plan, j, a, hi)) {
        startIdx = j
        if (++found >= block) break
      }
      // Without a secondary trigger, no primary one in [chunk j, hi] means no change there.
      if (!plan.secondary && found === 0 && (j & (DEADLINE_STRIDE - 1)) === 0 && performance.now() > deadline) {
        return { seq: null, reached: Math.max(a, store.chunks[j]!.firstSeq) }
      }
    }
    if (startIdx < 0) return { seq: null, reached: a }
    const lo = Math.max(a, store.chunks[startIdx]!.firstSeq)
    let last: number | null = null
    scanForward(src, plan, lo, hi, (s) => {
      last = s
      return false
    })
    if (last !== null) return { seq: last, reached: last }
    hi = lo - 1
    j = startIdx - 1
    block = Math.min(block * 2, MAX_BLOCK)
    if (performance.now() > deadline) return { seq: null, reached: Math.max(a, lo) }
  }
  return { seq: null, reached: a }
}
