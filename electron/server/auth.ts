/**
 * Who may use `rootlab serve`: whoever holds this run's token, as Jupyter does it. The server
 * listens on 127.0.0.1, but every local account (and every web page, through the browser) can
 * reach a loopback port; without the token nobody can open sessions, run SQL or write files with
 * the owner's rights.
 *
 * - A random token per run (or `ROOTLAB_TOKEN`, for scripts and tests); the printed URL carries
 *   it: `http://127.0.0.1:PORT/?token=TOKEN`.
 * - The page loaded with the right `?token=` gets it back as a cookie (HttpOnly: page scripts
 *   never see it; SameSite=Strict: no other site's page can make the browser send it), and the
 *   renderer removes `token` from the address bar.
 * - Every `/api/` request and the event stream need `Authorization: Bearer TOKEN` or the cookie;
 *   anything else is answered 401 before the request is looked at.
 *
 * The static files of the renderer are public (they are the same for everyone, as in the package).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** What ROOTLAB_TOKEN may hold: URL-safe, so it can be pasted into the printed URL as is. */
const TOKEN_FORMAT = /^[A-Za-z0-9._~-]{16,256}$/

/** The environment variable that sets the token instead of a random one. */
export const TOKEN_ENV = 'ROOTLAB_TOKEN'

export class TokenError extends Error {
  override name = 'TokenError'
}

/** This run's token: `env.ROOTLAB_TOKEN` if set (checked), else 32 random bytes as hex. */
export function serverToken(env: NodeJS.ProcessEnv = process.env): string {
  const given = env[TOKEN_ENV]
  if (given === undefined || given === '') return randomBytes(32).toString('hex')
  if (!TOKEN_FORMAT.test(given)) {
    throw new TokenError(`${TOKEN_ENV} must be 16 to 256 characters from A-Z a-z 0-9 . _ ~ - (got ${given.length} characters)`)
  }
  return given
}

/**
 * The cookie's name. Cookies do not tell ports apart, so two viewers on one machine would
 * overwrite each other's cookie under one name; the port keeps them apart.
 */
export const tokenCookieName = (port: number): string => `rootlab-token-${port}`

/** The Set-Cookie value given to the page loaded with the right token. */
export function tokenCookie(port: number, token: string): string {
  return `${tokenCookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`
}

/** Constant-time comparison, so the answer's timing does not reveal a prefix of the token. */
export function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/** True when the request carries the token, as a Bearer credential or as the page's cookie. */
export function isAuthorized(req: IncomingMessage, token: string, port: number): boolean {
  const auth = req.headers.authorization
  if (auth !== undefined) {
    const m = /^Bearer +(\S+)\s*$/i.exec(auth)
    return m !== null && sameToken(m[1]!, token)
  }
  const fromCookie = cookieValue(req.headers.cookie, tokenCookieName(port))
  return fromCookie !== null && sameToken(fromCookie, token)
}

/** The printed URL: the server's root with `?token=` (and `&file=` when given). */
export function viewerUrl(base: string, token: string, file: string | null): string {
  return `${base}?token=${encodeURIComponent(token)}${file === null ? '' : `&file=${encodeURIComponent(file)}`}`
}
