/** Small formatting helpers shared by the views. */
import { MODEL } from './catalog'

/** One formatter (toLocaleString builds one per call: ~1 ms per step on a busy view). */
const INT = new Intl.NumberFormat('en-US')

/** 1234567 -> "1,234,567". */
export function int(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : INT.format(n)
}

/** A field value as the kernel would print it: addresses in hex, booleans as true/false. */
export function fieldValue(name: string, v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'number' && /(^|_)(gfn|pgd|gva|cr3|hpa)$/.test(name)) return '0x' + v.toString(16)
  if (typeof v === 'number' && MODEL.maskFields.has(name)) return '0x' + v.toString(16)
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}

/** A guest frame from a hex pgd: "0xa000" -> "0xa". */
export function pgdGfn(pgd: string | null): string | null {
  if (!pgd) return null
  const n = Number.parseInt(pgd, 16)
  return Number.isFinite(n) ? '0x' + Math.floor(n / 4096).toString(16) : null
}

/** The fields of a transition row other than seq/op/kind/vcpu. */
export function ownFields(row: Record<string, unknown>): [string, unknown][] {
  return Object.entries(row).filter(([k]) => k !== 'seq' && k !== 'op' && k !== 'kind' && k !== 'vcpu')
}

/** A one-line summary of a transition's fields: "sp=12 root_count=0". */
export function fieldSummary(row: Record<string, unknown>): string {
  return ownFields(row).map(([k, v]) => `${k}=${fieldValue(k, v)}`).join(' ')
}

/**
 * A transition's fields split for a one-line display (the log): its kind's key fields first, as
 * the CLI's `events` prints them (sim/key_fields.ts), and the others (for a tooltip).
 */
export function keyFieldSummary(row: Record<string, unknown>): { key: string; rest: string } {
  const k = MODEL.kinds.get(String(row.kind))
  if (!k) return { key: fieldSummary(row), rest: '' }
  const key = k.key
  const rest = k.fields.filter((f) => !key.includes(f))
  const text = (names: readonly string[]): string => names.filter((n) => n in row).map((n) => `${n}=${fieldValue(n, row[n])}`).join(' ')
  return { key: text(key), rest: text(rest) }
}

/** A file size: "812 bytes", "12.3 KiB", "4.1 MiB" (exact bytes kept in parentheses above 1 KiB). */
export function bytes(n: number): string {
  if (n < 1024) return `${int(n)} bytes`
  const [v, unit] = n < 1024 ** 2 ? [n / 1024, 'KiB'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'MiB'] : [n / 1024 ** 3, 'GiB']
  return `${v.toFixed(1)} ${unit} (${int(n)} bytes)`
}
