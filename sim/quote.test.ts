import { describe, expect, it } from 'vitest'
import { clip, escapeControls, escapeForTerminal, MAX_VALUE_CHARS, quote } from './quote'

describe('values quoted in messages', () => {
  it('are written as JSON writes them when short', () => {
    expect(quote('0xa010')).toBe('"0xa010"')
    expect(quote(7)).toBe('7')
    expect(quote(null)).toBe('null')
    expect(quote(undefined)).toBe('nothing')
    expect(quote([1, 'a', { b: true }])).toBe('[1,"a",{"b":true}]')
  })

  it('are cut at about 80 characters with an ellipsis, however large', () => {
    const long = quote('x'.repeat(50_000_000))
    expect(long).toHaveLength(MAX_VALUE_CHARS + 1)
    expect(long.endsWith('…')).toBe(true)
    expect(quote(new Array(5_000_000).fill(1))).toMatch(/^\[1,1,.*…$/)
    expect(clip('y'.repeat(200))).toBe(`${'y'.repeat(80)}…`)
  })

  it('stop at three levels of nesting, however deep (JSON.stringify overflows the stack)', () => {
    let deep: unknown = 1
    for (let i = 0; i < 1_000_000; i++) deep = [deep]
    expect(() => JSON.stringify(deep)).toThrow(/call stack/)
    expect(quote(deep)).toBe('[[[[…]]]]')
    expect(quote({ a: { b: { c: { d: 1 } } } })).toBe('{"a":{"b":{"c":{…}}}}')
  })

  it('have every control character escaped, so they cannot act on a terminal or forge a line', () => {
    expect(escapeControls('a\u001b]0;pwned\u0007b\ncomplete: yes\r\u009b\u202e')).toBe(
      'a\\u001b]0;pwned\\u0007b\\u000acomplete: yes\\u000d\\u009b\\u202e')
    expect(quote('\u001b[2J')).toBe('"\\u001b[2J"')
    expect(quote({ '\u001b': 1 })).toBe('{"\\u001b":1}')
    expect(clip('a\nb')).toBe('a\\u000ab')
  })

  it('leave newlines and tabs in output made of lines, and JSON valid', () => {
    const json = JSON.stringify({ s: 'x\u009by\u2028' }) + '\n'
    const safe = escapeForTerminal(`a\tb\n${json}\u001b[31m`)
    expect(safe).toBe('a\tb\n{"s":"x\\u009by\\u2028"}\n\\u001b[31m')
    expect(JSON.parse(escapeForTerminal(json))).toEqual({ s: 'x\u009by\u2028' })
  })
})
