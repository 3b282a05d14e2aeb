/**
 * The shape of `window.lab`, the only thing the preload exposes to the renderer (Electron).
 * Type-only: the renderer imports it with `import type`.
 *
 * - `invoke(name, args)`: sends LabApi request `name` (one of LAB_REQUEST_NAMES) over IPC channel
 *   `ipcChannel(name)`; resolves with its LabResult and never rejects (an unknown name or a
 *   refused sender is an `{ ok: false, error }` too).
 * - `on(event, listener)`: subscribes to a pushed event, one of LAB_EVENT_NAMES (menu commands
 *   are the `menuCommand` event); the listener gets the payload only, never Electron's event
 *   object. Returns the unsubscribe function.
 * - `platform`: always 'electron' (the browser viewer has no window.lab).
 */
import type { LabEventName, LabEvents, LabResult } from '../api/contract'

export type { LabMenuCommand } from '../api/contract'

export interface LabBridge {
  invoke(name: string, args: unknown): Promise<LabResult<unknown>>
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
  on(event: string, listener: (payload: unknown) => void): () => void
  platform: 'electron'
}
