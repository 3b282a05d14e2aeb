/**
 * The inspector's before/after, as the vCPU cards show values: a root slot as one row
 * ("sp 8 · pgd 0x1004000" → "INVALID_PAGE"), a new or freed shadow page summarized in one line,
 * requests by name, guest mode in words, numbers grouped; never a JSON blob.
 *
 * Diff paths (both the renderer's local diff and the diff request) look like
 * "vcpus[1].prev_roots[0].hpa", "shadow_pages[17].root_count", "shadow_pages[17]" (a page that
 * appears or disappears), "stats.mmu_shadow_zapped".
 */
import type { StateDiffEntry } from '../../../electron/api/contract'
import type { ShadowPageView, SlotView, StateView } from '../../../electron/api/contract'
import { int } from './format'

/** One row of the before/after table. */
export interface DiffRow {
  /** What changed, in words: "vCPU 1 prev_roots[0]", "sp 17 root_count", "stats.mmu_shadow_zapped". */
  label: string
  before: string
  after: string
  /** The diff paths the row stands for (for a tooltip and tests). */
  paths: string[]
}

const SLOT = /^vcpus\[(\d+)\]\.(root|prev_roots\[(\d)\])\.(pgd|hpa|sp)$/
const VCPU_FIELD = /^vcpus\[(\d+)\]\.(in_guest|cr3|requests)$/
const PAGE = /^shadow_pages\[(\d+)\]$/
const PAGE_FIELD = /^shadow_pages\[(\d+)\]\.(\w+)$/

/** A root slot as a card shows it. */
export function slotText(s: SlotView): string {
  if (s.hpa === null) return s.pgd !== null && s.pgd !== '0x0' ? `INVALID_PAGE (stale pgd ${s.pgd})` : 'INVALID_PAGE'
  return `sp ${s.sp} · pgd ${s.pgd ?? '0x0'}`
}

/** A shadow page in one line: "sp 12 · gfn 0xa · level 4 · root_count 1 · invalid". */
export function pageText(p: ShadowPageView | null | undefined): string {
  if (!p) return '— (none)'
  const flags = [p.invalid ? 'invalid' : '', !p.invalid && p.obsolete ? 'obsolete' : '', p.active === false ? 'off the active list' : '']
  return [`sp ${p.sp}`, `gfn ${p.gfn}`, `level ${p.level}`, `root_count ${p.root_count}`, ...flags.filter(Boolean)].join(' · ')
}

/** A single value, as the cards print it. */
export function valueText(name: string, v: unknown): string {
  if (v === undefined) return '—'
  if (v === null) return name === 'hpa' || name === 'sp' ? 'INVALID_PAGE' : '—'
  if (Array.isArray(v)) return v.length ? v.join(', ') : 'none'
  if (typeof v === 'number') return int(v)
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'object') return pageText(v as ShadowPageView)
  return String(v)
}

/** The rows for `entries` (what changed into `after`, the state after the change, if known). */
export function diffRows(entries: readonly StateDiffEntry[], after: StateView | null): DiffRow[] {
  const rows: DiffRow[] = []
  const slotRows = new Map<string, { row: DiffRow; vcpu: number; slot: number; before: Record<string, unknown>; after: Record<string, unknown> }>()
  for (const e of entries) {
    const slot = SLOT.exec(e.path)
    if (slot) {
      const vcpu = Number(slot[1])
      const index = slot[3] === undefined ? 0 : 1 + Number(slot[3])
      const key = `${vcpu}:${index}`
      let g = slotRows.get(key)
      if (!g) {
        const label = `vCPU ${vcpu} ${index === 0 ? 'root' : `prev_roots[${index - 1}]`}`
        g = { row: { label, before: '', after: '', paths: [] }, vcpu, slot: index, before: {}, after: {} }
        slotRows.set(key, g)
        rows.push(g.row)
      }
      g.before[slot[4]!] = e.before
      g.after[slot[4]!] = e.after
      g.row.paths.push(e.path)
      continue
    }
    const vf = VCPU_FIELD.exec(e.path)
    if (vf) {
      const f = vf[2]!
      const show = (v: unknown): string => (f === 'in_guest' ? (v ? 'in guest' : 'out of guest') : valueText(f, v))
      rows.push({ label: `vCPU ${vf[1]} ${f === 'in_guest' ? 'guest mode' : f}`, before: show(e.before), after: show(e.after), paths: [e.path] })
      continue
    }
    const page = PAGE.exec(e.path)
    if (page) {
      rows.push({
        label: `sp ${page[1]}`, before: e.before === null ? '— (none)' : pageText(e.before as ShadowPageView),
        after: e.after === null ? '— (freed)' : pageText(e.after as ShadowPageView), paths: [e.path],
      })
      continue
    }
    const pf = PAGE_FIELD.exec(e.path)
    if (pf) {
      rows.push({ label: `sp ${pf[1]} ${pf[2]}`, before: valueText(pf[2]!, e.before), after: valueText(pf[2]!, e.after), paths: [e.path] })
      continue
    }
    const name = e.path.split('.').pop() ?? e.path
    rows.push({ label: e.path, before: valueText(name, e.before), after: valueText(name, e.after), paths: [e.path] })
  }
  // A slot row shows the whole slot: the fields that did not change are the after state's.
  for (const g of slotRows.values()) {
    const v = after?.vcpus[g.vcpu]
    const now: SlotView = v ? (g.slot === 0 ? v.root : v.prev_roots[g.slot - 1]!) : { pgd: null, hpa: null, sp: null }
    const afterSlot = { ...now, ...g.after } as SlotView
    const beforeSlot = { ...afterSlot, ...g.before } as SlotView
    g.row.before = slotText(beforeSlot)
    g.row.after = slotText(afterSlot)
  }
  return rows
}
