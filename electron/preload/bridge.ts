/**
 * The shape of `window.lab`, the only thing the preload exposes to the renderer (Electron).
 * Type-only: the renderer imports it with `import type`.
 *
 * - `invoke(name, args)`: sends LabApi request `name` (one of LAB_REQUEST_NAMES) over IPC channel
 *   `ipcChannel(name)`; resolves with its LabResult and never rejects (an unknown name or a
 *   refused sender is an `{ ok: false, error }` too).
 * - `on(event, listener)`: subscribes to a pushed event, one of LAB_EVENT_NAMES or `'menu'`
 *   (MENU_EVENT); the listener gets the payload only, never Electron's event object. Returns the
 *   unsubscribe function.
 * - `platform`: always 'electron' (the browser viewer has no window.lab).
 */
import type { LabEventName, LabEvents, LabResult } from '../api/contract'

/** The event name of menu commands (IPC channel `lab:menu`). */
export type MenuEventName = 'menu'

/**
 * A command from the application menu, for the renderer to carry out. Paths come from native
 * dialogs, which also allowed them for the service (openSession / exportSession accept them).
 */
export type LabMenuCommand =
  /** File ▸ New Session…: show the recording dialog. */
  | { command: 'newSession' }
  /** File ▸ Open Session… / Open Recent: call openSession({ path }) and show it. */
  | { command: 'openSession'; path: string }
  /** File ▸ Export Session… / Export Perfetto Trace…: call exportSession for the current session. */
  | { command: 'exportSession'; format: 'db' | 'perfetto'; out: string }
  /** File ▸ Close: close the current session. */
  | { command: 'closeSession' }
  /** Help ▸ About Root Lab. */
  | { command: 'about' }
  /** Help ▸ Keyboard Shortcuts. */
  | { command: 'shortcuts' }

export interface LabBridge {
  invoke(name: string, args: unknown): Promise<LabResult<unknown>>
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
  on(event: MenuEventName, listener: (payload: LabMenuCommand) => void): () => void
  on(event: string, listener: (payload: unknown) => void): () => void
  platform: 'electron'
}
