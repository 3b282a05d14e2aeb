/**
 * The canonical encoding of a transition stream and its sha256 digest. Same scenario, seed and
 * policy give the same digest on every run and machine.
 *
 * The digest is the lowercase hex sha256 of the canonical BYTES of every transition, in seq order:
 *     varint(seq) varint(op) varint(kind index) varint(vcpu + 1, or 0 for none)
 *     then the kind's fields in TRANSITION_SCHEMA order:
 *       int  -> zigzag varint (n >= 0 ? 2n : -2n - 1; exact up to 2^52)
 *       bool -> one byte, 0 or 1
 *       str  -> varint(UTF-8 length) + UTF-8 bytes
 * varint = LEB128 (7 bits a byte, low first). The kind index is the kind's position in
 * TRANSITION_SCHEMA, so new kinds are appended, never inserted. Bytes rather than text keep
 * recording fast: the session database hashes the same bytes with node:crypto.
 *
 * canonical_line() is the same record as one line of text, for people and for equality tests.
 */
import { TRANSITION_KINDS, transition_fields, TRANSITION_SCHEMA, type FieldType, type Transition, type TransitionKind } from './transitions'

export function canonical_line(t: Transition): string {
  let s = `${t.seq}\t${t.op}\t${t.kind}\t${t.vcpu === null ? '-' : t.vcpu}`
  const rec = t as unknown as Record<string, unknown>
  for (const f of transition_fields(t.kind)) {
    const v = rec[f]
    s += '\t' + (typeof v === 'boolean' ? (v ? '1' : '0') : typeof v === 'string' ? JSON.stringify(v) : String(v))
  }
  return s
}

/** A growable byte buffer the canonical encoding is written into. */
export interface ByteWriter {
  buf: Uint8Array
  len: number
}

export function create_byte_writer(capacity = 1 << 16): ByteWriter {
  return { buf: new Uint8Array(capacity), len: 0 }
}

function reserve(w: ByteWriter, n: number): void {
  if (w.len + n <= w.buf.length) return
  const bigger = new Uint8Array(Math.max(w.buf.length * 2, w.len + n))
  bigger.set(w.buf.subarray(0, w.len))
  w.buf = bigger
}

/** LEB128 of a non-negative integer up to 2^53. */
export function write_varint(w: ByteWriter, n: number): void {
  reserve(w, 8)
  const b = w.buf
  while (n >= 0x80) {
    b[w.len++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  b[w.len++] = n
}

/** zigzag: small negative numbers (INVALID_PAGE = -1) stay small. */
export const zigzag = (n: number): number => (n >= 0 ? n * 2 : -n * 2 - 1)

/** The UTF-8 bytes of a string (TextEncoder is not in the pure-ES lib sim/ compiles against). */
export function utf8_bytes(s: string): number[] {
  const bytes: number[] = []
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i)
    if (c < 0x80) bytes.push(c)
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63))
    else {
      if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length) {
        const lo = s.charCodeAt(i + 1)
        if (lo >= 0xdc00 && lo < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00)
          i++
          bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
          continue
        }
      }
      bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63))
    }
  }
  return bytes
}

/** UTF-8 bytes of a string, preceded by their count. */
export function write_string(w: ByteWriter, s: string): void {
  const bytes = utf8_bytes(s)
  write_varint(w, bytes.length)
  reserve(w, bytes.length)
  for (const x of bytes) w.buf[w.len++] = x
}

const KIND_INDEX = Object.fromEntries(TRANSITION_KINDS.map((k, i) => [k, i])) as Record<TransitionKind, number>
const FIELDS = Object.fromEntries(
  TRANSITION_KINDS.map((k) => [k, Object.entries(TRANSITION_SCHEMA[k]) as [string, FieldType][]]),
) as Record<TransitionKind, [string, FieldType][]>

/** The position of a kind in TRANSITION_SCHEMA (its number in the canonical encoding). */
export function kind_index(kind: TransitionKind): number {
  return KIND_INDEX[kind]
}

