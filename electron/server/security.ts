/**
 * The browser viewer's defences. The server listens on 127.0.0.1 only, but a web page the user
 * visits can still make the browser talk to it, so:
 * - Host must name the loopback address and our port (DNS rebinding: evil.example resolved to
 *   127.0.0.1 would otherwise read the API as same-origin);
 * - a request that says where it comes from (Origin, Sec-Fetch-Site) must come from this origin;
 * - POST bodies must be JSON, which a cross-site form cannot send without a CORS preflight that
 *   we never answer;
 * - every response carries the app's CSP and nosniff.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** The CSP of renderer/index.html, sent as a header too: no inline scripts, nothing from elsewhere. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ')

/** Headers sent with every response. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  res.setHeader('X-Content-Type-Options', 'nosniff')
  res.setHeader('X-Frame-Options', 'DENY')
  res.setHeader('Referrer-Policy', 'no-referrer')
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
}

/** The Host values this server answers to. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`])
}

/** Why a request must be refused, or null when it may proceed. */
export function refusal(req: IncomingMessage, port: number): string | null {
  const host = (req.headers.host ?? '').toLowerCase()
  if (!allowedHosts(port).has(host)) return `refused: Host "${host.slice(0, 100)}" is not this viewer (use http://127.0.0.1:${port}/)`
  const origin = req.headers.origin
  if (origin !== undefined && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
    return `refused: cross-origin request from ${origin.slice(0, 100)}`
  }
  const site = req.headers['sec-fetch-site']
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `refused: cross-site request (${site})`
  return null
}
