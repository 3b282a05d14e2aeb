/**
 * A "scaled scrollbar" for lists longer than a browser lets an element be: Chromium caps an
 * element's height near 33.5M px, i.e. ~1.67M rows of 20 px. The list's content height in
 * *virtual* pixels (rows x rowHeight) is mapped onto a spacer of at most `maxSpacer` px:
 *
 *   - up to maxSpacer the mapping is the identity (scrollTop = virtual top; nothing changes);
 *   - beyond it scrollTop maps proportionally onto the virtual range, so that scrollTop 0 shows
 *     row 0 and the largest scrollTop shows the last row exactly:
 *       virtualTop = scrollTop * (contentHeight - viewport) / (spacer - viewport)
 *
 * Dragging the scrollbar is proportional (that is the point); wheel and keys move the virtual top
 * by pixels (rows) and the scrollTop follows through virtualToScroll. Rows are positioned relative
 * to the viewport: the row at index i is drawn at scrollTop + i * rowHeight - virtualTop.
 */

export interface ScrollGeometry {
  /** Number of rows. */
  rows: number
  /** Height of one row (px). */
  rowHeight: number
  /** Height of the scrolling viewport (clientHeight, px). */
  viewport: number
  /** Largest spacer height used (px); defaults to MAX_SPACER_PX. */
  maxSpacer?: number
}

/** 1.5M rows of 20 px: safely under Chromium's ~33.5M px element height limit. */
export const MAX_SPACER_PX = 30_000_000

/** Height of all rows, in virtual pixels. */
export function contentHeight(g: ScrollGeometry): number {
  return Math.max(0, g.rows) * g.rowHeight
}

/** Height of the element that gives the scroller its scrollbar. */
export function spacerHeight(g: ScrollGeometry): number {
  return Math.min(contentHeight(g), g.maxSpacer ?? MAX_SPACER_PX)
}

/** Largest virtual top (the last row at the bottom of the viewport). */
export function maxVirtualTop(g: ScrollGeometry): number {
  return Math.max(0, contentHeight(g) - g.viewport)
}

/** Largest scrollTop the browser allows. */
export function maxScrollTop(g: ScrollGeometry): number {
  return Math.max(0, spacerHeight(g) - g.viewport)
}

/** Virtual pixels per scrollTop pixel (1 when the list fits in the spacer). */
export function scale(g: ScrollGeometry): number {
  const ms = maxScrollTop(g)
  const mv = maxVirtualTop(g)
  return ms <= 0 || mv <= ms ? 1 : mv / ms
}

/** True when the scrollbar is scaled (the list is longer than the spacer). */
export function isScaled(g: ScrollGeometry): boolean {
  return scale(g) > 1
}

export function clampVirtualTop(g: ScrollGeometry, v: number): number {
  if (!Number.isFinite(v)) return 0
  return Math.min(maxVirtualTop(g), Math.max(0, v))
}

/** The virtual top shown at `scrollTop`. */
export function scrollToVirtual(g: ScrollGeometry, scrollTop: number): number {
  const st = Math.min(maxScrollTop(g), Math.max(0, scrollTop))
  if (st >= maxScrollTop(g) && maxScrollTop(g) > 0) return maxVirtualTop(g)
  return clampVirtualTop(g, st * scale(g))
}

/** The scrollTop that shows `virtualTop` (not rounded). */
export function virtualToScroll(g: ScrollGeometry, virtualTop: number): number {
  const v = clampVirtualTop(g, virtualTop)
  if (v >= maxVirtualTop(g)) return maxScrollTop(g)
  return v / scale(g)
}

/** Rows [first, last] (inclusive) that intersect the viewport at `virtualTop`, plus `overscan` each side. */
export function visibleRows(g: ScrollGeometry, virtualTop: number, overscan = 0): { first: number; last: number } {
  if (g.rows <= 0) return { first: 0, last: -1 }
  const v = clampVirtualTop(g, virtualTop)
  const first = Math.max(0, Math.floor(v / g.rowHeight) - overscan)
  const last = Math.min(g.rows - 1, Math.ceil((v + g.viewport) / g.rowHeight) - 1 + overscan)
  return { first, last: Math.max(first, last) }
}

/** The first row whose top is at or below the viewport's top (the first fully visible row). */
export function firstRowAt(g: ScrollGeometry, virtualTop: number): number {
  return Math.min(Math.max(0, g.rows - 1), Math.ceil(clampVirtualTop(g, virtualTop) / g.rowHeight))
}

/** Where row `index` is drawn inside the spacer (px), for scrollTop `scrollTop` and virtual top `virtualTop`. */
export function rowOffset(g: ScrollGeometry, index: number, scrollTop: number, virtualTop: number): number {
  return scrollTop + index * g.rowHeight - virtualTop
}

/**
 * The virtual top that shows row `index`: unchanged if the row is already inside the viewport
 * with `margin` px to spare, else the row centred ('center') or just brought into view ('nearest').
 */
export function revealRow(
  g: ScrollGeometry, virtualTop: number, index: number, align: 'center' | 'nearest' = 'center', margin = 0,
): number {
  const top = index * g.rowHeight
  const bottom = top + g.rowHeight
  const m = Math.min(margin, Math.max(0, (g.viewport - g.rowHeight) / 2))
  if (top >= virtualTop + m && bottom <= virtualTop + g.viewport - m) return clampVirtualTop(g, virtualTop)
  if (align === 'nearest') {
    return clampVirtualTop(g, top < virtualTop + m ? top - m : bottom - g.viewport + m)
  }
  return clampVirtualTop(g, top - (g.viewport - g.rowHeight) / 2)
}
