/**
 * IPC is accepted only from the app's own page, in one of the app's windows: the sender's
 * webContents must belong to a window we created, and the frame must be the top frame showing
 * our renderer (file://…/out/renderer/index.html, or electron-vite's dev server). A page that
 * got navigated elsewhere, or an iframe, is refused even inside our window.
 */
import { pathToFileURL } from 'node:url'

/** What the app's renderer is loaded from. */
export type RendererLocation = { kind: 'file'; path: string } | { kind: 'dev'; url: string }

/**
 * Where the window loads the renderer from: the built file, or electron-vite's dev server
 * (`ELECTRON_RENDERER_URL`, set by `electron-vite dev`). The variable is ignored when the app is
 * packaged, and honoured only for an http URL on this machine's loopback otherwise: the window
 * that loads it gets the preload's LabApi bridge, so a variable pointing it at another site
 * would hand that site the user's files.
 */
export function rendererLocation(env: NodeJS.ProcessEnv, isPackaged: boolean, rendererFile: string): RendererLocation {
  const url = env.ELECTRON_RENDERER_URL
  if (!isPackaged && url && isLoopbackHttp(url)) return { kind: 'dev', url }
  return { kind: 'file', path: rendererFile }
}

function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]') && u.username === '' && u.password === ''
  } catch {
    return false
  }
}

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
