/**
 * Continue to a watch: from a seq, forward or backward, to the nearest moment at which any of
 * several watches changes (a value of the state) or holds (a condition on transitions).
 *
 * Each watch is a WatchSearcher over a seq range. The watches are searched together window by
 * window (4,096 seqs, then 4x larger each time), so a watch that never fires does not make the
 * user wait for a whole-session scan when another one fires close by; within a window, each
 * watch searches only up to the best hit so far. A time budget makes the search answer early
 * with how far it got (done = false); asking again from there goes on (the debugger does this to
 * show progress and to let the user cancel; the CLI asks once, without a budget).
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

/** Searches one watch over a seq range [a, b] (1 <= a <= b <= the session's last seq). */
export interface WatchSearcher {
  /** The first hit in [a, b]. Stops at `deadline` (a performance.now() value) with a partial answer. */
  first(a: number, b: number, deadline: number): SearchStep | Promise<SearchStep>
  /** The last hit in [a, b]. */
  last(a: number, b: number, deadline: number): SearchStep | Promise<SearchStep>
}

export const FIRST_WINDOW = 4096
const GROWTH = 4

/**
 * The nearest hit of any searcher strictly after (`next`) or before (`prev`) `from`, in a
 * session whose last seq is `total`. With `budgetMs`, answers done = false after about that long.
 */
export async function findWatches(
  searchers: WatchSearcher[], from: number, direction: 'next' | 'prev', total: number, budgetMs = Infinity,
): Promise<WatchFindResult> {
  if (searchers.length === 0) throw new SessionError('no watch to continue to (add a watch first)')
  if (direction !== 'next' && direction !== 'prev') throw new SessionError(`direction must be "next" or "prev", got ${JSON.stringify(direction)}`)
  if (!Number.isInteger(from) || from < 0 || from > total + 1) {
    throw new SessionError(`from must be an integer from 0 to ${total + 1}, got ${from}`)
  }
  const deadline = performance.now() + budgetMs
  return direction === 'next' ? forward(searchers, from, total, deadline) : backward(searchers, from, deadline)
}

async function forward(searchers: WatchSearcher[], from: number, total: number, deadline: number): Promise<WatchFindResult> {
  let window = FIRST_WINDOW
  for (let lo = from + 1; lo <= total; lo += window, window *= GROWTH) {
    const hi = Math.min(total, lo + window - 1)
    let best: number | null = null
    let hits: number[] = []
    let covered = hi
    for (let i = 0; i < searchers.length; i++) {
      const bound = best ?? hi
      const r = await searchers[i]!.first(lo, bound, deadline)
      if (r.seq !== null) {
        if (best === null || r.seq < best) {
          best = r.seq
          hits = [i]
        } else if (r.seq === best) hits.push(i)
      } else if (r.reached < bound) covered = Math.min(covered, r.reached)
    }
    if (best !== null && best <= covered) return { seq: best, hits, reached: best, done: true }
    if (covered < hi || best !== null) return { seq: null, hits: [], reached: Math.max(from, covered), done: false }
    if (lo + window <= total && performance.now() > deadline) return { seq: null, hits: [], reached: hi, done: false }
  }
  return { seq: null, hits: [], reached: Math.max(from, total), done: true }
}

async function backward(searchers: WatchSearcher[], from: number, deadline: number): Promise<WatchFindResult> {
  let window = FIRST_WINDOW
  for (let hi = from - 1; hi >= 1; hi -= window, window *= GROWTH) {
    const lo = Math.max(1, hi - window + 1)
    let best: number | null = null
    let hits: number[] = []
    let covered = lo
    for (let i = 0; i < searchers.length; i++) {
      const bound = best ?? lo
      const r = await searchers[i]!.last(bound, hi, deadline)
      if (r.seq !== null) {
        if (best === null || r.seq > best) {
          best = r.seq
          hits = [i]
        } else if (r.seq === best) hits.push(i)
      } else if (r.reached > bound) covered = Math.max(covered, r.reached)
    }
    if (best !== null && best >= covered) return { seq: best, hits, reached: best, done: true }
    if (covered > lo || best !== null) return { seq: null, hits: [], reached: Math.min(from, covered), done: false }
    if (lo > 1 && performance.now() > deadline) return { seq: null, hits: [], reached: lo, done: false }
  }
  return { seq: null, hits: [], reached: Math.min(from, 1), done: true }
}
