/**
 * `rootlab serve` prints `http://127.0.0.1:PORT/?token=TOKEN`. The server answers that page load
 * with an HttpOnly cookie holding the token (electron/server/auth.ts), which the browser then
 * sends with every API request and the event stream; the page itself never needs the token.
 * So the renderer takes it out of the address bar at once: it is not kept in the history, shown
 * on screen or shared with a copied link, and the page's scripts do not carry it around.
 */

/** `search` without its `token` parameter ("" when nothing is left), or null if it has none. */
export function searchWithoutToken(search: string): string | null {
  const q = new URLSearchParams(search)
  if (!q.has('token')) return null
  q.delete('token')
  const rest = q.toString()
  return rest ? `?${rest}` : ''
}

/** Replaces the current history entry with the same URL minus `?token=` (no reload). */
export function dropTokenFromAddressBar(
  win: { location: { pathname: string; search: string; hash: string }; history: { replaceState(data: unknown, unused: string, url: string): void } },
): void {
  const search = searchWithoutToken(win.location.search)
  if (search === null) return
  win.history.replaceState(null, '', `${win.location.pathname}${search}${win.location.hash}`)
}
