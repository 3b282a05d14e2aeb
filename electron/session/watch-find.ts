/**
 * Continue to a watch: from a seq, forward or backward, to the nearest moment at which any of
 * several watches changes (a value of the state) or holds (an SQL condition on transitions).
 *
 * Watches on the state are WatchSearchers over seq ranges, searched together window by window
 * (4,096 seqs, then 4x larger each time), so a watch that never fires does not make the user wait
 * for a whole-session scan when another fires close by; within a window each searches only up
 * to the best hit so far. They run in slices of about SLICE_MS, yielding to the event loop
 * between slices, so a long search reports progress, can be cancelled, and leaves the process
 * (the app's main process, `rootlab serve`) responsive.
 *
 * Conditions (`where`) run in the SQL engine's own process (WhereSearch), all at once from the
 * start, each to its first match; the two kinds bound each other: a condition's match bounds the
 * state watches' scan, and a condition still running is stopped once it has passed the best hit
 * found (it can no longer win).
 */
import { SessionError } from './errors'
import type { WatchFindResult } from './watch-types'

/** A partial or complete answer of one searcher over a range. */
export interface SearchStep {
  /** The hit found, or null. */
  seq: number | null
  /**
   * With seq = null: how far the range was examined (forward: every seq from a to `reached`;
   * backward: from `reached` to b). The range is covered when reached = b (forward) / a (backward).
   */
  reached: number
}

/** Searches one watch on the state over a seq range [a, b] (1 <= a <= b <= the last seq), synchronously. */
export interface WatchSearcher {
  /** The first hit in [a, b]; at `deadline` (a performance.now() value) it stops with a partial answer. */
  first(a: number, b: number, deadline: number): SearchStep
  /** The last hit in [a, b]. */
  last(a: number, b: number, deadline: number): SearchStep
}

/** A condition's search, running elsewhere: the first match strictly after / before the start. */
export interface WhereSearch {
  /** The match, or null when there is none. Rejects on a bad expression or a failure. */
  result: Promise<number | null>
  /** How far it got: every seq between the start and `at()` (inclusive) was examined. */
  at(): number
  /** Stops it (result then rejects or resolves; either is ignored). */
  cancel(): void
}

/** Starts the search of a condition from `from` (strictly after it, or before it when backward). */
export type WhereStarter = (expr: string, from: number, backward: boolean) => WhereSearch

export interface FindOptions {
  /** Cancels the search: it answers done = false with how far it got. */
  signal?: AbortSignal
  /** Called after each slice with how far the search got (see WatchFindResult.reached). */
  onProgress?: (reached: number) => void
}

/** One slice of scanning between two yields to the event loop. */
export const SLICE_MS = 40
export const FIRST_WINDOW = 4096
const GROWTH = 4

const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

interface WhereState {
  search: WhereSearch
  /** undefined while running. */
  seq?: number | null
  error?: unknown
}

/**
 * The nearest hit of any watch strictly after (`next`) or before (`prev`) `from` in a session
 * whose last seq is `total`: `searchers` (state) and `wheres` (conditions, already started
 * from `from` in that direction). Indexes in `hits` count the searchers first, then the wheres.
 */
