import { describe, expect, it } from 'vitest'
import { isAppUrl, isTrustedSender, rendererLocation, type RendererLocation } from './trusted-sender'

const file: RendererLocation = { kind: 'file', path: '/opt/Root Lab/out/renderer/index.html' }
const dev: RendererLocation = { kind: 'dev', url: 'http://localhost:5173/' }

describe('IPC sender check', () => {
  it("accepts the app's own page, with a query or hash", () => {
    expect(isAppUrl('file:///opt/Root%20Lab/out/renderer/index.html', file)).toBe(true)
    expect(isAppUrl('file:///opt/Root%20Lab/out/renderer/index.html?x=1#seq=3', file)).toBe(true)
    expect(isAppUrl('http://localhost:5173/index.html', dev)).toBe(true)
  })

  it('refuses other files, other origins and junk', () => {
    expect(isAppUrl('file:///tmp/evil.html', file)).toBe(false)
    expect(isAppUrl('https://example.com/', file)).toBe(false)
    expect(isAppUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isAppUrl('not a url', file)).toBe(false)
  })

  it('refuses a foreign webContents and a sub-frame', () => {
    const url = 'file:///opt/Root%20Lab/out/renderer/index.html'
    const ids = new Set([3])
    expect(isTrustedSender({ sender: { id: 3 }, senderFrame: { url, parent: null } }, ids, file)).toBe(true)
    expect(isTrustedSender({ sender: { id: 4 }, senderFrame: { url, parent: null } }, ids, file)).toBe(false)
    expect(isTrustedSender({ sender: { id: 3 }, senderFrame: { url, parent: {} } }, ids, file)).toBe(false)
    expect(isTrustedSender({ sender: { id: 3 }, senderFrame: null }, ids, file)).toBe(false)
  })

  it('loads the built renderer when packaged, whatever ELECTRON_RENDERER_URL says', () => {
    const built = '/opt/Root Lab/resources/app.asar/out/renderer/index.html'
    for (const url of ['http://localhost:5173/', 'https://evil.example/', 'file:///tmp/evil.html']) {
      expect(rendererLocation({ ELECTRON_RENDERER_URL: url }, true, built)).toEqual({ kind: 'file', path: built })
    }
    expect(rendererLocation({}, true, built)).toEqual({ kind: 'file', path: built })
  })

  it('takes ELECTRON_RENDERER_URL from `electron-vite dev` only as an http URL on loopback', () => {
    const built = '/src/out/renderer/index.html'
    expect(rendererLocation({ ELECTRON_RENDERER_URL: 'http://localhost:5173/' }, false, built)).toEqual({ kind: 'dev', url: 'http://localhost:5173/' })
    expect(rendererLocation({ ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173' }, false, built)).toEqual({ kind: 'dev', url: 'http://127.0.0.1:5173' })
    for (const url of ['https://evil.example/', 'http://evil.example:5173/', 'http://localhost.evil.example/', 'file:///tmp/x.html', 'http://user:pw@localhost:5173/', 'junk']) {
      expect(rendererLocation({ ELECTRON_RENDERER_URL: url }, false, built)).toEqual({ kind: 'file', path: built })
    }
  })
})
