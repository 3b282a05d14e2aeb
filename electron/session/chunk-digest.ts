/**
 * The session writer's pass over a chunk it is sent (session-writer.ts): straight from the
 * chunk's bytes (codec.ts) to
 *   - the canonical bytes of its transitions (sim/digest.ts), which the digest hashes,
 *   - the chunk's summary (summary.ts: counts per vCPU and kind, bloom filter of sp / child),
 *   - the transitions the index tables need (root zaps, findings, memslot updates), as objects,
 * without building a transition object for the others. Decoding each chunk into objects and
 * encoding them again was a quarter of the writer's time, most of it the garbage collector.
 *
 * The pass is one function generated from TRANSITION_SCHEMA through the codec's KIND_PLANS (a
 * switch on the kind, fields in locals), so a new kind or field needs no change here.
 * chunk-digest.test.ts holds its output to decodeChunk + canonicalEncode + SummaryBuilder, byte
 * for byte, on runs that reach every kind.
 */
import { utf8_bytes } from '../../sim/digest'
import { TRANSITION_SCHEMA, type Transition } from '../../sim/transitions'
import { CHUNK_FORMAT, KIND_PLANS } from './codec'
import { bloomAdd, BLOOM_BYTES, NKINDS, writeSummary } from './summary'
import { putVarint, putVarintCode } from './varint'

/** Kinds whose transitions are handed back as objects, for the index tables. */
export const INDEXED_KINDS = ['kvm_mmu_prepare_zap_page', 'finding', 'kvm_arch_flush_shadow_memslot'] as const

/** Largest vCPU code (vcpu + 1) the summary counts have room for (sim allows 64 vCPUs). */
const MAX_VCODE = 65

/** The growable output of canonical bytes (sim's ByteWriter shape). */
interface Out { buf: Uint8Array; len: number }

/** What the generated pass reads and updates, besides its arguments. */
interface PassState {
  out: Out
  /** Canonical bytes (varint length + UTF-8) of each string id. */
  strs: Uint8Array[]
  texts: string[]
  counts: Uint32Array
  /** Keys of `counts` that are non-zero (vcode * NKINDS + kind), unsorted. */
  keys: number[]
  bloom: Uint8Array
  kinds: number
  indexed: Transition[]
  /** The read position, output position and running sp, handed between the loop and a kind's pass. */
  st: Float64Array
}

type Pass = (b: Uint8Array, firstSeq: number, firstOp: number, n: number, s: PassState) => void

/** Reads varint `x` at b[q] (as ByteReader.uint). */
const READ_X = `x = b[q++];
if (x >= 0x80) { x &= 0x7f; let m = 0x80, c; do { c = b[q++]; x += (c & 0x7f) * m; m *= 0x80; } while (c >= 0x80); }
`
/** Writes varint `x` at o[p]. */
const WRITE_X = putVarintCode('o')

function growOut(out: Out, need: number): Uint8Array {
  const bigger = new Uint8Array(Math.max(out.buf.length * 2, out.len + need))
  bigger.set(out.buf.subarray(0, out.len))
  out.buf = bigger
  return bigger
}

/** Room for one transition's canonical bytes without its strings: 4 + 9 fields, 10 bytes each. */
const MAX_FIXED = 10 * (4 + Math.max(...KIND_PLANS.map((pl) => pl.bools.length + pl.values.length)))

/**
 * One kind's part of the pass, generated: reads the kind's fields at st[Q], writes their
 * canonical bytes at st[P], updates the running sp (st[SP]), the bloom and the index rows.
 */
type KindPass = (b: Uint8Array, s: PassState, seq: number, op: number, vc: number) => void

/** Positions a kind's pass reads and updates, in PassState.st: chunk read position, output position, running sp. */
const Q = 0
const P = 1
const SP = 2