export async function findWatches(
  searchers: WatchSearcher[], wheres: WhereSearch[], from: number, direction: 'next' | 'prev', total: number,
  opts: FindOptions = {},
): Promise<WatchFindResult> {
  if (searchers.length + wheres.length === 0) throw new SessionError('no watch to continue to (add a watch first)')
  if (direction !== 'next' && direction !== 'prev') throw new SessionError(`direction must be "next" or "prev", got ${JSON.stringify(direction)}`)
  if (!Number.isInteger(from) || from < 0 || from > total + 1) {
    throw new SessionError(`from must be an integer from 0 to ${total + 1}, got ${from}`)
  }
  const fwd = direction === 'next'
  const ws: WhereState[] = wheres.map((search) => {
    const w: WhereState = { search }
    search.result.then((s) => { w.seq = s }, (e: unknown) => { w.error = e })
    return w
  })
  const stopWheres = () => {
    for (const w of ws) if (w.seq === undefined && w.error === undefined) w.search.cancel()
  }
  // `better(x, y)`: x is nearer to `from` than y.
  const better = (x: number, y: number) => (fwd ? x < y : x > y)
  const end = fwd ? total : 1
  let best: number | null = null
  let hits: number[] = []
  const offer = (seq: number, i: number) => {
    if (best === null || better(seq, best)) {
      best = seq
      hits = [i]
    } else if (seq === best && !hits.includes(i)) hits.push(i)
  }
  /** How far the state watches have been searched (every seq between from and this one). */
  let covered = from
  const reached = (): number => {
    let r = covered
    for (const w of ws) if (w.seq === undefined) r = fwd ? Math.min(r, w.search.at()) : Math.max(r, w.search.at())
    return r
  }
  const cancelled = (): WatchFindResult => {
    stopWheres()
    return { seq: null, hits: [], reached: reached(), done: false }
  }
  /** Folds in the conditions that answered; throws the first failure. */
  const settleWheres = () => {
    ws.forEach((w, j) => {
      if (w.error !== undefined) {
        stopWheres()
        throw w.error
      }
      if (w.seq !== undefined && w.seq !== null) offer(w.seq, searchers.length + j)
    })
  }
  let deadline = performance.now() + SLICE_MS
  const nextSlice = async (): Promise<boolean> => {
    opts.onProgress?.(reached())
    await yieldToLoop()
    deadline = performance.now() + SLICE_MS
    settleWheres()
    return opts.signal?.aborted !== true
  }

  if (opts.signal?.aborted) return cancelled()
  // The state watches, window by window, up to the best hit so far (a condition's included).
  settleWheres()
  let window = FIRST_WINDOW
  let lo = fwd ? from + 1 : from - 1
  while (searchers.length > 0 && (fwd ? lo <= total : lo >= 1)) {
    if (best !== null && !better(lo, best) && lo !== best) break
    let hi = fwd ? Math.min(total, lo + window - 1) : Math.max(1, lo - window + 1)
    if (best !== null && better(best, hi)) hi = best
    let windowBest: number | null = null
    for (let i = 0; i < searchers.length; i++) {
      let a = lo
      for (;;) {
        const bound: number = windowBest ?? hi
        const r: SearchStep = fwd ? searchers[i]!.first(a, bound, deadline) : searchers[i]!.last(bound, a, deadline)
        if (r.seq !== null) {
          if (windowBest === null || better(r.seq, windowBest)) windowBest = r.seq
          offer(r.seq, i)
          break
        }
        if (r.reached === bound) break
        a = fwd ? r.reached + 1 : r.reached - 1
        // with one watch its progress is the search's; with several, a window counts when all are done
        if (searchers.length === 1) covered = r.reached
        if (!(await nextSlice())) return cancelled()
      }
      if (performance.now() > deadline && !(await nextSlice())) return cancelled()
    }
    if (windowBest !== null) break
    covered = hi
    lo = fwd ? hi + 1 : hi - 1
    window *= GROWTH
  }
  covered = best ?? end

  // The conditions still running: each either answers or passes the best hit (and is stopped).
  for (;;) {
    settleWheres()
    const running = ws.filter((w) => w.seq === undefined && w.error === undefined)
    const b = best as number | null
    const open = running.filter((w) => b === null || !better(b, w.search.at()))
    if (open.length === 0) break
    await new Promise((r) => setTimeout(r, 20))
    if (!(await nextSlice())) return cancelled()
  }
  stopWheres()
  const seq = best as number | null
  return { seq, hits: seq === null ? [] : [...hits].sort((x, y) => x - y), reached: seq ?? (fwd ? Math.max(from, total) : Math.min(from, 1)), done: true }
}
