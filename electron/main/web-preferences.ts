/**
 * The webPreferences of every Root Lab window (Electron's security checklist): an isolated,
 * sandboxed renderer without Node, web security on, no webviews. Apart from window-security.ts
 * (which needs Electron at run time) so that electron/main/security-settings.test.ts can pin it.
 */
import type { BrowserWindowConstructorOptions } from 'electron'

/** webPreferences for a window whose preload is `preload` (a CommonJS file). */
export function secureWebPreferences(preload: string): BrowserWindowConstructorOptions['webPreferences'] {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  }
}

