/**
 * A seeded pseudo-random generator (sfc32, seeded through splitmix32). The model never calls
 * Math.random: the same seed gives the same numbers on every machine.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, n). */
  int(n: number): number
  /** true with probability p. */
  chance(p: number): boolean
  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x9e3779b9) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

export function create_prng(seed: number): Prng {
  const init = splitmix32(seed)
  let a = init(), b = init(), c = init(), d = init()
  const next32 = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = ((c << 21) | (c >>> 11)) >>> 0
    c = (c + t) >>> 0
    return t
  }
  for (let i = 0; i < 12; i++) next32()
  const self: Prng = {
    next: () => next32() / 2 ** 32,
    int: (n) => Math.floor((next32() / 2 ** 32) * n),
    chance: (p) => next32() / 2 ** 32 < p,
    pick: (items) => items[Math.floor((next32() / 2 ** 32) * items.length)]!,
  }
  return self
}
