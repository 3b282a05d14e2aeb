import { describe, expect, it, vi } from 'vitest'
import { LAB_REQUEST_NAMES } from '../api/contract'
import type { LabService } from '../service/lab-service'

const handlers = new Map<string, (e: unknown, a: unknown) => Promise<unknown>>()
const sent: [string, unknown][] = []
vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, h: (e: unknown, a: unknown) => Promise<unknown>) => void handlers.set(ch, h),
    removeHandler: (ch: string) => void handlers.delete(ch),
  },
  BrowserWindow: {
    getAllWindows: () => [{ isDestroyed: () => false, webContents: { send: (ch: string, p: unknown) => void sent.push([ch, p]) } }],
  },
}))

describe('LabApi over IPC', () => {
  it('registers one handler per request, answers trusted senders only, and forwards events', async () => {
    const { registerLabIpc } = await import('./ipc')
    let emit: (e: string, p: unknown) => void = () => {}
    const service = {
      call: vi.fn(async (name: string) => ({ ok: true, value: name })),
      onAny: (l: (e: string, p: unknown) => void) => ((emit = l), () => {}),
    } as unknown as LabService
    const off = registerLabIpc({ service, isTrusted: (e) => (e as unknown as { ok: boolean }).ok })
    expect([...handlers.keys()].sort()).toEqual(LAB_REQUEST_NAMES.map((n) => `lab:${n}`).sort())

    expect(await handlers.get('lab:listSessions')!({ ok: true }, {})).toEqual({ ok: true, value: 'listSessions' })
    expect(await handlers.get('lab:listSessions')!({ ok: false }, {})).toEqual({
      ok: false, error: 'listSessions: refused: the request does not come from a Root Lab window',
    })
    expect(service.call).toHaveBeenCalledTimes(1)

    emit('recordingProgress', { fraction: 1 })
    expect(sent).toEqual([['lab:recordingProgress', { fraction: 1 }]])
    off()
    expect(handlers.size).toBe(0)
  })
})
