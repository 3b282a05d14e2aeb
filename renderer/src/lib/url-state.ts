/**
 * A moment as a link: `?file=<path>&seq=N`. The browser keeps it in the address bar (a step
 * replaces the entry, throttled; a jump pushes a new one: lib/moment-url.ts); the desktop app
 * copies it as a `rootlab://open?file=...&seq=N` link.
 */

/** A moment of a session file. */
export interface Moment {
  file: string | null
  seq: number | null
}

/** Reads `file` and `seq` from a query string ("?file=/x.rootlab&seq=42"). */
export function parseMoment(search: string): Moment {
  const q = new URLSearchParams(search)
  const file = q.get('file')
  const raw = q.get('seq')
  const n = raw === null || raw.trim() === '' ? NaN : Number(raw)
  return { file: file && file.length > 0 ? file : null, seq: Number.isInteger(n) && n >= 0 ? n : null }
}

/** The `seq` parameter of a query string as written (null when absent). */
export function momentSeqText(search: string): string | null {
  return new URLSearchParams(search).get('seq')
}

/** A seq a user gave (the address bar, the Go-to box): the seq, or why not and where to go instead. */
export type SeqCheck = { ok: true; seq: number } | { ok: false; message: string; fallback: number }

const count = (n: number): string => n.toLocaleString('en-US')

/**
 * Checks `text` as a seq of a session whose last transition is `last`: a whole number from 0 to
 * last (`,` `_` and spaces between digits allowed), or "start" / "end". `what` names where it was
 * given ("The address's seq", "Go to seq") for the message.
 */
export function checkSeqText(text: string, last: number, what: string): SeqCheck {
  const t = text.trim().toLowerCase()
  if (t === 'end') return { ok: true, seq: last }
  if (t === 'start') return { ok: true, seq: 0 }
  const digits = t.replace(/[,_\s]/g, '')
  if (!/^\d+$/.test(digits)) {
    const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text
    return { ok: false, message: `${what} "${shown}" is not a transition number: give a whole number from 0 to ${count(last)} (or start / end).`, fallback: 0 }
  }
  const n = Number(digits)
  if (n > last) return { ok: false, message: `${what} ${count(n)} is past the end: this session has ${count(last)} transitions.`, fallback: last }
  return { ok: true, seq: n }
}

/** The query string for a moment, keeping other parameters of `search`. */
export function momentQuery(m: Moment, search = ''): string {
  const q = new URLSearchParams(search)
  if (m.file) q.set('file', m.file)
  else q.delete('file')
  if (m.seq !== null) q.set('seq', String(m.seq))
  else q.delete('seq')
  const s = q.toString()
  return s ? `?${s}` : ''
}

/** The desktop link to a moment. */
export function momentLink(m: Moment): string {
  return `rootlab://open${momentQuery(m)}`
}

/** A throttled function, whose pending trailing call can be dropped. */
export interface Throttled<A extends unknown[]> {
  (...args: A): void
  /** Drops the pending trailing call, if any. */
  cancel(): void
}

/** Calls `fn` at most once per `ms`, always with the latest arguments (trailing call kept). */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): Throttled<A> {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let pending: A | null = null
  const call = (...args: A) => {
    pending = args
    const now = Date.now()
    const wait = last + ms - now
    if (wait <= 0 && !timer) {
      last = now
      fn(...args)
      pending = null
      return
    }
    if (!timer) {
      timer = setTimeout(() => {
        timer = null
        last = Date.now()
        if (pending) fn(...pending)
        pending = null
      }, Math.max(0, wait))
    }
  }
  call.cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
    pending = null
  }
  return call
}
