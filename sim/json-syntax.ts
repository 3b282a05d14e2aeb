/**
 * Where and why a JSON text is not valid JSON, in our words: "unexpected '}' at line 3, column 9
 * (expected a property name in double quotes)". JSON.parse's own messages ("Expected property
 * name or '}' in JSON at position 41", "Unexpected end of JSON input") are an engine's text, differ
 * between versions and give an offset nobody can find in an editor, so they are never shown.
 *
 * Called only after JSON.parse has refused the text. A small scanner over the grammar (RFC 8259),
 * iterative (a million nested brackets need no stack), linear in the text.
 */

/** "line L, column C" of offset `i` (both from 1). */
function where(text: string, i: number): string {
  let line = 1
  let col = 1
  for (let k = 0; k < i && k < text.length; k++) {
    if (text.charCodeAt(k) === 10) {
      line++
      col = 1
    } else col++
  }
  return `line ${line}, column ${col}`
}

/** A character as a message shows it: 'x', or U+XXXX for anything not plainly printable. */
function describeChar(c: string): string {
  const code = c.codePointAt(0)!
  return code > 0x20 && code < 0x7f ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y

/** Why `text` is not valid JSON, or null if it is. */
export function jsonSyntaxError(text: string): string | null {
  const n = text.length
  const stack: string[] = [] // '[' or '{'
  let i = 0
  type Want = 'value' | 'value-or-]' | 'key' | 'key-or-}' | 'colon' | 'after' | 'end'
  let want: Want = 'value'
  const afterValue = (): Want => (stack.length ? 'after' : 'end')
  const unexpected = (expected: string): string => `unexpected ${describeChar(text[i]!)} at ${where(text, i)} (expected ${expected})`

  /** Reads a string at text[i] === '"'; returns an error or null. */
  const string = (): string | null => {
    const start = i
    i++
    for (;;) {
      if (i >= n) return `a string that starts at ${where(text, start)} is not closed`
      const c = text.charCodeAt(i)
      if (c === 0x22) {
        i++
        return null
      }
      if (c < 0x20) return `a control character (${describeChar(text[i]!)}) inside a string at ${where(text, i)}; write it as \\n, \\t or \\u00XX`
      if (c === 0x5c) {
        const e = text[i + 1]
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return `a bad \\u escape at ${where(text, i)} (four hex digits must follow)`
          i += 6
          continue
        }
        if (e === undefined || !'"\\/bfnrt'.includes(e)) return `a bad escape at ${where(text, i)} (allowed: \\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)`
        i += 2
        continue
      }
      i++
    }
  }

  for (;;) {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++
    if (i >= n) {
      if (want === 'end') return null
      const open = stack.length ? ` (an ${stack[stack.length - 1] === '[' ? 'array' : 'object'} is not closed)` : ''
      return n === 0 || text.trim() === '' ? 'the file is empty' : `it ends too early, at ${where(text, n)}${open}`
    }
    const c = text[i]!
    // An empty array or object closes at once; otherwise a value or a key is read.
    if ((want === 'value-or-]' && c === ']') || (want === 'key-or-}' && c === '}')) {
      stack.pop()
      i++
      want = afterValue()
      continue
    }
    switch (want) {
      case 'end':
        return unexpected('nothing more: the JSON value has ended')
      case 'value-or-]':
      case 'value':
        if (c === '{') {
          stack.push('{')
          i++
          want = 'key-or-}'
        } else if (c === '[') {
          stack.push('[')
          i++
          want = 'value-or-]'
        } else if (c === '"') {
          const e = string()
          if (e) return e
          want = afterValue()
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          NUMBER.lastIndex = i
          const m = NUMBER.exec(text)
          if (!m || m[0] === '-') return unexpected('a number')
          i += m[0].length
          want = afterValue()
        } else {
          const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i))
          if (!word) return unexpected(c === "'" ? 'a value; strings take double quotes' : 'a value')
          i += word.length
          want = afterValue()
        }
        continue
      case 'key-or-}':
      case 'key': {
        if (c !== '"') return unexpected('a property name in double quotes')
        const e = string()
        if (e) return e
        want = 'colon'
        continue
      }
      case 'colon':
        if (c !== ':') return unexpected("':' after the property name")
        i++
        want = 'value'
        continue
      case 'after': {
        const close = stack[stack.length - 1] === '[' ? ']' : '}'
        if (c === ',') {
          i++
          want = close === ']' ? 'value' : 'key'
        } else if (c === close) {
          stack.pop()
          i++
          want = afterValue()
        } else {
          return unexpected(`',' or '${close}'`)
        }
        continue
      }
    }
  }
}