/** Appends the canonical bytes of `t` to `w`. */
export function canonical_encode(t: Transition, w: ByteWriter): void {
  write_varint(w, t.seq)
  write_varint(w, t.op)
  write_varint(w, KIND_INDEX[t.kind])
  write_varint(w, t.vcpu === null ? 0 : t.vcpu + 1)
  const rec = t as unknown as Record<string, unknown>
  for (const [name, type] of FIELDS[t.kind]) {
    const v = rec[name]
    if (type === 'int') write_varint(w, zigzag(v as number))
    else if (type === 'bool') {
      reserve(w, 1)
      w.buf[w.len++] = v ? 1 : 0
    } else write_string(w, v as string)
  }
}

// --- SHA-256 (FIPS 180-4), streaming, pure TypeScript ---------------------------------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

export interface Sha256 {
  /** Adds the UTF-8 bytes of `s`. */
  update(s: string): Sha256
  /** Adds bytes. */
  update_bytes(bytes: Uint8Array): Sha256
  /** The digest as lowercase hex; the hasher must not be updated afterwards. */
  hex(): string
}

export function create_sha256(): Sha256 {
  const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19])
  const w = new Uint32Array(64)
  const block = new Uint8Array(64)
  let fill = 0
  let total = 0

  function compress(): void {
    for (let i = 0; i < 16; i++) {
      w[i] = (block[i * 4]! << 24) | (block[i * 4 + 1]! << 16) | (block[i * 4 + 2]! << 8) | block[i * 4 + 3]!
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15]!, b = w[i - 2]!
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3)
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10)
      w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0
    }
    let a = h[0]!, b = h[1]!, c = h[2]!, d = h[3]!, e = h[4]!, f = h[5]!, g = h[6]!, hh = h[7]!
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const ch = (e & f) ^ (~e & g)
      const t1 = (hh + S1 + ch + K[i]! + w[i]!) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const maj = (a & b) ^ (a & c) ^ (b & c)
      const t2 = (S0 + maj) | 0
      hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0
    }
    h[0] = (h[0]! + a) | 0; h[1] = (h[1]! + b) | 0; h[2] = (h[2]! + c) | 0; h[3] = (h[3]! + d) | 0
    h[4] = (h[4]! + e) | 0; h[5] = (h[5]! + f) | 0; h[6] = (h[6]! + g) | 0; h[7] = (h[7]! + hh) | 0
  }

  function byte(x: number): void {
    block[fill++] = x
    total++
    if (fill === 64) {
      compress()
      fill = 0
    }
  }

  const self: Sha256 = {
    update(s: string): Sha256 {
      for (const x of utf8_bytes(s)) byte(x)
      return self
    },
    update_bytes(bytes: Uint8Array): Sha256 {
      for (let i = 0; i < bytes.length; i++) byte(bytes[i]!)
      return self
    },
    hex(): string {
      const bits = total * 8
      byte(0x80)
      while (fill !== 56) byte(0)
      const hi = Math.floor(bits / 2 ** 32)
      for (const x of [hi >>> 24, hi >>> 16, hi >>> 8, hi, bits >>> 24, bits >>> 16, bits >>> 8, bits]) byte(x & 0xff)
      let out = ''
      for (const x of h) out += (x >>> 0).toString(16).padStart(8, '0')
      return out
    },
  }
  return self
}

/** Streaming digest of a transition stream: add transitions in seq order, then hex(). */
export interface TransitionDigest {
  add(t: Transition): void
  hex(): string
}

export function create_transition_digest(): TransitionDigest {
  const sha = create_sha256()
  const w = create_byte_writer()
  return {
    add(t: Transition): void {
      canonical_encode(t, w)
      if (w.len >= 1 << 15) {
        sha.update_bytes(w.buf.subarray(0, w.len))
        w.len = 0
      }
    },
    hex(): string {
      sha.update_bytes(w.buf.subarray(0, w.len))
      w.len = 0
      return sha.hex()
    },
  }
}

/** sha256 hex of the canonical encoding of `transitions` (in the order given, which must be seq order). */
export function transitions_digest(transitions: Iterable<Transition>): string {
  const d = create_transition_digest()
  for (const t of transitions) d.add(t)
  return d.hex()
}
