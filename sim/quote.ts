/**
 * Values from input files as they appear in messages: bounded and inert.
 *
 * A script, a trace or a session file is input; a message quoting it must not become as long as
 * the input (a 50 MB string), as deep (a value nested a million levels, which JSON.stringify
 * cannot print: "Maximum call stack size exceeded"), or act on the terminal that shows it
 * (an escape sequence retitling the window, a newline forging a line of output). So every value
 * is quoted with `quote` or `clip`: cut at MAX_VALUE_CHARS with an ellipsis, with every control
 * character written as a JSON-style `\uXXXX` escape.
 */

/** Longest quoted value in a message, in characters (the ellipsis not counted). */
export const MAX_VALUE_CHARS = 80

/** Nesting shown before an array or object is written as `[…]` / `{…}`. */
const MAX_DEPTH = 3

/**
 * Characters that a terminal acts on or that change how text reads: C0 controls, DEL, C1
 * controls, the Unicode line and paragraph separators, and the bidirectional overrides and
 * isolates (which can make text display in another order than it is).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g // eslint-disable-line no-control-regex

/** The same, but keeping newline and tab: for output that is made of lines. */
const CONTROL_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g // eslint-disable-line no-control-regex

const escapeOne = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`

/** `s` with every control character written as `\uXXXX` (newlines too: the result is one line). */
export function escapeControls(s: string): string {
  return s.replace(CONTROL, escapeOne)
}

/**
 * `text` with every control character but newline and tab written as `\uXXXX`: safe to print on
 * a terminal, and still valid JSON when `text` is JSON (inside strings JSON allows `\uXXXX`, and
 * outside strings JSON has no control characters).
 */
export function escapeForTerminal(text: string): string {
  return text.replace(CONTROL_IN_LINES, escapeOne)
}

/** `s` escaped (escapeControls) and cut to `max` characters with an ellipsis. */
export function clip(s: string, max = MAX_VALUE_CHARS): string {
  // Escape only what can be shown: a 50 MB string costs no more than a short one.
  const head = escapeControls(s.length > max ? s.slice(0, max + 1) : s)
  return head.length > max ? `${head.slice(0, max)}…` : head
}

/**
 * A value as JSON would write it, for a message: strings quoted, at most MAX_DEPTH levels of
 * arrays and objects, at most `max` characters (then an ellipsis), control characters escaped.
 * Never throws and costs O(max), whatever the value's size or depth.
 */
export function quote(value: unknown, max = MAX_VALUE_CHARS): string {
  const text = render(value, 0, max + 1)
  return text.length > max ? `${text.slice(0, max)}…` : text
}

/** At least min(budget, full length) characters of the value's JSON-like text. */
function render(value: unknown, depth: number, budget: number): string {
  if (typeof value === 'string') {
    return escapeControls(JSON.stringify(value.length > budget ? value.slice(0, budget) : value))
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (value === undefined) return 'nothing'
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value !== 'object') return typeof value
  const isArray = Array.isArray(value)
  const [open, close] = isArray ? ['[', ']'] : ['{', '}']
  if (depth >= MAX_DEPTH) return `${open}…${close}`
  let out = open
  const add = (key: string | null, v: unknown): boolean => {
    if (out.length > open.length) out += ','
    if (key !== null) out += `${escapeControls(JSON.stringify(key.length > budget ? key.slice(0, budget) : key))}:`
    out += render(v, depth + 1, budget - out.length)
    return out.length < budget
  }
  if (isArray) {
    // Index by index: a million-element array is not walked to quote its start.
    const a = value as unknown[]
    for (let i = 0; i < a.length; i++) if (!add(null, a[i])) return out
  } else {
    for (const key in value) {
      if (Object.prototype.hasOwnProperty.call(value, key) && !add(key, (value as Record<string, unknown>)[key])) return out
    }
  }
  return out + close
}
