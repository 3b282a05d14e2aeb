/**
 * Human-readable output: aligned tables and numbers. Every cell and value is written with its
 * control characters escaped (sim/quote.ts): text from a session file (a crafted scenario name
 * holding "\ncomplete: yes" or a terminal escape) stays on its own line and inert.
 */
import { escapeControls } from '../../sim/quote'

/**
 * 1234567 -> "1,234,567". Integers (nearly every call) are grouped here: the first
 * `toLocaleString` of a process loads ICU's locale data (22 ms of self time in a CPU profile of
 * `rootlab record` on a one-step script, session 20). Anything else keeps toLocaleString.
 */
export function num(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US')
  const digits = String(Math.abs(n))
  let out = ''
  for (let end = digits.length; end > 0; end -= 3) out = (end > 3 ? ',' : '') + digits.slice(Math.max(0, end - 3), end) + out
  return n < 0 ? `-${out}` : out
}

/** An aligned table; numbers are right-aligned. `head` null = no header row. */
export function table(head: string[] | null, rows: (string | number | null | undefined)[][], indent = ''): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : escapeControls(String(c)))))
  const all = head ? [head, ...cells] : cells
  const n = Math.max(0, ...all.map((r) => r.length))
  const width = Array.from({ length: n }, (_, i) => Math.max(0, ...all.map((r) => (r[i] ?? '').length)))
  const right = Array.from({ length: n }, (_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] === null || r[i] === undefined))
  const line = (r: string[]) => indent + r.map((c, i) => (right[i] ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd()
  const out: string[] = []
  if (head) {
    out.push(line(head))
    out.push(indent + width.map((w) => '-'.repeat(w)).join('  '))
  }
  for (const r of cells) out.push(line(r))
  return out.join('\n') + '\n'
}

/** Key/value lines with aligned values. */
export function keyValues(pairs: [string, string | number | boolean | null | undefined][], indent = ''): string {
  const w = Math.max(...pairs.map(([k]) => k.length))
  return pairs.map(([k, v]) => `${indent}${(k + ':').padEnd(w + 2)}${v === null || v === undefined ? '-' : escapeControls(String(v))}`).join('\n') + '\n'
}

export const hex = (n: number): string => '0x' + n.toString(16)
