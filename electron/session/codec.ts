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
import { ByteReader, ByteWriter } from './varint'

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

/** Encodes transitions into one chunk; reset() starts the next chunk. */
export class ChunkEncoder {
  private readonly w = new ByteWriter()
  private prevOp = 0
  private prevVcpu = 0
  private prevSp = 0
  count = 0
  firstSeq = 0
  firstOp = 0
  lastOp = 0

  constructor(private readonly strings: StringTable) {
    this.w.byte(CHUNK_FORMAT)
  }

  get bytes(): number {
    return this.w.len
  }

  add(t: Transition): void {
    const plan = KIND_PLANS[KIND_INDEX[t.kind]!]!
    const rec = t as unknown as Record<string, number | boolean | string | null>
    if (this.count === 0) {
      this.firstSeq = t.seq
      this.firstOp = t.op
      this.prevOp = t.op
    }
    this.count++
    this.lastOp = t.op
    const vcode = t.vcpu === null ? 0 : t.vcpu + 1
    const opChanged = t.op !== this.prevOp
    const vcpuChanged = vcode !== this.prevVcpu
    const w = this.w
    w.uint(plan.index * 4 + (opChanged ? 2 : 0) + (vcpuChanged ? 1 : 0))
    if (opChanged) {
      w.uint(t.op - this.prevOp)
      this.prevOp = t.op
    }
    if (vcpuChanged) {
      w.uint(vcode)
      this.prevVcpu = vcode
    }
    if (plan.bools.length) {
      let bits = 0
      for (let i = 0; i < plan.bools.length; i++) if (rec[plan.bools[i]!]) bits |= 1 << i
      w.uint(bits)
    }
    for (const [name, how] of plan.values) {
      const v = rec[name]
      if (how === 2) w.uint(this.strings.id(v as string))
      else if (how === 1) {
        w.int((v as number) - this.prevSp)
        this.prevSp = v as number
      } else w.int(v as number)
    }
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

/**
 * Decodes a chunk. `strings` resolves str ids. Throws RangeError on a damaged blob (the caller
 * turns it into a SessionError naming the file and the chunk). With `keep`, only the transitions
 * it accepts (by kind index and vCPU) are built and returned, in order; the others are read past
 * without building an object (a filtered scan spends most of its time building objects).
 */
export function decodeChunk(
  blob: Uint8Array, firstSeq: number, firstOp: number, n: number, strings: readonly string[],
  keep?: (kindIndex: number, vcpu: number | null) => boolean,
): Transition[] {
  const r = new ByteReader(blob)
  if (r.byte() !== CHUNK_FORMAT) throw new RangeError('unknown chunk format')
  const out: Transition[] = keep ? [] : new Array(n)
  let op = firstOp
  let vcpu: number | null = null
  let prevSp = 0
  for (let i = 0; i < n; i++) {
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
        if (how === 1) prevSp += r.int()
        else if (how === 2) r.uint()
        else r.int()
      }
      continue
    }
    const t: Record<string, unknown> = { seq: firstSeq + i, op, kind: plan.kind, vcpu }
    if (plan.bools.length) {
      const bits = r.uint()
      for (let b = 0; b < plan.bools.length; b++) t[plan.bools[b]!] = (bits & (1 << b)) !== 0
    }
    for (const [name, how] of plan.values) {
      if (how === 2) {
        const s = strings[r.uint()]
        if (s === undefined) throw new RangeError('unknown string id')
        t[name] = s
      } else if (how === 1) {
        prevSp += r.int()
        t[name] = prevSp
      } else t[name] = r.int()
    }
    if (keep) out.push(t as unknown as Transition)
    else out[i] = t as unknown as Transition
  }
  if (!r.done) throw new RangeError('trailing bytes after the last transition')
  return out
}
