/**
 * Drawing the vCPU lanes (electron/session/lanes.ts's LanesResult) and finding what is under the
 * pointer. Pure and synchronous: the base (every span) is drawn once per answer, size or theme
 * into an offscreen canvas; a frame copies it and draws the overlay (cursor, the cause chain's
 * arrows, the hovered sp).
 *
 * Rows, top to bottom: one "VM" row (VM-wide transitions of the cause chain), then per vCPU:
 * guest mode, root, prev_roots[0], prev_roots[1], prev_roots[2], requests (one line per
 * request). The x of a seq is the timeline's (timeline-draw.ts seqToX), so lanes and timeline
 * line up column for column.
 */
import type { LanesResult, TransitionRow } from '../../../electron/api/contract'
import { REQUESTS } from './catalog'
import { seqToX } from './timeline-draw'

/** Slot states, by code (sim/root_slot_state.ts). */
export const SLOT_STATES = ['valid', 'obsolete', 'zombie', 'INVALID_PAGE'] as const
/** Flag of a span that folds several (lanes.ts LANE_MIXED). */
export const MIXED = 4
/** Flag of a folded span that held a zombie, though not for most of it (lanes.ts LANE_ZOMBIE_SEEN). */
export const ZOMBIE_SEEN = 8
/** Request span flags (lanes.ts). */
export const REQ_OPEN_START = 1
export const REQ_OPEN_END = 2
export const REQ_SUMMARY = 4
/** Stride of each flat lane. */
export const STRIDE = { guest: 3, slot: 4, requests: 4 } as const

/** The rows' heights (CSS px). */
export interface LaneLayout {
  vm: number
  guest: number
  slot: number
  requests: number
  gap: number
  /** Height of one vCPU's block, gap included. */
  perVcpu: number
  vcpus: number
  height: number
}

export function laneLayout(vcpus: number, compact: boolean): LaneLayout {
  const rows = compact ? { vm: 5, guest: 3, slot: 4, requests: 6, gap: 2 } : { vm: 7, guest: 5, slot: 7, requests: 6, gap: 4 }
  const perVcpu = rows.guest + 4 * rows.slot + rows.requests + rows.gap
  return { ...rows, perVcpu, vcpus, height: rows.vm + rows.gap + vcpus * perVcpu }
}

/** A row of the lanes. */
export type LaneRow =
  | { kind: 'vm' }
  | { kind: 'guest'; vcpu: number }
  | { kind: 'slot'; vcpu: number; slot: number }
  | { kind: 'requests'; vcpu: number }

/** Top of a row and its height. */
export function rowBox(l: LaneLayout, r: LaneRow): { y: number; h: number } {
  if (r.kind === 'vm') return { y: 0, h: l.vm }
  const top = l.vm + l.gap + r.vcpu * l.perVcpu
  if (r.kind === 'guest') return { y: top, h: l.guest }
  if (r.kind === 'slot') return { y: top + l.guest + r.slot * l.slot, h: l.slot }
  return { y: top + l.guest + 4 * l.slot, h: l.requests }
}

/** The row at y (CSS px), or null in a gap. */
export function rowAt(l: LaneLayout, y: number): LaneRow | null {
  if (y < l.vm) return { kind: 'vm' }
  const inBlock = y - l.vm - l.gap
  if (inBlock < 0) return null
  const vcpu = Math.floor(inBlock / l.perVcpu)
  if (vcpu >= l.vcpus) return null
  const dy = inBlock - vcpu * l.perVcpu
  if (dy < l.guest) return { kind: 'guest', vcpu }
  if (dy < l.guest + 4 * l.slot) return { kind: 'slot', vcpu, slot: Math.floor((dy - l.guest) / l.slot) }
  if (dy < l.guest + 4 * l.slot + l.requests) return { kind: 'requests', vcpu }
  return null
}

/** The row a transition of the cause chain is drawn on. */
export function rowOfTransition(t: TransitionRow): LaneRow {
  if (t.vcpu === null) return { kind: 'vm' }
  const vcpu = t.vcpu
  switch (t.kind) {
    case 'mmu_free_root_page':
      return { kind: 'slot', vcpu, slot: Number(t.slot) }
    case 'mmu_alloc_root':
    case 'fast_pgd_switch':
    case 'kvm_mmu_new_pgd':
    case 'kvm_mmu_load':
    case 'kvm_mmu_free_roots':
    case 'kvm_mmu_free_obsolete_roots':
    case 'kvm_mmu_unload':
      return { kind: 'slot', vcpu, slot: 0 }
    case 'kvm_make_request':
    case 'kvm_make_all_cpus_request':
    case 'kvm_check_request':
    case 'kvm_clear_request':
      return { kind: 'requests', vcpu }
    case 'finding': {
      const slot = Number(t.slot)
      return slot >= 0 && slot <= 3 ? { kind: 'slot', vcpu, slot } : { kind: 'guest', vcpu }
    }
    default:
      return { kind: 'guest', vcpu }
  }
}

