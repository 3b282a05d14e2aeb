/**
 * Checksums of the stored data (schema 2): crc32 (zlib) of every chunk blob, of every chunk row
 * (its seq range, ops, kinds, the blob's crc and its summary) and of every checkpoint (seq, op,
 * state). A reader checks a chunk row when it loads the chunk list (open), a chunk blob when it
 * decodes it and a checkpoint when it reads it, so one changed byte anywhere is reported as
 * damage naming the seq range, never shown as data. crc32 is for accidents (a bad disk, a
 * truncated copy, a hand edit), not against an attacker: the digest and `rootlab verify` are.
 */
import { crc32 } from 'node:zlib'

const head = new DataView(new ArrayBuffer(48))
const headBytes = new Uint8Array(head.buffer)

function header(values: readonly number[]): Uint8Array {
  for (let i = 0; i < values.length; i++) head.setFloat64(i * 8, values[i]!, true)
  return headBytes.subarray(0, values.length * 8)
}

/** crc32 of a chunk's chunk_data blob. */
export function dataCrc(data: Uint8Array): number {
  return crc32(data)
}

/** crc32 of a chunk row: every column but `crc` itself. */
export function chunkRowCrc(firstSeq: number, n: number, firstOp: number, lastOp: number, kinds: number, dataCrcValue: number,
  summary: Uint8Array): number {
  return crc32(summary, crc32(header([firstSeq, n, firstOp, lastOp, kinds, dataCrcValue])))
}

/** crc32 of a checkpoint row: seq, op and the state blob. */
export function checkpointCrc(seq: number, op: number, state: Uint8Array): number {
  return crc32(state, crc32(header([seq, op])))
}

/** crc32 of an op_blocks row (schema 3): first_idx, n, last_seq and the data. */
export function opBlockCrc(firstIdx: number, n: number, lastSeq: number, data: Uint8Array): number {
  return crc32(data, crc32(header([firstIdx, n, lastSeq])))
}
