/**
 * sim/digest.ts canonical_line(), compiled: one function per kind generated from
 * TRANSITION_SCHEMA, so no per-field type tests or schema lookups at run time (the digest is
 * ~25% of recording time). canonical.test.ts checks it gives exactly sim's lines for every kind;
 * the digest itself stays defined by sim/digest.ts.
 */
import { canonical_line } from '../../sim/digest'
import { TRANSITION_KINDS, TRANSITION_SCHEMA, type Transition } from '../../sim/transitions'

type LineFn = (t: Transition) => string

function compile(kind: string): LineFn {
  const fields = Object.entries(TRANSITION_SCHEMA[kind as keyof typeof TRANSITION_SCHEMA]) as [string, string][]
  let body = `return t.seq + '\\t' + t.op + '\\t' + ${JSON.stringify(kind)} + '\\t' + (t.vcpu === null ? '-' : t.vcpu)`
  for (const [name, type] of fields) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) return canonical_line
    const ref = `t.${name}`
    if (type === 'bool') body += ` + (${ref} ? '\\t1' : '\\t0')`
    else if (type === 'str') body += ` + '\\t' + JSON.stringify(${ref})`
    else body += ` + '\\t' + ${ref}`
  }
  // Generated from the static schema above (identifiers checked), never from input.
  return new Function('t', body) as LineFn
}

const LINES: Record<string, LineFn> = Object.fromEntries(TRANSITION_KINDS.map((k) => [k, compile(k)]))

/** The same string as sim canonical_line(t). */
export function canonicalLine(t: Transition): string {
  return LINES[t.kind]!(t)
}
