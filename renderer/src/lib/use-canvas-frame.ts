/**
 * The frame loop of a canvas that follows its element's width and the system theme, shared by
 * the timeline and the kernel track.
 *
 * `width` is the observed element's CSS width (whole pixels); `schedule()` asks for one `draw()`
 * on the next animation frame (calls in between coalesce); a change of `prefers-color-scheme`
 * calls `onTheme()` (drop cached colours) and redraws. Everything is released on unmount.
 */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

export function useCanvasFrame(
  target: Ref<Element | null>, draw: () => void, onTheme: () => void,
): { width: Ref<number>; schedule: () => void } {
  const width = ref(0)
  let raf = 0
  const frame = (): void => {
    raf = 0
    draw()
  }
  const schedule = (): void => {
    if (!raf) raf = requestAnimationFrame(frame)
  }
  let ro: ResizeObserver | null = null
  const mq = window.matchMedia('(prefers-color-scheme: dark)')
  const themeChanged = (): void => {
    onTheme()
    schedule()
  }
  onMounted(() => {
    ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? 0)
      if (w !== width.value) width.value = w
      schedule()
    })
    if (target.value) ro.observe(target.value)
    mq.addEventListener('change', themeChanged)
  })
  onBeforeUnmount(() => {
    ro?.disconnect()
    mq.removeEventListener('change', themeChanged)
    if (raf) cancelAnimationFrame(raf)
  })
  return { width, schedule }
}
