/**
 * A moment as a link: `?file=<path>&seq=N`. The browser keeps it in the address bar (replaceState,
 * throttled); the desktop app copies it as a `rootlab://open?file=...&seq=N` link.
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

/** Calls `fn` at most once per `ms`, always with the latest arguments (trailing call kept). */
export function throttle<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let pending: A | null = null
  return (...args: A) => {
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
}
