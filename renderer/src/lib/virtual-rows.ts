/**
 * A window of rows of fixed height over a long table: which rows are in view (plus an
 * overscan), and the padding above and below them that keeps the scrollbar true. The table
 * renders only rows first..last-1 between two spacer rows. (For lists past ~1.5M rows, see
 * scaled-scroll.ts: Chromium caps an element's height near 33.5M px.)
 */
import { computed, ref, type Ref } from 'vue'

export function useVirtualRows(count: Ref<number>, rowHeight: number, overscan = 8) {
  /** The scrolling element (bind with ref="el" and @scroll="onScroll"). */
  const el = ref<HTMLElement | null>(null)
  const scrollTop = ref(0)
  const viewport = ref(300)
  const first = computed(() => Math.min(count.value, Math.max(0, Math.floor(scrollTop.value / rowHeight) - overscan)))
  const last = computed(() => Math.min(count.value, Math.ceil((scrollTop.value + viewport.value) / rowHeight) + overscan))
  const padTop = computed(() => first.value * rowHeight)
  const padBottom = computed(() => (count.value - last.value) * rowHeight)

  function onScroll(): void {
    scrollTop.value = el.value?.scrollTop ?? 0
    viewport.value = el.value?.clientHeight || viewport.value
  }

  /** Scrolls row `i` into view (`header` px of sticky header above the rows). */
  function reveal(i: number, header = rowHeight): void {
    const e = el.value
    if (!e || i < 0) return
    const top = i * rowHeight + header
    if (top - header < e.scrollTop) e.scrollTop = top - header
    else if (top + rowHeight > e.scrollTop + e.clientHeight) e.scrollTop = top + rowHeight - e.clientHeight
    onScroll()
  }

  return { el, first, last, padTop, padBottom, onScroll, reveal }
}
