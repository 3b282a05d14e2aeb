import { describe, expect, it } from 'vitest'
import { format_op, parse_script, ScriptError } from './script'

const ok = { vcpus: 2, ops: [
  { op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'run', vcpu: 0 }, { op: 'fault', vcpu: 0, gva: '0x7f0000001000' },
  { op: 'pt_write', vcpu: 1, gfn: '0xa' }, { op: 'unprotect', gfn: 10 }, { op: 'memslot', action: 'delete' },
] }

function refusal(doc: unknown): string {
  try {
    parse_script(typeof doc === 'string' ? doc : JSON.stringify(doc))
  } catch (e) {
    expect(e).toBeInstanceOf(ScriptError)
    return (e as Error).message
  }
  throw new Error('the script was accepted')
}

describe('parse_script (cli-contract.md script files)', () => {
  it('accepts the contract example, with hex strings or numbers for addresses', () => {
    const s = parse_script(JSON.stringify(ok))
    expect(s.vcpus).toBe(2)
    expect(s.ops[0]).toEqual({ op: 'cr3', vcpu: 0, pgd: 0xa000 })
    expect(s.ops[2]).toEqual({ op: 'fault', vcpu: 0, gva: 0x7f0000001000 })
    expect(s.ops[4]).toEqual({ op: 'unprotect', gfn: 10 })
    expect(s.ops.map(format_op)[0]).toEqual({ op: 'cr3', vcpu: 0, pgd: '0xa000' })
  })
  it('refuses an unknown op, naming the op index and the allowed ops', () => {
    expect(refusal({ vcpus: 1, ops: [{ op: 'run', vcpu: 0 }, { op: 'jump', vcpu: 0 }] })).toMatch(/^op 1: unknown op "jump" \(allowed: cr3, run/)
  })
  it('refuses a missing field, naming the op index and the field', () => {
    expect(refusal({ vcpus: 1, ops: [{ op: 'cr3', vcpu: 0 }] })).toBe('op 0 (cr3): field "pgd" is missing')
  })
  it('refuses a vCPU out of range, with the range', () => {
    expect(refusal({ vcpus: 2, ops: [{ op: 'run', vcpu: 2 }] })).toBe('op 0 (run): field "vcpu" is 2, out of range: the script has 2 vCPU(s) (0 to 1)')
  })
  it('refuses a misaligned pgd', () => {
    expect(refusal({ vcpus: 1, ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa010' }] })).toBe('op 0 (cr3): field "pgd" 0xa010 is not page aligned (4 KiB)')
  })
  it('refuses bad vcpus, bad JSON, unknown fields and bad memslot actions', () => {
    expect(refusal({ vcpus: 65, ops: [] })).toMatch(/"vcpus" must be an integer from 1 to 64/)
    expect(refusal('{"vcpus": 1, "ops": [')).toMatch(/^not valid JSON/)
    expect(refusal({ vcpus: 1, ops: [{ op: 'run', vcpu: 0, pgd: 1 }] })).toMatch(/op 0 \(run\): unknown field "pgd"/)
    expect(refusal({ vcpus: 1, ops: [{ op: 'memslot', action: 'create' }] })).toMatch(/op 0 \(memslot\): field "action" must be "delete" or "move"/)
    expect(refusal({ vcpus: 1, ops: [{ op: 'pt_write', vcpu: 0, gfn: '0xzz' }] })).toMatch(/op 0 \(pt_write\): field "gfn" must be a number or a hex string/)
    expect(refusal({ vcpus: 1, ops: [{ op: 'cr3', vcpu: 0, pgd: -4096 }] })).toMatch(/op 0 \(cr3\): field "pgd" must be an integer from 0/)
  })

  it('names the op and field of a value nested too deep to print, instead of overflowing the stack', () => {
    const deep = `{"vcpus": 1, "ops": [{"op": "run", "vcpu": ${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}}]}`
    expect(refusal(deep)).toBe('op 0 (run): field "vcpu" must be an integer vCPU index, got [[[[…]]]]')
  })
  it('cuts a long value at about 80 characters and escapes control characters in it', () => {
    const long = refusal({ vcpus: 1, ops: [{ op: 'cr3', vcpu: 0, pgd: 'x'.repeat(10_000) }] })
    expect(long).toBe(`op 0 (cr3): field "pgd" must be a number or a hex string like "0xa000", got "${'x'.repeat(79)}…`)
    const esc = refusal({ vcpus: 1, ops: [{ op: '\u001b]0;pwned\u0007\ncomplete: yes' }] })
    expect(esc).toBe('op 0: unknown op "\\u001b]0;pwned\\u0007\\ncomplete: yes" (allowed: cr3, run, fault, pt_write, unprotect, memslot)')
    expect([...esc].every((c) => c.charCodeAt(0) >= 0x20)).toBe(true)
  })
  it('says where the JSON is broken in its own words, never the engine\'s', () => {
    expect(refusal('{"vcpus": 1,\n "ops": [}')).toBe("not valid JSON: unexpected '}' at line 2, column 10 (expected a value)")
    expect(refusal("{'vcpus': 1}")).toBe("not valid JSON: unexpected ''' at line 1, column 2 (expected a property name in double quotes)")
    expect(refusal('{"vcpus": 1, "ops": [')).toBe('not valid JSON: it ends too early, at line 1, column 22 (an array is not closed)')
    expect(refusal('')).toBe('not valid JSON: the file is empty')
    expect(refusal('\u0000\u0000')).toBe('not valid JSON: unexpected U+0000 at line 1, column 1 (expected a value)')
  })
})
