import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { jsonSyntaxError } from './json-syntax'

const parses = (s: string): boolean => {
  try {
    JSON.parse(s)
    return true
  } catch {
    return false
  }
}

describe('where a JSON text is broken', () => {
  it('names the line, the column, what was found and what was expected', () => {
    expect(jsonSyntaxError('{"a": 1,}')).toBe("unexpected '}' at line 1, column 9 (expected a property name in double quotes)")
    expect(jsonSyntaxError('[1 2]')).toBe("unexpected '2' at line 1, column 4 (expected ',' or ']')")
    expect(jsonSyntaxError('{"a" 1}')).toBe("unexpected '1' at line 1, column 6 (expected ':' after the property name)")
    expect(jsonSyntaxError('{"a": "b\nc"}')).toBe('a control character (U+000A) inside a string at line 1, column 9; write it as \\n, \\t or \\u00XX')
    expect(jsonSyntaxError('"abc')).toBe('a string that starts at line 1, column 1 is not closed')
    expect(jsonSyntaxError('[1]\n[2]')).toBe("unexpected '[' at line 2, column 1 (expected nothing more: the JSON value has ended)")
    expect(jsonSyntaxError('\uFEFF{}')).toBe('unexpected U+FEFF at line 1, column 1 (expected a value)')
    expect(jsonSyntaxError('  \n ')).toBe('the file is empty')
  })

  it('handles a million nested brackets without a stack', () => {
    expect(jsonSyntaxError('['.repeat(1_000_000))).toBe('it ends too early, at line 1, column 1000001 (an array is not closed)')
    expect(jsonSyntaxError(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`)).toBeNull()
  })

  it('agrees with JSON.parse on what is valid, for valid JSON and damaged JSON', () => {
    const damaged = fc.tuple(fc.json(), fc.nat(), fc.constantFrom('', '}', ']', ',', ':', '"', '\\', '\n', 'x', '\u0001', '1'), fc.nat(3))
      .map(([s, at, c, cut]) => {
        const i = at % (s.length + 1)
        return s.slice(0, i) + c + s.slice(i + (cut % 2))
      })
    fc.assert(fc.property(fc.oneof(fc.json(), damaged), (s) => {
      expect(jsonSyntaxError(s) === null).toBe(parses(s))
    }), { numRuns: 2000 })
  })
})
