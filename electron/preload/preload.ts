/**
 * The preload of every Root Lab window (sandboxed, context-isolated; built as CommonJS).
 * Exposes exactly `window.lab` = { invoke, on, platform } (bridge.ts): only the contract's
 * request and event names pass, on the channels the contract derives. The renderer never sees
 * ipcRenderer or an IpcRendererEvent.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { ipcChannel, LAB_EVENT_NAMES, LAB_REQUEST_NAMES, type LabResult } from '../api/contract'
import type { LabBridge } from './bridge'

const requests = new Set<string>(LAB_REQUEST_NAMES)
const events = new Set<string>(LAB_EVENT_NAMES)

const bridge: LabBridge = {
  invoke(name: string, args: unknown): Promise<LabResult<unknown>> {
    if (typeof name !== 'string' || !requests.has(name)) {
      return Promise.resolve({ ok: false, error: `unknown request "${String(name).slice(0, 64)}"` })
    }
    return (ipcRenderer.invoke(ipcChannel(name), args) as Promise<LabResult<unknown>>).catch((e: unknown) => ({
      ok: false as const,
      error: `${name}: ${e instanceof Error ? e.message.split('\n')[0] : 'IPC failed'}`,
    }))
  },
  on(event: string, listener: (payload: never) => void): () => void {
    if (typeof event !== 'string' || !events.has(event) || typeof listener !== 'function') {
      throw new Error(`window.lab.on: unknown event "${String(event).slice(0, 64)}"`)
    }
    const channel = ipcChannel(event)
    const handler = (_e: IpcRendererEvent, payload: unknown) => (listener as (p: unknown) => void)(payload)
    ipcRenderer.on(channel, handler)
    return () => void ipcRenderer.removeListener(channel, handler)
  },
  platform: 'electron',
}

contextBridge.exposeInMainWorld('lab', bridge)
