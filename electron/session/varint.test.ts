/**
 * putVarint (the generated encoders' writer, with a 31-bit fast path) writes the same bytes as
 * ByteWriter.uint at every width, and ByteReader reads them back.
 */
import { describe, expect, it } from 'vitest'
import { ByteReader, ByteWriter, putVarint } from './varint'

const EDGES = [0, 1, 0x7f, 0x80, 0x3fff, 0x4000, 0x1fffff, 0x200000, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]

describe('varints', () => {
  it.each(EDGES)('putVarint(%d) = ByteWriter.uint, and reads back', (x) => {
    const w = new ByteWriter(16)
    w.uint(x)
    const b = new Uint8Array(16)
    const end = putVarint(b, 3, x)
    expect([...b.subarray(3, end)]).toEqual([...w.buf.subarray(0, w.len)])
    expect(new ByteReader(w.buf.subarray(0, w.len)).uint()).toBe(x)
  })
})
