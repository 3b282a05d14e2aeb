/**
 * A transition's fields as `rootlab events --json` prints them: addresses (gfn, pgd, gva, cr3)
 * as hex strings, everything else as the model has it. One definition for the CLI's events, the
 * `fields` column of the SQL table `transitions` and the flat export, so they cannot drift.
 */
import { transition_fields, type Transition } from '../../sim/transitions'

/** Fields printed as hex strings ("0xa000"). */
export const HEX_FIELDS: ReadonlySet<string> = new Set(['gfn', 'pgd', 'gva', 'cr3'])

export const hexString = (n: number): string => '0x' + n.toString(16)

/** The kind's fields of `t`, in canonical order, with addresses as hex strings. */
export function fieldsJson(t: Transition): Record<string, unknown> {
  const r = t as unknown as Record<string, unknown>
  const o: Record<string, unknown> = {}
  for (const f of transition_fields(t.kind)) o[f] = HEX_FIELDS.has(f) ? hexString(r[f] as number) : r[f]
  return o
}

/** A transition as `events --json` prints it: { seq, op, kind, vcpu, ...fields }. */
export function eventJson(t: Transition): Record<string, unknown> {
  return { seq: t.seq, op: t.op, kind: t.kind, vcpu: t.vcpu, ...fieldsJson(t) }
}