function compileKindPass(plan: (typeof KIND_PLANS)[number]): KindPass {
  const ident = /^[a-z_][a-z0-9_]*$/
  const indexed = (INDEXED_KINDS as readonly string[]).includes(plan.kind)
  let c = `const st = s.st;\nlet q = st[${Q}], p = st[${P}], x = 0, o = s.out.buf;\n`
  const usesSp = plan.values.some(([, how]) => how === 1)
  if (usesSp) c += `let sp = st[${SP}];\n`
  if (plan.bools.length) c += `${READ_X}const bits = x;\n`
  // The chunk's fields in its order: bools first (above), then ints and strings. Each int is
  // kept as its zigzag value (what the canonical form writes) and, where needed, its value.
  const local = new Map<string, string>()
  plan.values.forEach(([name, how], i) => {
    if (!ident.test(name)) throw new Error(`transition field names must be identifiers (${plan.kind}.${name})`)
    const v = `f${i}`
    local.set(name, v)
    c += READ_X
    if (how === 1) c += `sp += x % 2 === 0 ? x / 2 : -(x + 1) / 2; const ${v} = sp;\n`
    else if (how === 2) c += `const ${v} = x;\n`
    else c += `const ${v} = x % 2 === 0 ? x / 2 : -(x + 1) / 2; const ${v}z = x;\n`
  })
  // The canonical form: every field in schema order.
  const schema = Object.entries(TRANSITION_SCHEMA[plan.kind]) as [string, string][]
  for (const [name, type] of schema) {
    if (type === 'bool') c += `o[p++] = (bits >>> ${plan.bools.indexOf(name)}) & 1;\n`
    else if (type === 'str') {
      c += `{ const sb = s.strs[${local.get(name)}]; if (sb === undefined) throw new RangeError('unknown string id');
if (p + sb.length + ${MAX_FIXED} > o.length) { s.out.len = p; o = G(s.out, sb.length + ${MAX_FIXED}); }
o.set(sb, p); p += sb.length; }\n`
    } else {
      const how = plan.values.find(([n]) => n === name)![1]
      c += how === 1 ? `x = ${local.get(name)}; x = x >= 0 ? x * 2 : -x * 2 - 1;\n${WRITE_X}` : `x = ${local.get(name)}z;\n${WRITE_X}`
    }
  }
  for (const name of ['sp', 'child']) if (local.has(name)) c += `B(s.bloom, ${local.get(name)});\n`
  if (indexed) {
    const fields = schema.map(([name, type]) =>
      type === 'bool' ? `${name}: ((bits >>> ${plan.bools.indexOf(name)}) & 1) === 1`
        : type === 'str' ? `${name}: s.texts[${local.get(name)}]` : `${name}: ${local.get(name)}`)
    c += `s.indexed.push({ seq, op, kind: ${JSON.stringify(plan.kind)}, vcpu: vc === 0 ? null : vc - 1, ${fields.join(', ')} });\n`
  }
  c += `st[${Q}] = q; st[${P}] = p;\n`
  if (usesSp) c += `st[${SP}] = sp;\n`
  // Generated from the static schema (identifiers checked above), never from input.
  return new Function('V', 'G', 'B', `return function digest_${plan.kind}(b, s, seq, op, vc) {\n${c}}`)(putVarint, growOut, bloomAdd) as KindPass
}

/**
 * The pass: a small loop over the transitions (header, counts, the common canonical fields)
 * calling one generated function per kind. One function with a case per kind was ~10 KB of
 * bytecode that V8 compiled three or four times per recording (~110-220 ms of a core each:
 * every kind first seen after an optimization threw the optimized code away); small functions
 * compile in a fraction of that and a rare kind only deoptimizes its own.
 */
