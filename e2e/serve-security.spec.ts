/**
 * The browser viewer's page-level defences, seen from a real browser: the token (the printed URL
 * admits the page, nothing else does, and the token leaves the address bar), the CSP header is
 * sent and enforced (an inline script does not run), there is no window.lab (the page talks
 * HTTP), and a request naming another host is refused. Transport details are unit-tested in
 * electron/server/lab-server.test.ts.
 */
import { expect, test, waitForIdle } from './helpers/lab'

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

test('the printed URL admits a fresh browser, keeps the token out of sight, and nothing else admits it', async ({ lab, browser }) => {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    // Without the token: the page loads (it is public), its API calls are refused.
    await page.goto(lab.serve.url)
    const refused = await page.evaluate(`fetch('/api/listSessions', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
    }).then(async (r) => [r.status, (await r.json()).error])`) as [number, string]
    expect(refused[0]).toBe(401)
    expect(refused[1]).toMatch(/^not authorized: open the URL that rootlab serve printed/)
    await expect(page.getByText(/not authorized/).first()).toBeVisible()

    // The printed URL: the app works, the address bar and the page's scripts do not show the token.
    await page.goto(lab.serve.pageUrl())
    await waitForIdle(page)
    await expect(page.locator('section[role=region][aria-label^="vCPU "]').first()).toBeVisible()
    expect(page.url()).not.toContain('token')
    // The page then writes the moment it shows into the address (?file=&seq=), never the token.
    expect(new URL(page.url()).origin + new URL(page.url()).pathname).toBe(lab.serve.url)
    expect(new URL(page.url()).searchParams.has('token')).toBe(false)
    expect(await page.evaluate('document.cookie')).not.toContain(lab.serve.token)
    const cookies = await context.cookies(lab.serve.url)
    expect(cookies).toEqual([expect.objectContaining({ value: lab.serve.token, httpOnly: true, sameSite: 'Strict' })])
  } finally {
    await context.close()
  }
})
