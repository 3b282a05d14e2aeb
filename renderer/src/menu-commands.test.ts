import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { installBridge, setLab } from './api/lab'
import { subscribeMenuCommands, type MenuUi } from './menu-commands'
import { useSessionStore } from './stores/session'
import { fakeBridge, flush, type FakeBridge } from './test-support'

const INFO = { session: 's1', path: '/tmp/a.rootlab', transitions: 1000, vcpus: 2, policy: 'free-obsolete' }
let bridge: FakeBridge
let ui: { [K in keyof MenuUi]: ReturnType<typeof vi.fn> }
let off: () => void

beforeEach(() => {
  setActivePinia(createPinia())
  setLab(null)
  bridge = fakeBridge({
    openSession: (a) => ({ ...INFO, path: a.path }),
    openDefaultSession: () => INFO,
    closeSession: () => null,
  })
  ui = { newSession: vi.fn(), about: vi.fn(), shortcuts: vi.fn() }
  off = subscribeMenuCommands(installBridge(bridge), ui)
})

describe('menu commands (menuCommand event)', () => {
  it('newSession, about and shortcuts open their dialogs', () => {
    bridge.emit('menuCommand', { command: 'newSession' })
    bridge.emit('menuCommand', { command: 'about' })
    bridge.emit('menuCommand', { command: 'shortcuts' })
    expect(ui.newSession).toHaveBeenCalledOnce()
    expect(ui.about).toHaveBeenCalledOnce()
    expect(ui.shortcuts).toHaveBeenCalledOnce()
    expect(bridge.calls).toEqual([])
  })

  it('openSession opens that file and shows it', async () => {
    bridge.emit('menuCommand', { command: 'openSession', path: '/data/b.rootlab' })
    await flush()
    expect(bridge.calls).toEqual([{ name: 'openSession', args: { path: '/data/b.rootlab' } }])
    expect(useSessionStore().info?.path).toBe('/data/b.rootlab')
  })

  it('openSession that fails shows the error and keeps the current session', async () => {
    const s = useSessionStore()
    await s.openDefault()
    bridge.handlers.openSession = () => ({ ok: false, error: '/x.rootlab is not a Root Lab session' })
    bridge.emit('menuCommand', { command: 'openSession', path: '/x.rootlab' })
    await flush()
    expect(s.error).toBe('/x.rootlab is not a Root Lab session')
    expect(s.info?.path).toBe('/tmp/a.rootlab')
  })

  it('exportSession exports the current session there and says where and how big', async () => {
    const s = useSessionStore()
    await s.openDefault()
    bridge.handlers.exportSession = (a) => ({ out: a.out, bytes: 2048 })
    bridge.emit('menuCommand', { command: 'exportSession', format: 'perfetto', out: '/tmp/t.json' })
    await flush()
    expect(bridge.calls.at(-1)).toEqual({ name: 'exportSession', args: { session: 's1', format: 'perfetto', out: '/tmp/t.json' } })
    expect(s.notice).toMatch(/Perfetto trace to \/tmp\/t\.json \(2\.0 KiB \(2,048 bytes\)\)/)
    expect(s.error).toBeNull()
  })

  it('exportSession shows the server\'s error, and refuses without a session', async () => {
    const s = useSessionStore()
    bridge.emit('menuCommand', { command: 'exportSession', format: 'db', out: '/tmp/c.rootlab' })
    await flush()
    expect(s.error).toBe('Export: no session is open.')
    expect(bridge.calls).toEqual([])
    await s.openDefault()
    bridge.handlers.exportSession = () => ({ ok: false, error: '/tmp/c.rootlab was not chosen in a Save dialog' })
    bridge.emit('menuCommand', { command: 'exportSession', format: 'db', out: '/tmp/c.rootlab' })
    await flush()
    expect(s.error).toBe('/tmp/c.rootlab was not chosen in a Save dialog')
    expect(s.notice).toBeNull()
  })

  it('closeSession closes the current session, leaving none open', async () => {
    const s = useSessionStore()
    await s.openDefault()
    bridge.emit('menuCommand', { command: 'closeSession' })
    await flush()
    expect(bridge.calls.at(-1)).toEqual({ name: 'closeSession', args: { session: 's1' } })
    expect(s.info).toBeNull()
    expect(s.id).toBeNull()
  })

  it('unsubscribes', () => {
    off()
    bridge.emit('menuCommand', { command: 'about' })
    expect(ui.about).not.toHaveBeenCalled()
  })
})

describe('useSessionStore.record (the New session dialog)', () => {
  it('records a scenario, tracks progress, and resolves with the new session', async () => {
    const s = useSessionStore()
    let seen: unknown = null
    bridge.handlers.startRecording = (a) => {
      expect(a).toEqual({ source: { type: 'scenario', scenario: 'mixed', vcpus: 3, steps: 100, seed: 7 }, policy: 'reload-all', out: 'n.rootlab' })
      setTimeout(() => {
        bridge.emit('recordingProgress', { recording: 'r1', ops: 40, total_ops: 0, transitions: 400, fraction: 0.4 })
        seen = { ...s.recordings[0] }
        bridge.emit('recordingFinished', { recording: 'r1', ok: true, session: { ...INFO, session: 's2' }, error: null, cancelled: false })
      }, 0)
      return { recording: 'r1', out: '/srv/n.rootlab' }
    }
    const started = vi.fn()
    const r = await s.record({ type: 'scenario', scenario: 'mixed', vcpus: 3, steps: 100, seed: 7 }, 'reload-all', 'n.rootlab', started)
    expect(started).toHaveBeenCalledWith('r1')
    expect(seen).toMatchObject({ recording: 'r1', fraction: 0.4, ops: 40, transitions: 400 })
    expect(r).toEqual({ session: { ...INFO, session: 's2' }, cancelled: false, error: null })
    expect(s.recordings).toEqual([])
    expect(s.error).toBeNull()
  })

  it('passes on the server\'s refusal as it is, without the error banner', async () => {
    const s = useSessionStore()
    const msg = 'bad.json: op 3 (cr3): field "pgd" 0xa010 is not page aligned (4 KiB)'
    bridge.handlers.startRecording = () => {
      setTimeout(() => bridge.emit('recordingFinished', { recording: 'r1', ok: false, session: null, error: msg, cancelled: false }), 0)
      return { recording: 'r1', out: '/srv/x.rootlab' }
    }
    const r = await s.record({ type: 'script', name: 'bad.json', text: '{}' }, 'free-obsolete')
    expect(r).toEqual({ session: null, cancelled: false, error: msg })
    expect(s.error).toBeNull()
  })

  it('a cancelled recording resolves with the incomplete session', async () => {
    const s = useSessionStore()
    bridge.handlers.startRecording = () => ({ recording: 'r1', out: '/srv/x.rootlab' })
    bridge.handlers.cancelRecording = () => {
      setTimeout(() => bridge.emit('recordingFinished', {
        recording: 'r1', ok: false, session: { ...INFO, session: 's3', complete: false }, error: 'recording cancelled', cancelled: true,
      }), 0)
      return null
    }
    const r = s.record({ type: 'scenario', scenario: 'mixed', vcpus: 1, steps: 10_000_000, seed: 1 }, 'free-obsolete', undefined, (id) => void s.cancelRecording(id))
    const out = await r
    expect(out.cancelled).toBe(true)
    expect(out.session?.session).toBe('s3')
  })
})
