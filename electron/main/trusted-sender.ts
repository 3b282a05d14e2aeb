/**
 * IPC is accepted only from the app's own page, in one of the app's windows: the sender's
 * webContents must belong to a window we created, and the frame must be the top frame showing
 * our renderer (file://…/out/renderer/index.html, or electron-vite's dev server). A page that
 * got navigated elsewhere, or an iframe, is refused even inside our window.
 */
import { pathToFileURL } from 'node:url'

/** What the app's renderer is loaded from. */
export type RendererLocation = { kind: 'file'; path: string } | { kind: 'dev'; url: string }

/** True when `frameUrl` is the app's renderer at `location`. */
export function isAppUrl(frameUrl: string, location: RendererLocation): boolean {
  let u: URL
  try {
    u = new URL(frameUrl)
  } catch {
    return false
  }
  if (location.kind === 'file') {
    const expected = pathToFileURL(location.path)
    return u.protocol === 'file:' && u.host === '' && decodeURIComponent(u.pathname) === decodeURIComponent(expected.pathname)
  }
  return u.origin === new URL(location.url).origin
}

/** The parts of an IPC event the check needs (Electron's IpcMainInvokeEvent has them). */
export interface SenderInfo {
  sender: { id: number }
  senderFrame: { url: string; parent: unknown } | null
}

/** True when the event comes from the top frame of one of `windowIds`' pages showing our renderer. */
export function isTrustedSender(e: SenderInfo, windowIds: ReadonlySet<number>, location: RendererLocation): boolean {
  const frame = e.senderFrame
  return windowIds.has(e.sender.id) && frame !== null && frame.parent === null && isAppUrl(frame.url, location)
}
