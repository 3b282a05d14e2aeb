/**
 * Unsigned LEB128 varints and zigzag signed integers, for the chunk codec. Values are JavaScript
 * numbers up to 2^53 (safe integers); arithmetic avoids 32-bit bit operations above 2^31.
 */

/**
 * A varint of `x` at b[p] (LEB128, as ByteWriter.uint), for generated encoders that write into
 * a buffer they have made room in; returns the next position.
 */
export function putVarint(b: Uint8Array, p: number, x: number): number {
  if (x < 0x80000000) {
    // 31-bit fast path (seqs, ops, ids): integer bit operations instead of % and floor.
    while (x >= 0x80) {
      b[p++] = (x & 0x7f) | 0x80
      x >>>= 7
    }
    b[p++] = x
    return p
  }
  while (x >= 0x80) {
    b[p++] = (x % 0x80) | 0x80
    x = Math.floor(x / 0x80)
  }
  b[p++] = x
  return p
}

/**
 * Generated code (for the codec's and the digest pass's generated functions) that writes varint
 * `x` into the Uint8Array named `buf` at position `p`: one or two bytes in place, longer ones by
 * `V` (putVarint, passed in by the caller of `new Function`).
 */
export function putVarintCode(buf: string): string {
  return `if (x < 0x80) ${buf}[p++] = x; else if (x < 0x4000) { ${buf}[p++] = (x & 0x7f) | 0x80; ${buf}[p++] = x >>> 7; } else p = V(${buf}, p, x);\n`
}

/** A growable byte buffer that appends varints. */
export class ByteWriter {
  buf: Uint8Array
  len = 0
  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial)
  }

  /** Makes room for `need` more bytes. */
  ensure(need: number): void {
    if (this.len + need > this.buf.length) this.grow(need)
  }

  private grow(need: number): void {
    let size = this.buf.length * 2
    while (size < this.len + need) size *= 2
    const next = new Uint8Array(size)
    next.set(this.buf.subarray(0, this.len))
    this.buf = next
  }

  byte(b: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1)
    this.buf[this.len++] = b
  }

  /** Unsigned varint; `n` must be a non-negative safe integer. */
  uint(n: number): void {
    if (this.len + 10 > this.buf.length) this.grow(10)
    this.len = putVarint(this.buf, this.len, n)
  }

  /** Signed varint (zigzag). */
  int(n: number): void {
    this.uint(n >= 0 ? n * 2 : -n * 2 - 1)
  }

  bytes(b: Uint8Array): void {
    if (this.len + b.length > this.buf.length) this.grow(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  /** A copy of the written bytes. */
  take(): Uint8Array {
    return this.buf.slice(0, this.len)
  }

  reset(): void {
    this.len = 0
  }
}

/** Reads varints from a byte array; throws RangeError past the end (a damaged blob). */
export class ByteReader {
  pos = 0
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new RangeError('read past the end of a blob')
    return this.buf[this.pos++]!
  }

  uint(): number {
    const buf = this.buf
    let b = buf[this.pos++]
    if (b === undefined) throw new RangeError('read past the end of a blob')
    if (b < 0x80) return b
    let n = b & 0x7f
    let mul = 0x80
    for (;;) {
      b = buf[this.pos++]
      if (b === undefined) throw new RangeError('read past the end of a blob')
      n += (b & 0x7f) * mul
      if (b < 0x80) return n
      mul *= 0x80
      if (mul > 2 ** 56) throw new RangeError('varint too long')
    }
  }

  int(): number {
    const z = this.uint()
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2
  }
}
