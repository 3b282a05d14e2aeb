/**
 * The guest's page tables, as far as the lab needs them: for a fault at `gva` under a root, the
 * gfn of each guest table on the walk (gw->table_gfn[] in paging_tmpl.h FNAME(walk_addr)).
 *
 * The lab does not store guest memory. A table's child gfn is a fixed function of the table's gfn
 * and the index, so every walk of the same address under the same PGD meets the same tables.
 * As in Linux, the kernel half of the address space (PML4 entries 256..511) is shared: its PDPT
 * pages are the same for every process, so their shadow pages are shared between roots.
 */

/** First gfn of the guest's lower-level page-table pages (above any PGD pool the lab uses). */
export const GUEST_PT_BASE = 0x100000
/** Number of gfns the lower-level tables are spread over. */
export const GUEST_PT_SPAN = 0x100000
/** First gfn of the shared kernel-half PDPT pages. */
export const GUEST_KERNEL_PDPT_BASE = 0xf0000

/** Index into the level-`level` table for `gva` (level 4 = PML4 ... level 1 = PT). */
export function pt_index(gva: number, level: number): number {
  return Math.floor(gva / 2 ** (12 + 9 * (level - 1))) % 512
}

function mix(a: number, b: number): number {
  // A small integer hash (xorshift-multiply), deterministic across machines.
  let h = (Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x7f4a7c15, 0xc2b2ae35)) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x27d4eb2d) >>> 0
  h ^= h >>> 15
  return h >>> 0
}

/**
 * The gfn of the guest table that entry `index` of the level-`level` table at `table_gfn` points
 * to (a level `level - 1` table).
 */
export function guest_table_gfn(table_gfn: number, level: number, index: number): number {
  if (level === 4 && index >= 256) return GUEST_KERNEL_PDPT_BASE + (index - 256)
  return GUEST_PT_BASE + (mix(table_gfn * 8 + level, index) % GUEST_PT_SPAN)
}
