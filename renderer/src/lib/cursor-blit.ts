/**
 * Copying a canvas's base layer (drawn offscreen) before its overlay is drawn, frame after frame.
 * When only the cursor moved since the last frame (the base and the rest of the overlay are the
 * same), only the strip under the last cursor is copied back: a step or a scrub frame then
 * repaints two narrow strips of the timeline and the lanes instead of both canvases whole (with
 * software raster, compositing cost follows the damaged area).
 */

/** Half the width of what a cursor draws (its 2 px line and 10 px head), CSS px, with a margin. */
const HALF = 7

export class CursorBlit {
  private lastX: number | null = null
  private lastKey: unknown[] | null = null

  /**
   * Restores `base` onto `ctx` (device pixels, identity transform): everything when `baseChanged`
   * or when `overlayKey` differs from the last frame's (something besides the cursor was drawn),
   * else the strip around the last cursor x (CSS px). Then remember `cursorX` for the next frame.
   */
  restore(ctx: CanvasRenderingContext2D, base: HTMLCanvasElement, baseChanged: boolean, overlayKey: unknown[], cursorX: number, dpr: number): void {
    ctx.setTransform(1, 0, 0, 1, 0, 0)
    const same = this.lastKey !== null && overlayKey.length === this.lastKey.length && overlayKey.every((k, i) => k === this.lastKey![i])
    if (baseChanged || !same || this.lastX === null) ctx.drawImage(base, 0, 0)
    else {
      const x0 = Math.max(0, Math.floor((this.lastX - HALF) * dpr))
      const w = Math.min(base.width - x0, Math.ceil(2 * HALF * dpr) + 1)
      if (w > 0) ctx.drawImage(base, x0, 0, w, base.height, x0, 0, w, base.height)
    }
    this.lastX = cursorX
    this.lastKey = overlayKey
  }

  /** The next frame copies everything (the canvas was resized or cleared). */
  reset(): void {
    this.lastX = null
    this.lastKey = null
  }
}
