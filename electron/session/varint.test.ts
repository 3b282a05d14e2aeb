/**
 * putVarint (the generated encoders' writer, with a 31-bit fast path, and ByteWriter.uint's) writes
 * LEB128 at every width, ByteReader reads it back, and the generated inline writer agrees.
 */
import { describe, expect, it } from 'vitest'
import { ByteReader, ByteWriter, putVarint, putVarintCode } from './varint'

const EDGES = [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]

describe('varints', () => {
  it.each(EDGES)('putVarint(%d) = ByteWriter.uint, and reads back', (x) => {
    const w = new ByteWriter(16)
    w.uint(x)
    const b = new Uint8Array(16)
    const end = putVarint(b, 3, x)
    expect([...b.subarray(3, end)]).toEqual([...w.buf.subarray(0, w.len)])
    expect(new ByteReader(w.buf.subarray(0, w.len)).uint()).toBe(x)
    // LEB128 by BigInt arithmetic: 7 bits a byte, low first, the high bit on all but the last.
    const leb: number[] = []
    let v = BigInt(x)
    do {
      const low = Number(v & 0x7fn)
      v >>= 7n
      leb.push(v > 0n ? low | 0x80 : low)
    } while (v > 0n)
    expect([...b.subarray(3, end)]).toEqual(leb)
  })

  it.each(EDGES)('the generated varint writer puts %d as putVarint does', (x) => {
    const write = new Function('V', `return (b, p, x) => { ${putVarintCode('b')} return p }`)(putVarint) as (b: Uint8Array, p: number, x: number) => number
    const b = new Uint8Array(16)
    const ref = new Uint8Array(16)
    expect(write(b, 1, x)).toBe(putVarint(ref, 1, x))
    expect([...b]).toEqual([...ref])
  })
})
