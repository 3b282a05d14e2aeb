import { describe, expect, it } from 'vitest'
import { decodeOpBlock, encodeOpBlock, OP_CODES, type OperationRow } from './op-blocks'

/** The recorder's `ops` rows (code, vcpu or -1, value, last_seq) of `ops`. */
function rowsOf(ops: [string, number, number, number][]): Float64Array {
  return new Float64Array(ops.flatMap(([op, vcpu, value, last]) => [OP_CODES.indexOf(op as (typeof OP_CODES)[number]), vcpu, value, last]))
}

describe('op blocks (schema 3)', () => {
  it('round-trip every kind of operation, 53-bit values and seqs included', () => {
    const rows = rowsOf([
      ['cr3', 0, 0x7ffff000, 3], ['run', 3, 0, 3], ['fault', 63, 2 ** 52 - 4096, 9], ['pt_write', 1, 0x1234, 2 ** 40],
      ['unprotect', -1, 77, 2 ** 40 + 1], ['memslot', -1, 1, 2 ** 40 + 9], ['memslot', -1, 0, 2 ** 53 - 1],
    ])
    const want: OperationRow[] = [
      { idx: 10, op: 'cr3', vcpu: 0, pgd: 0x7ffff000, gva: null, gfn: null, action: null, last_seq: 3 },
      { idx: 11, op: 'run', vcpu: 3, pgd: null, gva: null, gfn: null, action: null, last_seq: 3 },
      { idx: 12, op: 'fault', vcpu: 63, pgd: null, gva: 2 ** 52 - 4096, gfn: null, action: null, last_seq: 9 },
      { idx: 13, op: 'pt_write', vcpu: 1, pgd: null, gva: null, gfn: 0x1234, action: null, last_seq: 2 ** 40 },
      { idx: 14, op: 'unprotect', vcpu: null, pgd: null, gva: null, gfn: 77, action: null, last_seq: 2 ** 40 + 1 },
      { idx: 15, op: 'memslot', vcpu: null, pgd: null, gva: null, gfn: null, action: 'move', last_seq: 2 ** 40 + 9 },
      { idx: 16, op: 'memslot', vcpu: null, pgd: null, gva: null, gfn: null, action: 'delete', last_seq: 2 ** 53 - 1 },
    ]
    const data = encodeOpBlock(rows)
    expect(decodeOpBlock(10, 7, 2 ** 53 - 1, data)).toEqual(want)
    // Small operations take 4 bytes: what makes a block ~5x smaller than a row each.
    expect(encodeOpBlock(rowsOf([['run', 1, 0, 5], ['cr3', 1, 100, 9]]))).toHaveLength(8)
  })

  it('refuse data that does not hold exactly the operations the row claims', () => {
    const data = encodeOpBlock(rowsOf([['run', 0, 0, 4], ['fault', 1, 4096, 8]]))
    expect(() => decodeOpBlock(0, 2, 8, data.subarray(0, 8))).toThrow(/read past the end/)
    // A count the data cannot hold is refused before anything is allocated for it.
    expect(() => decodeOpBlock(0, 16_000_000, 8, data)).toThrow('the block of operations at 0 claims 16000000 operations in 9 bytes')
    expect(() => decodeOpBlock(0, 1, 4, data)).toThrow(/the block of operations 0 to 0 has 5 bytes more than its operations/)
    expect(() => decodeOpBlock(0, 2, 9, data)).toThrow(/operations 0 to 1 end at seq 8, not 9 as their row says/)
    const bad = Uint8Array.from(data)
    bad[0] = 9
    expect(() => decodeOpBlock(0, 2, 8, bad)).toThrow(/operation 0 has an unknown code 9/)
    const noVcpu = encodeOpBlock(rowsOf([['run', -1, 0, 1]]))
    expect(() => decodeOpBlock(0, 1, 1, noVcpu)).toThrow(/operation 0 \(run\) has no vCPU/)
    const action = encodeOpBlock(rowsOf([['memslot', -1, 5, 1]]))
    expect(() => decodeOpBlock(0, 1, 1, action)).toThrow(/unknown memslot action 5/)
  })
})
