import { beforeEach, describe, expect, it, vi } from 'vitest'

const exposed: Record<string, unknown> = {}
const invoke = vi.fn()
const listeners = new Map<string, (e: unknown, p: unknown) => void>()
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (k: string, v: unknown) => void (exposed[k] = v) },
  ipcRenderer: {
    invoke: (...a: unknown[]) => invoke(...a),
    on: (ch: string, h: (e: unknown, p: unknown) => void) => void listeners.set(ch, h),
    removeListener: (ch: string) => void listeners.delete(ch),
  },
}))

type Bridge = { invoke(n: string, a: unknown): Promise<unknown>; on(e: string, l: (p: unknown) => void): () => void; platform: string }

describe('preload bridge (window.lab)', () => {
  let lab: Bridge
  beforeEach(async () => {
    await import('./preload')
    lab = exposed.lab as Bridge
    invoke.mockReset()
  })

  it('exposes exactly invoke, on and platform "electron"', () => {
    expect(Object.keys(exposed)).toEqual(['lab'])
    expect(Object.keys(lab).sort()).toEqual(['invoke', 'on', 'platform'])
    expect(lab.platform).toBe('electron')
  })

  it("sends a contract request on the contract's channel", async () => {
    invoke.mockResolvedValue({ ok: true, value: null })
    expect(await lab.invoke('closeSession', { session: 's1' })).toEqual({ ok: true, value: null })
    expect(invoke).toHaveBeenCalledWith('lab:closeSession', { session: 's1' })
  })

  it('answers an unknown request name with an error result, without IPC', async () => {
    expect(await lab.invoke('__proto__', {})).toEqual({ ok: false, error: 'unknown request "__proto__"' })
    expect(invoke).not.toHaveBeenCalled()
  })

  it('turns an IPC failure into an error result', async () => {
    invoke.mockRejectedValue(new Error("Error invoking remote method 'lab:stateAt': boom\nstack"))
    expect(await lab.invoke('stateAt', {})).toEqual({ ok: false, error: "stateAt: Error invoking remote method 'lab:stateAt': boom" })
  })

  it('passes only the payload of contract events and menu commands, and unsubscribes', () => {
    const got: unknown[] = []
    const off = lab.on('recordingProgress', (p) => got.push(p))
    listeners.get('lab:recordingProgress')!({ sender: 'secret' }, { fraction: 0.5 })
    expect(got).toEqual([{ fraction: 0.5 }])
    off()
    expect(listeners.has('lab:recordingProgress')).toBe(false)
    lab.on('menuCommand', (p) => got.push(p))
    listeners.get('lab:menuCommand')!({}, { command: 'about' })
    expect(got.at(-1)).toEqual({ command: 'about' })
  })

  it('refuses to subscribe to anything else', () => {
    expect(() => lab.on('lab:stateAt', () => {})).toThrow(/unknown event/)
  })
})
