/**
 * LabApi over Electron IPC: one `ipcMain.handle(ipcChannel(name))` per request of the contract,
 * answering only the app's own pages (trusted-sender.ts), and every pushed event forwarded to
 * every app window on `ipcChannel(event)`. Menu commands go out as the `menuCommand` event (sendMenuCommand).
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron'
import { ipcChannel, LAB_REQUEST_NAMES, type LabRequestName, type LabResult } from '../api/contract'
import type { LabService } from '../service/lab-service'
import type { LabMenuCommand } from '../api/contract'

export interface IpcOptions {
  service: LabService
  /** True when the event comes from one of the app's windows showing the app's page. */
  isTrusted(e: IpcMainInvokeEvent): boolean
  /** Called after a request was answered (e.g. to refresh Open Recent). */
  afterCall?(name: LabRequestName, result: LabResult<unknown>): void
}

/** Registers the handlers; returns a function that removes them. */
export function registerLabIpc(o: IpcOptions): () => void {
  for (const name of LAB_REQUEST_NAMES) {
    ipcMain.handle(ipcChannel(name), async (e, args: unknown): Promise<LabResult<unknown>> => {
      if (!o.isTrusted(e)) return { ok: false, error: `${name}: refused: the request does not come from a Root Lab window` }
      const r = await o.service.call(name, args)
      o.afterCall?.(name, r)
      return r
    })
  }
  const off = o.service.onAny((event, payload) => {
    for (const w of BrowserWindow.getAllWindows()) {
      if (!w.isDestroyed()) w.webContents.send(ipcChannel(event), payload)
    }
  })
  return () => {
    off()
    for (const name of LAB_REQUEST_NAMES) ipcMain.removeHandler(ipcChannel(name))
  }
}

/** Sends a menu command to `win`'s renderer (event `menuCommand`, channel `lab:menuCommand`). */
export function sendMenuCommand(win: BrowserWindow | null | undefined, cmd: LabMenuCommand): void {
  if (win && !win.isDestroyed()) win.webContents.send(ipcChannel('menuCommand'), cmd)
}