function compilePass(): Pass {
  const kinds = KIND_PLANS.map(compileKindPass)
  const body = `
let q = 1, x = 0;
let o = s.out.buf, p = s.out.len;
let op = firstOp, vc = 0, seq = firstSeq;
const counts = s.counts, keys = s.keys, st = s.st;
let kinds = s.kinds;
st[${SP}] = 0;
for (let i = 0; i < n; i++, seq++) {
  if (p + ${MAX_FIXED} > o.length) { s.out.len = p; o = G(s.out, ${MAX_FIXED}); }
  ${READ_X}
  const h = x, k = h >>> 2;
  if (h & 2) { ${READ_X} op += x; }
  if (h & 1) { ${READ_X} vc = x; if (vc > ${MAX_VCODE}) throw new RangeError('vCPU out of range'); }
  const f = K[k];
  if (f === undefined) throw new RangeError('unknown kind index ' + k);
  const key = vc * ${NKINDS} + k;
  if (counts[key]++ === 0) keys.push(key);
  kinds |= 1 << k;
  x = seq; ${WRITE_X} x = op; ${WRITE_X} x = k; ${WRITE_X} x = vc; ${WRITE_X}
  st[${Q}] = q; st[${P}] = p;
  f(b, s, seq, op, vc);
  q = st[${Q}]; p = st[${P}]; o = s.out.buf;
}
if (q !== b.length) throw new RangeError('the chunk does not end after its last transition');
s.out.len = p;
s.kinds = kinds;
`
  // Generated from the static schema, never from input.
  return new Function('V', 'G', 'K', `return function digestChunk(b, firstSeq, firstOp, n, s) {${body}}`)(putVarint, growOut, kinds) as Pass
}

const PASS = compilePass()

/** Canonical bytes, summaries and index rows of the chunks of one recording, in order. */
export class ChunkDigester {
  private readonly s: PassState = {
    out: { buf: new Uint8Array(1 << 17), len: 0 },
    strs: [], texts: [], counts: new Uint32Array((MAX_VCODE + 1) * NKINDS), keys: [], bloom: new Uint8Array(BLOOM_BYTES),
    kinds: 0, indexed: [], st: new Float64Array(3),
  }

  /** Strings the next chunks may name. */
  addStrings(list: [number, string][]): void {
    for (const [id, text] of list) {
      const bytes = utf8_bytes(text)
      const out: Out = { buf: new Uint8Array(bytes.length + 10), len: 0 }
      out.len = putVarint(out.buf, 0, bytes.length)
      out.buf.set(bytes, out.len)
      this.s.strs[id] = out.buf.subarray(0, out.len + bytes.length)
      this.s.texts[id] = text
    }
  }

  /**
   * Reads one chunk: its canonical bytes are appended to `canonical`, its counts and bloom bits
   * to the summary being built (takeSummary), and its root-zap, finding and memslot transitions
   * are returned. RangeError if the blob is not a chunk of this codec.
   */
  add(blob: Uint8Array, firstSeq: number, firstOp: number, n: number): Transition[] {
    if (blob[0] !== CHUNK_FORMAT) throw new RangeError('unknown chunk format')
    const s = this.s
    s.indexed = []
    PASS(blob, firstSeq, firstOp, n, s)
    return s.indexed
  }

  /** The canonical bytes appended since the last clearCanonical(). */
  get canonical(): Uint8Array {
    return this.s.out.buf.subarray(0, this.s.out.len)
  }

  clearCanonical(): void {
    this.s.out.len = 0
  }

  /** Bit i: kind index i occurs in the chunks added since the last takeSummary(). */
  get kinds(): number {
    return this.s.kinds
  }

  /** The summary blob of the chunks added since the last call (summary.ts layout); starts the next. */
  takeSummary(): Uint8Array {
    const s = this.s
    const keys = s.keys.sort((a, b) => a - b)
    const blob = writeSummary(keys.map((key) => [key, s.counts[key]!]), s.bloom)
    for (const key of keys) s.counts[key] = 0
    s.keys = []
    s.bloom.fill(0)
    s.kinds = 0
    return blob
  }
}
