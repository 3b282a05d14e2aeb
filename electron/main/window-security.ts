/**
 * Security defaults of every Root Lab window (Electron's security checklist): an isolated,
 * sandboxed renderer without Node, no new windows, no navigation away from the app, no
 * webviews, no permissions. http(s) links (kernel source references) open in the user's browser.
 */
import { shell, type WebContents } from 'electron'

export { secureWebPreferences } from './web-preferences'

function openExternally(url: string): void {
  try {
    const u = new URL(url)
    if (u.protocol === 'https:' || u.protocol === 'http:') void shell.openExternal(u.href)
  } catch {
    // not a URL: ignore
  }
}

/** Applies the navigation and window-opening rules to a window's contents. */
export function lockDownContents(contents: WebContents, isAppUrl: (url: string) => boolean): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternally(url)
    return { action: 'deny' }
  })
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) {
      e.preventDefault()
      openExternally(url)
    }
  })
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault()
  })
  contents.on('will-attach-webview', (e) => e.preventDefault())
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false))
  contents.session.setPermissionCheckHandler(() => false)
}
