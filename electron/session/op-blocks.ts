/**
 * The operations of a session as schema 3 stores them: one `op_blocks` row per commit of the
 * recorder, its operations packed as varints, instead of one `operations` row per operation
 * (schemas 1 and 2). A row per operation was ~200k B-tree inserts and 5 MB per million
 * transitions, 10% of a recording's wall time (docs/benchmarks.md, "Session 17"); a block is one
 * insert of ~4 bytes per operation.
 *
 * A block's data, per operation in order: the OP_CODES index, vcpu + 1 (0 for an operation of
 * no vCPU), the operation's value (pgd, gva or gfn, the MEMSLOT_ACTIONS index, 0 for run), and
 * last_seq minus the previous operation's last_seq (the first: minus 0, so a block reads alone).
 * The row also holds n and the last operation's last_seq (a reader finds the session's end
 * without decoding) and a crc32 of all three (checksum.ts opBlockCrc).
 */
import { ByteReader, putVarint } from './varint'

/** Operation codes, in the order of their numbers (recorder `ops` messages and op blocks). */
export const OP_CODES = ['cr3', 'run', 'fault', 'pt_write', 'unprotect', 'memslot'] as const
export const MEMSLOT_ACTIONS = ['delete', 'move'] as const

/** One operation as the `operations` table has it (schema 1-2; the SQL console's table). */
export interface OperationRow {
  idx: number
  op: string
  vcpu: number | null
  pgd: number | null
  gva: number | null
  gfn: number | null
  action: string | null
  last_seq: number
}

/** The columns of `operations`, in order. */
export const OPERATION_COLUMNS = ['idx', 'op', 'vcpu', 'pgd', 'gva', 'gfn', 'action', 'last_seq'] as const

/** The block of `rows` (4 numbers per operation: code, vcpu or -1, value, last_seq). */
export function encodeOpBlock(rows: Float64Array): Uint8Array {
  const n = rows.length / 4
  // Four varints per operation, at most 8 bytes each for 53-bit values.
  const buf = new Uint8Array(n * 4 * 8)
  let p = 0
  let prev = 0
  for (let i = 0; i < rows.length; i += 4) {
    buf[p++] = rows[i]!
    p = putVarint(buf, p, rows[i + 1]! + 1)
    p = putVarint(buf, p, rows[i + 2]!)
    const last = rows[i + 3]!
    p = putVarint(buf, p, last - prev)
    prev = last
  }
  return buf.slice(0, p)
}

/**
 * The operations of a block whose first is `firstIdx`, as the recorder sent them: 4 numbers
 * each (OP_CODES index, vcpu or -1, value, last_seq). Throws Error naming what is wrong if the
 * data does not hold exactly `n` well-formed operations ending at `lastSeq`.
 */
export function decodeOpBlockPacked(firstIdx: number, n: number, lastSeq: number, data: Uint8Array): Float64Array {
  // An operation takes at least 4 bytes: a count beyond that is refused before 32 bytes per
  // claimed operation are allocated for it.
  if (n * 4 > data.length) throw new Error(`the block of operations at ${firstIdx} claims ${n} operations in ${data.length} bytes`)
  const r = new ByteReader(data)
  const out = new Float64Array(n * 4)
  let last = 0
  for (let j = 0, i = 0; j < n; j++, i += 4) {
    const code = r.byte()
    const op = OP_CODES[code]
    if (op === undefined) throw new Error(`operation ${firstIdx + j} has an unknown code ${code}`)
    const vcpu = r.uint() - 1
    const value = r.uint()
    last += r.uint()
    if ((vcpu < 0) !== (op === 'unprotect' || op === 'memslot')) throw new Error(`operation ${firstIdx + j} (${op}) has ${vcpu < 0 ? 'no' : 'a'} vCPU`)
    if (op === 'memslot' && MEMSLOT_ACTIONS[value] === undefined) throw new Error(`operation ${firstIdx + j} has an unknown memslot action ${value}`)
    out[i] = code
    out[i + 1] = vcpu
    out[i + 2] = value
    out[i + 3] = last
  }
  if (!r.done) throw new Error(`the block of operations ${firstIdx} to ${firstIdx + n - 1} has ${data.length - r.pos} bytes more than its operations`)
  if (n > 0 && last !== lastSeq) throw new Error(`operations ${firstIdx} to ${firstIdx + n - 1} end at seq ${last}, not ${lastSeq} as their row says`)
  return out
}

/** The operations of a block, as rows of the `operations` table (decodeOpBlockPacked's checks). */
export function decodeOpBlock(firstIdx: number, n: number, lastSeq: number, data: Uint8Array): OperationRow[] {
  return opRowsOf(firstIdx, decodeOpBlockPacked(firstIdx, n, lastSeq, data))
}

/** Rows of the `operations` table from packed operations (4 numbers each), the first `firstIdx`. */
export function opRowsOf(firstIdx: number, p: Float64Array): OperationRow[] {
  const n = p.length / 4
  const out: OperationRow[] = new Array<OperationRow>(n)
  for (let j = 0, i = 0; j < n; j++, i += 4) {
    const op = OP_CODES[p[i]!]!
    const value = p[i + 2]!
    out[j] = {
      idx: firstIdx + j, op, vcpu: p[i + 1]! < 0 ? null : p[i + 1]!,
      pgd: op === 'cr3' ? value : null,
      gva: op === 'fault' ? value : null,
      gfn: op === 'pt_write' || op === 'unprotect' ? value : null,
      action: op === 'memslot' ? MEMSLOT_ACTIONS[value]! : null,
      last_seq: p[i + 3]!,
    }
  }
  return out
}
