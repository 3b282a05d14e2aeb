/**
 * The browser viewer's page-level defences, seen from a real browser: the CSP header is sent and
 * enforced (an inline script does not run), there is no window.lab (the page talks HTTP), and a
 * request naming another host is refused. Transport details are unit-tested in
 * electron/server/lab-server.test.ts.
 */
import { expect, test } from './helpers/lab'

test('the viewer is served with a strict CSP that blocks inline scripts', async ({ lab, page }) => {
  const res = await page.goto(lab.serve.url)
  expect(res?.headers()['content-security-policy']).toMatch(/script-src 'self'/)
  expect(res?.headers()['x-content-type-options']).toBe('nosniff')
  // Page-side code as strings: this project's Node tsconfig has no DOM types.
  const ran = await page.evaluate(`(() => {
    const s = document.createElement('script')
    s.textContent = 'window.__inline = true'
    document.head.append(s)
    return window.__inline === true
  })()`)
  expect(ran).toBe(false)
  expect(await page.evaluate("'lab' in window")).toBe(false)
})

test('an API request from another origin is refused, the page\'s own is answered', async ({ lab, page }) => {
  await page.goto(lab.serve.url)
  const status = await page.evaluate(`fetch('/api/listSessions', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  }).then((r) => r.status)`)
  expect(status).toBe(200)
  const foreign = await fetch(new URL('/api/listSessions', lab.serve.url), {
    method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{}',
  })
  expect(foreign.status).toBe(403)
})