/** Index (in spans) of the span of a sorted, non-overlapping flat lane that covers `seq`, or -1. */
export function spanIndexAt(flat: readonly number[], stride: number, seq: number): number {
  let lo = 0
  let hi = flat.length / stride - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const start = flat[mid * stride]!
    if (seq < start) hi = mid - 1
    else if (seq >= flat[mid * stride + 1]!) lo = mid + 1
    else return mid
  }
  return -1
}

/** The request spans covering `seq` (request lanes overlap: one span per request). */
export function requestsAt(flat: readonly number[], seq: number): number[][] {
  const out: number[][] = []
  for (let i = 0; i < flat.length; i += STRIDE.requests) {
    if (flat[i]! <= seq && seq < flat[i + 1]!) out.push(flat.slice(i, i + STRIDE.requests))
  }
  return out
}

/** Colours (from the CSS theme). */
export interface LanePalette {
  bg: string
  grid: string
  fg: string
  dim: string
  cursor: string
  guest: string
  slot: readonly [string, string, string, string]
  request: string
  requestMmu: string
  highlight: string
}

export interface LaneFrame {
  width: number
  dpr: number
  from: number
  to: number
  layout: LaneLayout
}

const MMU_REQUESTS = new Set(['KVM_REQ_MMU_RELOAD', 'KVM_REQ_MMU_FREE_OBSOLETE_ROOTS'])

/** Draws every span of `r` (the base layer). */
export function drawLanesBase(ctx: CanvasRenderingContext2D, f: LaneFrame, r: LanesResult | null, pal: LanePalette): void {
  const { width: w, dpr, layout: l } = f
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  ctx.fillStyle = pal.bg
  ctx.fillRect(0, 0, w, l.height)
  ctx.fillStyle = pal.grid
  ctx.fillRect(0, l.vm + l.gap / 2 - 0.5, w, 1)
  if (!r) return
  const x = (s: number): number => Math.max(0, Math.min(w, seqToX(s, f.from, f.to, w)))
  const bar = (s: number, e: number, y: number, h: number): void => {
    const x0 = x(s)
    const x1 = x(e)
    if (x1 <= 0 || x0 >= w) return
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h)
  }
  for (const lanes of r.vcpus) {
    const v = lanes.vcpu
    if (v >= l.vcpus) continue
    // guest mode: its opacity says how much of a folded span was in guest
    const g = rowBox(l, { kind: 'guest', vcpu: v })
    ctx.fillStyle = pal.guest
    for (let i = 0; i < lanes.guest.length; i += STRIDE.guest) {
      ctx.globalAlpha = Math.max(0.25, lanes.guest[i + 2]! / 100)
      bar(lanes.guest[i]!, lanes.guest[i + 1]!, g.y, g.h - 1)
    }
    ctx.globalAlpha = 1
    for (let s = 0; s < lanes.slots.length; s++) {
      const box = rowBox(l, { kind: 'slot', vcpu: v, slot: s })
      const lane = lanes.slots[s]!
      for (let i = 0; i < lane.length; i += STRIDE.slot) {
        const code = lane[i + 2]!
        ctx.fillStyle = pal.slot[code & 3]!
        // folded spans are drawn lighter: several roots (or states) in there
        ctx.globalAlpha = code & MIXED ? 0.55 : 1
        bar(lane[i]!, lane[i + 1]!, box.y, box.h - 1)
      }
      ctx.globalAlpha = 1
      // a zombie held briefly inside a folded span: a red line along its bottom
      ctx.fillStyle = pal.slot[2]
      for (let i = 0; i < lane.length; i += STRIDE.slot) {
        if (lane[i + 2]! & ZOMBIE_SEEN) bar(lane[i]!, lane[i + 1]!, box.y + box.h - 2.5, 1.5)
      }
    }
    // requests: the MMU's own (KVM_REQ_MMU_FREE_OBSOLETE_ROOTS, KVM_REQ_MMU_RELOAD: what a root
    // zap sends) fill the row; the others are a thin line along its bottom
    const rq = rowBox(l, { kind: 'requests', vcpu: v })
    for (let i = 0; i < lanes.requests.length; i += STRIDE.requests) {
      const mmu = MMU_REQUESTS.has(REQUESTS[lanes.requests[i + 2]!] ?? '')
      ctx.fillStyle = mmu ? pal.requestMmu : pal.request
      if (mmu) bar(lanes.requests[i]!, lanes.requests[i + 1]!, rq.y, rq.h - 2)
      else bar(lanes.requests[i]!, lanes.requests[i + 1]!, rq.y + rq.h - 2, 1.5)
    }
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0)
}

