import { describe, expect, it } from 'vitest'
import { lifeBounds } from './watch-life'

/** A page created at seq `born` and freed at `dies` (checkpoints every 100 seqs up to 1000). */
function page(born: number, dies: number) {
  const ckpts = Array.from({ length: 11 }, (_, i) => i * 100)
  const stage = (s: number): -1 | 0 | 1 => (s < born ? -1 : s < dies ? 0 : 1)
  const reads: number[] = []
  // the clock: an id counter handing out one id per seq (the page's id is `born`)
  const at = (s: number) => {
    reads.push(s)
    return { stage: stage(s), clock: s + 1 }
  }
  return { ckpts, stage, at, reads }
}

describe('lifeBounds', () => {
  it('starts a forward search after the last checkpoint before the creation', () => {
    const p = page(555, 777)
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(10), 10, 'next', 1000)).toBe(501)
    expect(p.reads.length).toBeLessThanOrEqual(4) // both ends, the interpolated guess and its neighbour
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(520), 520, 'next', 1000)).toBe(521) // no checkpoint between
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(600), 600, 'next', 1000)).toBe(601) // alive
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(900), 900, 'next', 1000)).toBe(1001) // gone: nothing after
    const late = page(1005, 2000) // created after the last checkpoint
    expect(lifeBounds(late.ckpts, late.at, 1005, -1, 10, 'next', 1010)).toBe(1001)
  })

  it('ends a backward search at the first checkpoint where it is gone', () => {
    const p = page(555, 777)
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(990), 990, 'prev', 1000)).toBe(800)
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(790), 790, 'prev', 1000)).toBe(790) // no checkpoint between
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(700), 700, 'prev', 1000)).toBe(700) // alive
    expect(lifeBounds(p.ckpts, p.at, 555, p.stage(300), 300, 'prev', 1000)).toBe(0) // not created: nothing before
  })
})
