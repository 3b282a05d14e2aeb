/**
 * The chunk codec: a run of consecutive transitions as one compact binary blob, derived from
 * sim/transitions.ts TRANSITION_SCHEMA (a new kind or field needs no change here).
 *
 * Blob layout (version 1): one byte 0x01, then per transition
 *   header   uint   kind_index << 2 | op_changed << 1 | vcpu_changed
 *   [op]     uint   op - previous op              (only if op_changed; the chunk starts at first_op)
 *   [vcpu]   uint   vcpu + 1, 0 = null            (only if vcpu_changed; the chunk starts at null)
 *   [bools]  uint   the kind's bool fields as bits, in schema order (only if the kind has any)
 *   fields   the int and str fields in schema order: int = zigzag varint, except `sp` and
 *            `child`, stored as the difference to the previous sp/child of the chunk (ids are
 *            allocated in order, so neighbours are close); str = uint id in the `strings` table.
 * seq is implicit: first_seq + position. A chunk is decoded on its own (all deltas restart).
 */
import {
  TRANSITION_KINDS, TRANSITION_SCHEMA, type FieldType, type Transition, type TransitionKind,
} from '../../sim/transitions'
import { ByteReader, ByteWriter, putVarint, putVarintCode } from './varint'

export const CHUNK_FORMAT = 1

/** How one kind is encoded: its index and its fields split by storage. */
export interface KindPlan {
  index: number
  kind: TransitionKind
  bools: string[]
  /** Int and str fields in schema order: [name, 0 = int, 1 = sp-delta int, 2 = str]. */
  values: [string, 0 | 1 | 2][]
}

const DELTA_FIELDS = new Set(['sp', 'child'])

export const KIND_PLANS: KindPlan[] = TRANSITION_KINDS.map((kind, index) => {
  const fields = Object.entries(TRANSITION_SCHEMA[kind]) as [string, FieldType][]
  return {
    index, kind,
    bools: fields.filter(([, t]) => t === 'bool').map(([n]) => n),
    values: fields.filter(([, t]) => t !== 'bool')
      .map(([n, t]) => [n, t === 'str' ? 2 : DELTA_FIELDS.has(n) ? 1 : 0] as [string, 0 | 1 | 2]),
  }
})
if (KIND_PLANS.length > 63) throw new Error('the chunk codec holds at most 63 transition kinds')

export const KIND_INDEX: Record<string, number> = Object.fromEntries(KIND_PLANS.map((p) => [p.kind, p.index]))

/** Strings interned by the recorder: id -> text (ids from 0). */
export class StringTable {
  readonly texts: string[] = []
  private readonly ids = new Map<string, number>()
  /** Strings added since the last takeNew(). */
  private fresh: [number, string][] = []

  id(text: string): number {
    let id = this.ids.get(text)
    if (id === undefined) {
      id = this.texts.length
      this.texts.push(text)
      this.ids.set(text, id)
      this.fresh.push([id, text])
    }
    return id
  }

  takeNew(): [number, string][] {
    const f = this.fresh
    this.fresh = []
    return f
  }
}

/**
 * What a compiled encoder (below) reads and updates: the chunk being written and the running
 * deltas of the codec.
 */
interface EncoderState {
  readonly w: ByteWriter
  readonly strings: StringTable
  prevOp: number
  prevVcpu: number
  prevSp: number
  count: number
  firstSeq: number
  firstOp: number
  lastOp: number
}

type EncodeFn = (t: Transition, e: EncoderState) => void

/** Generated code that writes varint `x` at b[p]. */
const PUT_X = putVarintCode('b')
const ZIGZAG_X = 'x = x >= 0 ? x * 2 : -x * 2 - 1;\n'

/**
 * The encoder of one kind, generated from its plan: the same bytes as the layout above, with the
 * field reads and the per-field choices resolved once (a loop over the plan with keyed reads
 * was a tenth of recording time). Field names are checked identifiers from the static schema.
 */
function compileEncoder(plan: KindPlan): EncodeFn {
  const ident = /^[a-z_][a-z0-9_]*$/
  const names = [...plan.bools, ...plan.values.map(([n]) => n)]
  if (!names.every((n) => ident.test(n))) throw new Error(`transition field names must be identifiers (${plan.kind})`)
  const reserve = 10 * (4 + plan.values.length)
  let body = `const w = e.w;
if (w.len + ${reserve} > w.buf.length) w.ensure(${reserve});
const b = w.buf;
let p = w.len;
const op = t.op;
if (e.count === 0) { e.firstSeq = t.seq; e.firstOp = op; e.prevOp = op; }
e.count++;
e.lastOp = op;
const vc = t.vcpu === null ? 0 : t.vcpu + 1;
const dop = op - e.prevOp;
const vch = vc !== e.prevVcpu;
let x = ${plan.index * 4} + (dop !== 0 ? 2 : 0) + (vch ? 1 : 0);
${PUT_X}if (dop !== 0) { x = dop; ${PUT_X} e.prevOp = op; }
if (vch) { x = vc; ${PUT_X} e.prevVcpu = vc; }
`
  if (plan.bools.length) body += `x = ${plan.bools.map((n, i) => `(t.${n} ? ${1 << i} : 0)`).join(' + ')};\n${PUT_X}`
  for (const [name, how] of plan.values) {
    if (how === 2) body += `x = e.strings.id(t.${name});\n${PUT_X}`
    else if (how === 1) body += `x = t.${name} - e.prevSp; e.prevSp = t.${name};\n${ZIGZAG_X}${PUT_X}`
    else body += `x = t.${name};\n${ZIGZAG_X}${PUT_X}`
  }
  body += 'w.len = p;\n'
  return new Function('V', `return function encode_${plan.kind}(t, e) {\n${body}}`)(putVarint) as EncodeFn
}

