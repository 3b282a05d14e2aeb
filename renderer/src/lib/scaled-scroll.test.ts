import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  clampVirtualTop, firstRowAt, isScaled, MAX_SPACER_PX, maxScrollTop, maxVirtualTop, revealRow, rowOffset,
  scrollToVirtual, spacerHeight, virtualToScroll, visibleRows, type ScrollGeometry,
} from './scaled-scroll'

const ROW = 20
const geo = (rows: number, viewport = 400): ScrollGeometry => ({ rows, rowHeight: ROW, viewport })

describe('the scaled scrollbar of the transition log', () => {
  it('is the identity while the rows fit in the spacer', () => {
    const g = geo(1_000_000)
    expect(isScaled(g)).toBe(false)
    expect(spacerHeight(g)).toBe(20_000_000)
    for (const st of [0, 1, 20, 12_345, maxScrollTop(g)]) {
      expect(scrollToVirtual(g, st)).toBe(st)
      expect(virtualToScroll(g, st)).toBe(st)
    }
    expect(rowOffset(g, 500, 10_000, 10_000)).toBe(500 * ROW)
  })

  it('caps the spacer under the browser\'s element height limit for 10M rows', () => {
    const g = geo(10_000_000)
    expect(isScaled(g)).toBe(true)
    expect(spacerHeight(g)).toBe(MAX_SPACER_PX)
    expect(spacerHeight(g)).toBeLessThan(33_554_432)
    expect(spacerHeight({ ...g, maxSpacer: 1000 })).toBe(1000)
  })

  it('maps the ends of the scrollbar onto the first and the last row', () => {
    const g = geo(10_527_707, 463)
    expect(scrollToVirtual(g, 0)).toBe(0)
    expect(visibleRows(g, scrollToVirtual(g, 0)).first).toBe(0)
    const end = scrollToVirtual(g, maxScrollTop(g))
    expect(end).toBe(maxVirtualTop(g))
    expect(visibleRows(g, end).last).toBe(g.rows - 1)
    // the last row's bottom is the viewport's bottom
    expect((g.rows - 1) * ROW + ROW - end).toBe(g.viewport)
    // beyond the ends: clamped
    expect(scrollToVirtual(g, -50)).toBe(0)
    expect(scrollToVirtual(g, 1e12)).toBe(maxVirtualTop(g))
    expect(virtualToScroll(g, 1e12)).toBe(maxScrollTop(g))
  })

  it('is proportional: the middle of the scrollbar is the middle of the list', () => {
    const g = geo(10_000_000)
    const mid = firstRowAt(g, scrollToVirtual(g, maxScrollTop(g) / 2))
    expect(Math.abs(mid - (g.rows - g.viewport / ROW) / 2)).toBeLessThan(2)
  })

  it('round-trips scrollTop -> virtual top -> scrollTop, monotonically', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 50_000_000 }), fc.integer({ min: 40, max: 2000 }), fc.double({ min: 0, max: 1, noNaN: true }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (rows, viewport, a, b) => {
        const g = geo(rows, viewport)
        const ms = maxScrollTop(g)
        const [s1, s2] = [a * ms, b * ms].sort((x, y) => x - y) as [number, number]
        const v1 = scrollToVirtual(g, s1)
        const v2 = scrollToVirtual(g, s2)
        expect(v1).toBeLessThanOrEqual(v2)
        expect(v1).toBeGreaterThanOrEqual(0)
        expect(v2).toBeLessThanOrEqual(maxVirtualTop(g))
        expect(Math.abs(virtualToScroll(g, v1) - s1)).toBeLessThan(1e-6 * Math.max(1, ms))
      },
    ))
  })

  it('moves by pixels in virtual space, so a wheel notch or an arrow key scrolls by rows', () => {
    const g = geo(10_000_000)
    const v = scrollToVirtual(g, 1_000_000)
    const first = firstRowAt(g, v)
    expect(firstRowAt(g, clampVirtualTop(g, v + 3 * ROW))).toBe(first + 3)
    // the scrollTop that shows it moves by less than a pixel per row
    expect(virtualToScroll(g, v + ROW) - virtualToScroll(g, v)).toBeLessThan(ROW)
  })

  it('lists the rows in the viewport with overscan, and nothing for an empty list', () => {
    const g = geo(100, 100)
    expect(visibleRows(g, 0)).toEqual({ first: 0, last: 4 })
    expect(visibleRows(g, 30)).toEqual({ first: 1, last: 6 })
    expect(visibleRows(g, 30, 3)).toEqual({ first: 0, last: 9 })
    expect(visibleRows(g, 1e9)).toEqual({ first: 95, last: 99 })
    expect(visibleRows(geo(0), 0)).toEqual({ first: 0, last: -1 })
  })

  it('positions a row relative to the viewport, whatever the scale', () => {
    const g = geo(10_000_000)
    const st = 12_345_678
    const v = scrollToVirtual(g, st)
    const i = firstRowAt(g, v)
    const y = rowOffset(g, i, st, v) - st // position inside the viewport
    expect(y).toBeGreaterThanOrEqual(0)
    expect(y).toBeLessThan(ROW)
  })

  it('reveals a row: unchanged if in view, else centred (or nearest)', () => {
    const g = geo(10_000_000, 400)
    const v = 1_000_000
    expect(revealRow(g, v, v / ROW + 5)).toBe(v)
    const c = revealRow(g, v, 9_000_000)
    expect(c).toBe(9_000_000 * ROW - (400 - ROW) / 2)
    expect(visibleRows(g, c).first).toBeLessThanOrEqual(9_000_000)
    expect(visibleRows(g, c).last).toBeGreaterThanOrEqual(9_000_000)
    expect(revealRow(g, v, v / ROW - 1, 'nearest')).toBe(v - ROW)
    expect(revealRow(g, v, v / ROW + 20, 'nearest')).toBe(v + ROW)
    expect(revealRow(g, v, v / ROW, 'center', ROW)).toBe(v - (400 - ROW) / 2)
    expect(revealRow(g, 0, 0)).toBe(0)
    expect(revealRow(g, 0, g.rows - 1)).toBe(maxVirtualTop(g))
  })
})