/** Where a transition of the chain is drawn (null: outside the range). */
function pointOf(t: TransitionRow, f: LaneFrame): { x: number; y: number } | null {
  if (t.seq < f.from || t.seq > f.to) return null
  const b = rowBox(f.layout, rowOfTransition(t))
  return { x: seqToX(t.seq, f.from, f.to, f.width), y: b.y + b.h / 2 }
}

export interface LaneOverlay {
  cursor: number
  /** The transition at the cursor and its causes, nearest first. */
  chain: readonly TransitionRow[]
  /** A shadow page to outline wherever a slot holds it. */
  sp: number | null
}

/** What moves: the cursor, the cause chain's arrows, the outline of the highlighted sp. */
export function drawLanesOverlay(ctx: CanvasRenderingContext2D, f: LaneFrame, r: LanesResult | null, o: LaneOverlay, pal: LanePalette): void {
  const { width: w, dpr, layout: l } = f
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0)
  if (r && o.sp !== null) {
    ctx.strokeStyle = pal.highlight
    ctx.lineWidth = 1.5
    for (const lanes of r.vcpus) {
      for (let s = 0; s < lanes.slots.length; s++) {
        const lane = lanes.slots[s]!
        const box = rowBox(l, { kind: 'slot', vcpu: lanes.vcpu, slot: s })
        for (let i = 0; i < lane.length; i += STRIDE.slot) {
          if (lane[i + 3] !== o.sp) continue
          const x0 = Math.max(0, seqToX(lane[i]!, f.from, f.to, w))
          const x1 = Math.min(w, seqToX(lane[i + 1]!, f.from, f.to, w))
          if (x1 > 0 && x0 < w) ctx.strokeRect(x0 + 0.5, box.y + 0.5, Math.max(1, x1 - x0 - 1), box.h - 2)
        }
      }
    }
  }
  // cursor
  const cx = Math.round(seqToX(o.cursor, f.from, f.to, w)) + 0.5
  ctx.fillStyle = pal.cursor
  ctx.fillRect(cx - 1, 0, 2, l.height)
  // the cause chain: an arrow from each cause to its effect
  const pts = o.chain.map((t) => pointOf(t, f))
  ctx.strokeStyle = pal.fg
  ctx.fillStyle = pal.fg
  ctx.lineWidth = 1.5
  for (let i = 0; i + 1 < pts.length; i++) {
    const to = pts[i]
    const from = pts[i + 1]
    if (!to || !from) continue
    arrow(ctx, from.x, from.y, to.x, to.y)
  }
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i]
    if (!p) continue
    ctx.beginPath()
    ctx.arc(p.x, p.y, i === 0 ? 3.5 : 2.5, 0, Math.PI * 2)
    if (i === 0) {
      ctx.fillStyle = pal.cursor
      ctx.fill()
      ctx.stroke()
      ctx.fillStyle = pal.fg
    } else ctx.fill()
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0)
}

/** A line from (x0, y0) to (x1, y1) with a head at the end; a bow when both are in one column. */
function arrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
  const bow = Math.abs(x1 - x0) < 8 ? 14 : 0
  const cx = (x0 + x1) / 2 - bow
  const cy = (y0 + y1) / 2
  ctx.beginPath()
  ctx.moveTo(x0, y0)
  ctx.quadraticCurveTo(cx, cy, x1, y1)
  ctx.stroke()
  const a = Math.atan2(y1 - cy, x1 - cx)
  ctx.beginPath()
  ctx.moveTo(x1, y1)
  ctx.lineTo(x1 - 6 * Math.cos(a - 0.45), y1 - 6 * Math.sin(a - 0.45))
  ctx.lineTo(x1 - 6 * Math.cos(a + 0.45), y1 - 6 * Math.sin(a + 0.45))
  ctx.closePath()
  ctx.fill()
}