const ENCODERS: Record<string, EncodeFn> = Object.fromEntries(KIND_PLANS.map((p) => [p.kind, compileEncoder(p)]))

/** Encodes transitions into one chunk; reset() starts the next chunk. */
export class ChunkEncoder implements EncoderState {
  readonly w = new ByteWriter()
  prevOp = 0
  prevVcpu = 0
  prevSp = 0
  count = 0
  firstSeq = 0
  firstOp = 0
  lastOp = 0

  constructor(readonly strings: StringTable) {
    this.w.byte(CHUNK_FORMAT)
  }

  get bytes(): number {
    return this.w.len
  }

  add(t: Transition): void {
    ENCODERS[t.kind]!(t, this)
  }

  /** The finished blob; the encoder is ready for the next chunk. */
  take(): Uint8Array {
    const blob = this.w.take()
    this.reset()
    return blob
  }

  reset(): void {
    this.w.reset()
    this.w.byte(CHUNK_FORMAT)
    this.count = 0
    this.prevVcpu = 0
    this.prevSp = 0
  }
}

/** What a compiled decoder reads and updates: the running sp delta of the chunk. */
interface DecoderState {
  prevSp: number
}

type DecodeFn = (r: ByteReader, seq: number, op: number, vcpu: number | null, strings: readonly string[], d: DecoderState) => Transition

/**
 * The decoder of one kind, generated from its plan (the mirror of compileEncoder): one object
 * literal with every field, in the order the generic decoder gave them (seq, op, kind, vcpu, the
 * bools, the other fields in schema order), so each kind's objects share one shape and are built
 * in one allocation (adding the fields one by one was most of a replay's decoding time).
 */
function compileDecoder(plan: KindPlan): DecodeFn {
  const ident = /^[a-z_][a-z0-9_]*$/
  const names = [...plan.bools, ...plan.values.map(([n]) => n)]
  if (!names.every((n) => ident.test(n))) throw new Error(`transition field names must be identifiers (${plan.kind})`)
  let body = ''
  if (plan.bools.length) body += 'const bits = r.uint();\n'
  plan.values.forEach(([, how], i) => {
    if (how === 2) body += `const v${i} = strings[r.uint()];\nif (v${i} === undefined) throw new RangeError('unknown string id');\n`
    else if (how === 1) body += `const v${i} = (d.prevSp += r.int());\n`
    else body += `const v${i} = r.int();\n`
  })
  const fields = [
    'seq', 'op', `kind: ${JSON.stringify(plan.kind)}`, 'vcpu',
    ...plan.bools.map((n, b) => `${n}: (bits & ${1 << b}) !== 0`),
    ...plan.values.map(([n], i) => `${n}: v${i}`),
  ]
  body += `return { ${fields.join(', ')} };\n`
  return new Function(`return function decode_${plan.kind}(r, seq, op, vcpu, strings, d) {\n${body}}`)() as DecodeFn
}

const DECODERS: DecodeFn[] = KIND_PLANS.map(compileDecoder)

/**
 * Decodes a chunk. `strings` resolves str ids. Throws RangeError on a damaged blob (the caller
 * turns it into a SessionError naming the file and the chunk). With `keep`, only the transitions
 * it accepts (by kind index and vCPU) are built and returned, in order; the others are read past
 * without building an object (a filtered scan spends most of its time building objects).
 * With `upto`, only the first `upto` transitions are read (a replay that stops inside the chunk).
 */
export function decodeChunk(
  blob: Uint8Array, firstSeq: number, firstOp: number, n: number, strings: readonly string[],
  keep?: (kindIndex: number, vcpu: number | null) => boolean, upto = n,
): Transition[] {
  const r = new ByteReader(blob)
  if (r.byte() !== CHUNK_FORMAT) throw new RangeError('unknown chunk format')
  const out: Transition[] = keep ? [] : new Array(upto)
  let op = firstOp
  let vcpu: number | null = null
  const d: DecoderState = { prevSp: 0 }
  for (let i = 0; i < upto; i++) {
    const h = r.uint()
    const plan = KIND_PLANS[h >>> 2]
    if (!plan) throw new RangeError(`unknown kind index ${h >>> 2}`)
    if (h & 2) op += r.uint()
    if (h & 1) {
      const c = r.uint()
      vcpu = c === 0 ? null : c - 1
    }
    if (keep && !keep(plan.index, vcpu)) {
      if (plan.bools.length) r.uint()
      for (const [, how] of plan.values) {
        if (how === 1) d.prevSp += r.int()
        else if (how === 2) r.uint()
        else r.int()
      }
      continue
    }
    const t = DECODERS[plan.index]!(r, firstSeq + i, op, vcpu, strings, d)
    if (keep) out.push(t)
    else out[i] = t
  }
  if (upto === n && !r.done) throw new RangeError('trailing bytes after the last transition')
  return out
}
