/**
 * Script files (cli-contract.md): `{ "vcpus": N, "ops": [ { "op": "cr3", "vcpu": 0, "pgd": "0xa000" }, ... ] }`.
 * A script is validated whole before anything runs; every refusal names the op index and field,
 * and quotes the value it refuses bounded (sim/quote.ts): cut at about 80 characters, three
 * levels deep at most, control characters escaped.
 */
import { MAX_GPA, MAX_VCPUS, PAGE_SIZE } from './constants'
import { jsonSyntaxError } from './json-syntax'
import { quote } from './quote'
import { OP_NAMES, type Op } from './types'

/**
 * The largest script accepted anywhere: a file given to `--script`, a script sent through the
 * LabApi, an HTTP request body of `rootlab serve`. In bytes of UTF-8 (50 MB, about 1.5 million ops).
 */
export const MAX_SCRIPT_BYTES = 50_000_000

/** A script that cannot be run, with a message naming the op index and the field. */
export class ScriptError extends Error {
  override name = 'ScriptError'
}

export interface Script {
  vcpus: number
  ops: Op[]
}

const OP_FIELDS: Record<Op['op'], readonly string[]> = {
  cr3: ['vcpu', 'pgd'],
  run: ['vcpu'],
  fault: ['vcpu', 'gva'],
  pt_write: ['vcpu', 'gfn'],
  unprotect: ['gfn'],
  memslot: ['action'],
}

/** An address: a non-negative safe integer, as a JSON number or a hex string "0x...". */
function address(where: string, value: unknown, max: number): number {
  let n: number
  if (typeof value === 'number') n = value
  else if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,14}$/.test(value)) n = parseInt(value.slice(2), 16)
  else if (typeof value === 'string' && /^[0-9]{1,16}$/.test(value)) n = parseInt(value, 10)
  else throw new ScriptError(`${where} must be a number or a hex string like "0xa000", got ${quote(value)}`)
  if (!Number.isSafeInteger(n) || n < 0 || n >= max) {
    throw new ScriptError(`${where} must be an integer from 0 to 0x${(max - 1).toString(16)}, got ${quote(value)}`)
  }
  return n
}

function vcpu_index(where: string, value: unknown, vcpus: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new ScriptError(`${where} must be an integer vCPU index, got ${quote(value)}`)
  }
  if (value < 0 || value >= vcpus) {
    throw new ScriptError(`${where} is ${value}, out of range: the script has ${vcpus} vCPU(s) (0 to ${vcpus - 1})`)
  }
  return value
}

/** Validates one operation of a script with `vcpus` vCPUs. `index` is its position, for messages. */
export function parse_op(raw: unknown, index: number, vcpus: number): Op {
  const at = `op ${index}`
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ScriptError(`${at}: must be an object like {"op": "run", "vcpu": 0}`)
  const o = raw as Record<string, unknown>
  const name = o.op
  if (typeof name !== 'string' || !(OP_NAMES as readonly string[]).includes(name)) {
    throw new ScriptError(`${at}: unknown op ${quote(name)} (allowed: ${OP_NAMES.join(', ')})`)
  }
  const kind = name as Op['op']
  for (const f of OP_FIELDS[kind]) {
    if (!(f in o)) throw new ScriptError(`${at} (${kind}): field "${f}" is missing`)
  }
  for (const f of Object.keys(o)) {
    if (f !== 'op' && !OP_FIELDS[kind].includes(f)) {
      throw new ScriptError(`${at} (${kind}): unknown field ${quote(f)} (allowed: ${OP_FIELDS[kind].join(', ')})`)
    }
  }
  const field = (f: string): string => `${at} (${kind}): field "${f}"`
  switch (kind) {
    case 'cr3': {
      const vcpu = vcpu_index(field('vcpu'), o.vcpu, vcpus)
      const pgd = address(field('pgd'), o.pgd, MAX_GPA)
      if (pgd % PAGE_SIZE !== 0) throw new ScriptError(`${field('pgd')} 0x${pgd.toString(16)} is not page aligned (4 KiB)`)
      return { op: 'cr3', vcpu, pgd }
    }
    case 'run':
      return { op: 'run', vcpu: vcpu_index(field('vcpu'), o.vcpu, vcpus) }
    case 'fault':
      return { op: 'fault', vcpu: vcpu_index(field('vcpu'), o.vcpu, vcpus), gva: address(field('gva'), o.gva, 2 ** 48) }
    case 'pt_write':
      return { op: 'pt_write', vcpu: vcpu_index(field('vcpu'), o.vcpu, vcpus), gfn: address(field('gfn'), o.gfn, MAX_GPA / PAGE_SIZE) }
    case 'unprotect':
      return { op: 'unprotect', gfn: address(field('gfn'), o.gfn, MAX_GPA / PAGE_SIZE) }
    case 'memslot':
      if (o.action !== 'delete' && o.action !== 'move') {
        throw new ScriptError(`${field('action')} must be "delete" or "move", got ${quote(o.action)}`)
      }
      return { op: 'memslot', action: o.action }
  }
}

/** Parses and validates a script (JSON text or an already parsed value). Throws ScriptError. */
export function parse_script(input: string | unknown): Script {
  let doc: unknown = input
  if (typeof input === 'string') {
    try {
      doc = JSON.parse(input)
    } catch {
      throw new ScriptError(`not valid JSON: ${jsonSyntaxError(input) ?? 'the JSON parser refused it'}`)
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new ScriptError('must be a JSON object like {"vcpus": 2, "ops": [...]}')
  }
  const d = doc as Record<string, unknown>
  if (!('vcpus' in d)) throw new ScriptError('field "vcpus" is missing')
  if (typeof d.vcpus !== 'number' || !Number.isInteger(d.vcpus) || d.vcpus < 1 || d.vcpus > MAX_VCPUS) {
    throw new ScriptError(`field "vcpus" must be an integer from 1 to ${MAX_VCPUS}, got ${quote(d.vcpus)}`)
  }
  if (!('ops' in d)) throw new ScriptError('field "ops" is missing')
  if (!Array.isArray(d.ops)) throw new ScriptError('field "ops" must be an array of operations')
  const vcpus = d.vcpus
  return { vcpus, ops: d.ops.map((op, i) => parse_op(op, i, vcpus)) }
}

/** An op as the script format writes it (addresses as hex strings). */
export function format_op(op: Op): Record<string, string | number> {
  switch (op.op) {
    case 'cr3': return { op: 'cr3', vcpu: op.vcpu, pgd: '0x' + op.pgd.toString(16) }
    case 'run': return { op: 'run', vcpu: op.vcpu }
    case 'fault': return { op: 'fault', vcpu: op.vcpu, gva: '0x' + op.gva.toString(16) }
    case 'pt_write': return { op: 'pt_write', vcpu: op.vcpu, gfn: '0x' + op.gfn.toString(16) }
    case 'unprotect': return { op: 'unprotect', gfn: '0x' + op.gfn.toString(16) }
    case 'memslot': return { op: 'memslot', action: op.action }
  }
}
