/**
 * Drawing the timeline: a pure, synchronous function of the cached density, the markers and the
 * cursor. No allocation beyond a few numbers per column, so it runs every frame while scrubbing.
 */
import type { DensityResult } from '../../../electron/api/contract'

/** Density groups in stacking order, bottom first. */
export const GROUPS = ['roots', 'zaps', 'requests', 'pages', 'faults', 'writes', 'other'] as const

/** Colours the drawing uses (read from the CSS theme). */
export interface TimelinePalette {
  bg: string
  grid: string
  fg: string
  dim: string
  cursor: string
  selection: string
  groups: Record<string, string>
  markers: Record<'root_zap' | 'finding' | 'memslot' | 'bookmark', string>
}

/** A marker to draw. */
export interface TimelineMarker {
  seq: number
  type: 'root_zap' | 'finding' | 'memslot' | 'bookmark'
  label: string
}

export interface TimelineFrame {
  width: number
  height: number
  dpr: number
  from: number
  to: number
  density: DensityResult | null
  markers: readonly TimelineMarker[]
  cursor: number
  /** A range being selected (drag-select), in seq. */
  selection: { from: number; to: number } | null
  divergence: number | null
}

/** x (CSS px) of seq `s` in [from, to] over `width`. */
export function seqToX(s: number, from: number, to: number, width: number): number {
  return ((s - from) / Math.max(1, to - from)) * width
}

/** seq under x (CSS px). */
export function xToSeq(x: number, from: number, to: number, width: number): number {
  return Math.round(from + (Math.max(0, Math.min(width, x)) / Math.max(1, width)) * (to - from))
}

const MARKER_ROW: Record<TimelineMarker['type'], number> = { bookmark: 0, finding: 1, root_zap: 2, memslot: 3 }
/** Height of the marker lane at the top (CSS px). */
export const MARKER_LANE = 16

/** The whole frame: the base (density, markers, divergence) and the overlay (selection, cursor). */
export function drawTimeline(ctx: CanvasRenderingContext2D, f: TimelineFrame, pal: TimelinePalette): void {
  drawTimelineBase(ctx, f, pal)
  drawTimelineOverlay(ctx, f, pal)
}

/**
 * What does not move with the cursor: background, density, markers, divergence. The view draws it
 * into an offscreen canvas once per density/markers/range/size and copies it on each frame.
 */
export function drawTimelineBase(ctx: CanvasRenderingContext2D, f: Omit<TimelineFrame, 'cursor' | 'selection'>, pal: TimelinePalette): void {
  const { width: w, height: h, dpr } = f
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = pal.bg
  ctx.fillRect(0, 0, w, h)
  const top = MARKER_LANE
  const barH = h - top - 1

  // density: stacked columns, sqrt-scaled so sparse activity stays visible
  const d = f.density
  if (d && d.to >= d.from) {
    const n = Object.values(d.groups)[0]?.length ?? 0
    let max = 1
    const totals = new Float64Array(n)
    for (const g of Object.values(d.groups)) for (let i = 0; i < n; i++) totals[i]! += g[i] ?? 0
    for (let i = 0; i < n; i++) if (totals[i]! > max) max = totals[i]!
    const scale = barH / Math.sqrt(max)
    const x0 = seqToX(d.from, f.from, f.to, w)
    const colW = Math.max(0.5, (seqToX(d.to, f.from, f.to, w) - x0) / Math.max(1, n))
    for (let i = 0; i < n; i++) {
      const total = totals[i]!
      if (total <= 0) continue
      const hTot = Math.sqrt(total) * scale
      let y = h - 1
      for (const g of GROUPS) {
        const c = d.groups[g]?.[i] ?? 0
        if (!c) continue
        const hh = (c / total) * hTot
        ctx.fillStyle = pal.groups[g] ?? pal.dim
        ctx.fillRect(x0 + i * colW, y - hh, Math.max(1, colW), hh)
        y -= hh
      }
    }
  }

  // marker lane
  ctx.fillStyle = pal.grid
  ctx.fillRect(0, top - 1, w, 1)
  for (const m of f.markers) {
    if (m.seq < f.from || m.seq > f.to) continue
    const x = Math.round(seqToX(m.seq, f.from, f.to, w)) + 0.5
    ctx.fillStyle = pal.markers[m.type]
    const row = MARKER_ROW[m.type]
    if (m.type === 'finding') {
      ctx.beginPath()
      ctx.moveTo(x - 4, 1)
      ctx.lineTo(x + 4, 1)
      ctx.lineTo(x, 9)
      ctx.closePath()
      ctx.fill()
    } else if (m.type === 'bookmark') {
      ctx.fillRect(x - 0.5, 0, 2, top)
      ctx.fillRect(x + 1, 0, 5, 5)
    } else {
      ctx.fillRect(x - 0.5, 2 + row * 3, 1.5, top - 4 - row * 3)
    }
  }

  if (f.divergence !== null && f.divergence >= f.from && f.divergence <= f.to) {
    const x = Math.round(seqToX(f.divergence, f.from, f.to, w)) + 0.5
    ctx.strokeStyle = pal.markers.finding
    ctx.setLineDash([3, 3])
    ctx.beginPath()
    ctx.moveTo(x, 0)
    ctx.lineTo(x, h)
    ctx.stroke()
    ctx.setLineDash([])
  }

  ctx.setTransform(1, 0, 0, 1, 0, 0)
}

/** What moves: the range being selected and the cursor (drawn over the base). */
export function drawTimelineOverlay(ctx: CanvasRenderingContext2D, f: Pick<TimelineFrame, 'width' | 'height' | 'dpr' | 'from' | 'to' | 'cursor' | 'selection'>, pal: TimelinePalette): void {
  const { width: w, height: h, dpr } = f
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  if (f.selection) {
    const a = seqToX(Math.min(f.selection.from, f.selection.to), f.from, f.to, w)
    const b = seqToX(Math.max(f.selection.from, f.selection.to), f.from, f.to, w)
    ctx.fillStyle = pal.selection
    ctx.fillRect(a, 0, Math.max(1, b - a), h)
  }

  // cursor
  const cx = Math.round(seqToX(f.cursor, f.from, f.to, w)) + 0.5
  ctx.fillStyle = pal.cursor
  ctx.fillRect(cx - 1, 0, 2, h)
  ctx.beginPath()
  ctx.moveTo(cx - 5, 0)
  ctx.lineTo(cx + 5, 0)
  ctx.lineTo(cx, 6)
  ctx.closePath()
  ctx.fill()
}
