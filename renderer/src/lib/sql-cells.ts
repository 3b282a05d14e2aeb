/** How the SQL console shows a result cell, and which columns get links or hex. */

/** A column whose integers are seqs: `seq`, `first_seq`, `last_seq`, ... (a click goes there). */
export function isSeqColumn(name: string): boolean {
  return /^(seq|\w+_seq)$/i.test(name)
}

/** A column whose integers are addresses or frame numbers (shown in hex on request). */
export function isAddressColumn(name: string): boolean {
  return /(^|_)(gfn|pgd|gva|cr3|hpa)$/i.test(name)
}

/** A cell as text: NULL spelled out, integers as hex when `hex`, objects as JSON. */
export function sqlCell(v: unknown, hex: boolean): string {
  if (v === null || v === undefined) return 'NULL'
  if (hex && typeof v === 'number' && Number.isInteger(v) && v >= 0) return '0x' + v.toString(16)
  if (typeof v === 'object') return JSON.stringify(v)
  return String(v)
}
