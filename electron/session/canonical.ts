/**
 * The canonical encoding of sim/digest.ts, compiled: one function per kind generated from
 * TRANSITION_SCHEMA, so no per-field type tests or schema lookups at run time (the digest is a
 * large share of recording time). canonical.test.ts checks both give exactly sim's bytes and
 * lines for every kind; the encoding itself stays defined by sim/digest.ts.
 */
import {
  canonical_encode, canonical_line, kind_index, write_string, write_varint, zigzag, type ByteWriter,
} from '../../sim/digest'
import { TRANSITION_KINDS, TRANSITION_SCHEMA, type Transition } from '../../sim/transitions'

type LineFn = (t: Transition) => string
type EncodeFn = (t: Transition, w: ByteWriter) => void
const IDENT = /^[a-z_][a-z0-9_]*$/

function fieldsOf(kind: string): [string, string][] {
  return Object.entries(TRANSITION_SCHEMA[kind as keyof typeof TRANSITION_SCHEMA]) as [string, string][]
}

function compileLine(kind: string): LineFn {
  let body = `return t.seq + '\\t' + t.op + '\\t' + ${JSON.stringify(kind)} + '\\t' + (t.vcpu === null ? '-' : t.vcpu)`
  for (const [name, type] of fieldsOf(kind)) {
    if (!IDENT.test(name)) return canonical_line
    const ref = `t.${name}`
    if (type === 'bool') body += ` + (${ref} ? '\\t1' : '\\t0')`
    else if (type === 'str') body += ` + '\\t' + JSON.stringify(${ref})`
    else body += ` + '\\t' + ${ref}`
  }
  // Generated from the static schema above (identifiers checked), never from input.
  return new Function('t', body) as LineFn
}

function compileEncode(kind: string): EncodeFn {
  // A one-byte varint (< 0x80) is written in place; anything longer goes through write_varint.
  const v = (expr: string): string =>
    `x = ${expr}; if (x < 0x80 && w.len < w.buf.length) w.buf[w.len++] = x; else V(w, x);\n`
  let body = v('t.seq') + v('t.op') + v(String(kind_index(kind as keyof typeof TRANSITION_SCHEMA))) + v('t.vcpu === null ? 0 : t.vcpu + 1')
  for (const [name, type] of fieldsOf(kind)) {
    if (!IDENT.test(name)) return canonical_encode
    const ref = `t.${name}`
    if (type === 'bool') body += v(`${ref} ? 1 : 0`)
    else if (type === 'str') body += `S(w, ${ref});\n`
    else body += v(`Z(${ref})`)
  }
  const make = new Function('V', 'Z', 'S', `return function (t, w) { let x;\n${body}}`) as (
    V: typeof write_varint, Z: typeof zigzag, S: typeof write_string) => EncodeFn
  return make(write_varint, zigzag, write_string)
}

const LINES: Record<string, LineFn> = Object.fromEntries(TRANSITION_KINDS.map((k) => [k, compileLine(k)]))
const ENCODERS: Record<string, EncodeFn> = Object.fromEntries(TRANSITION_KINDS.map((k) => [k, compileEncode(k)]))

/** The same string as sim canonical_line(t). */
export function canonicalLine(t: Transition): string {
  return LINES[t.kind]!(t)
}

/** Appends the same bytes as sim canonical_encode(t, w). */
export function canonicalEncode(t: Transition, w: ByteWriter): void {
  ENCODERS[t.kind]!(t, w)
}
