/**
 * The bounds of a watched thing's life (a shadow page: created, alive, freed — in that order,
 * never again: ids are not reused), found from the session's checkpoints instead of by scanning
 * the chunks in between: where a forward search may start (nothing changes before the creation)
 * and where a backward one may stop (nothing changes after the end).
 *
 * Each checkpoint looked at costs a decode (1-30 ms at 10M transitions), so the creation is found
 * by interpolation on a clock that passes the thing's `born` value when it is created (a page:
 * kvm->next_sp passes sp; ids are handed out in order, at a fairly even pace), falling back to
 * bisection when a guess does not narrow the range enough; the end by bisection between the
 * creation and the seq searched from, galloping first (pages live short lives).
 */

/** What a checkpoint says: the thing's stage (-1 not yet, 0 alive, 1 gone) and the clock. */
export interface LifeProbe {
  stage: -1 | 0 | 1
  clock: number
}

/**
 * From seq `at`, where the stage is `stage`, searching in `direction` over a session whose last
 * seq is `total` with checkpoints at `ckpts` (ascending, 0 first) read by `probe`:
 *   next: the first seq a change can be at (total + 1: none; at + 1 when not before its creation);
 *   prev: the last seq a change can be at (0: none; at when not after its end).
 */
export function lifeBounds(
  ckpts: number[], probe: (ckptSeq: number) => LifeProbe, born: number, stage: -1 | 0 | 1, at: number,
  direction: 'next' | 'prev', total: number,
): number {
  const cache = new Map<number, LifeProbe>()
  const read = (i: number): LifeProbe => {
    let p = cache.get(i)
    if (!p) cache.set(i, (p = probe(ckpts[i]!)))
    return p
  }
  const after = upperIndex(ckpts, at) // checkpoints [0, after) are at or before `at`
  if (direction === 'next') {
    if (stage === 1) return total + 1
    if (stage === 0) return at + 1
    // not created yet: it is created after the last checkpoint that is still before it
    const i = firstBorn(read, born, after, ckpts.length)
    return i === 0 ? at + 1 : Math.max(at + 1, ckpts[i - 1]! + 1)
  }
  if (stage === -1) return 0
  if (stage === 0) return at
  // gone: the end is at or before the first checkpoint where it is gone, after its creation;
  // lives are short, so gallop from the creation (1, 2, 4... checkpoints), then bisect
  let lo = firstBorn(read, born, 0, after)
  let hi = after
  for (let step = 1; lo + step < hi; step *= 2) {
    if (read(lo + step - 1).stage === 1) {
      hi = lo + step - 1
      break
    }
    lo += step
  }
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (read(mid).stage === 1) hi = mid
    else lo = mid + 1
  }
  return lo === after ? at : ckpts[lo]!
}

/**
 * The first index in [lo, hi) whose clock has passed `born` (hi if none): interpolation between
 * the two indexes known to bracket it, one checkpoint read per step, a bisection step whenever
 * a guess did not halve the bracket.
 */
function firstBorn(read: (i: number) => LifeProbe, born: number, lo: number, hi: number): number {
  if (lo >= hi) return hi
  const cLo = read(lo).clock
  if (cLo > born) return lo
  const cHi = read(hi - 1).clock
  if (cHi <= born) return hi
  // clock(a) <= born < clock(b): the answer is in (a, b]
  let a = lo
  let b = hi - 1
  let ca = cLo
  let cb = cHi
  const look = (i: number): void => {
    const c = read(i).clock
    if (c > born) {
      b = i
      cb = c
    } else {
      a = i
      ca = c
    }
  }
  while (b - a > 1) {
    const span = b - a
    // the guess at the last index before the crossing, then its neighbour across it
    const guess = Math.min(b - 1, Math.max(a + 1, a + Math.floor(((born - ca) / (cb - ca)) * span)))
    look(guess)
    if (b - a > 1) look(a === guess ? a + 1 : b - 1)
    if (b - a > span / 2 && b - a > 1) look((a + b) >> 1) // a poor guess: bisect once
  }
  return b
}

/** Index of the first element > x. */
function upperIndex(xs: number[], x: number): number {
  let lo = 0
  let hi = xs.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (xs[mid]! <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
