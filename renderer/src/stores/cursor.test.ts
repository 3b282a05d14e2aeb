import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { installBridge, pendingRequests, setLab } from '../api/lab'
import { fakeBridge, flush, type FakeBridge } from '../test-support'
import { useCursorStore } from './cursor'
import { useSessionStore } from './session'

const INFO = { session: 's1', path: '/tmp/a.rootlab', transitions: 100, vcpus: 2, policy: 'free-obsolete' }
const stateAt = (a: Record<string, unknown>) => ({
  seq: a.seq, vcpus: [], shadow_pages: [], mmu_valid_gen: 0, n_used_mmu_pages: 0, n_max_mmu_pages: 64, stats: {}, counters: {}, findings: 0,
})

let bridge: FakeBridge

async function openSession(): Promise<void> {
  await useSessionStore().openDefault()
}

beforeEach(() => {
  setActivePinia(createPinia())
  setLab(null)
  bridge = fakeBridge({
    openDefaultSession: () => INFO,
    stateAt,
    transitions: (a) => [{ seq: a.from, op: 1, kind: 'kvm_mmu_prepare_zap_page', vcpu: 0, sp: 3 }],
    diff: () => [{ path: 'vcpus[0].prev_roots[1].sp', before: 3, after: null }],
    findTransition: (a) => (a.direction === 'next' ? { seq: 42, op: 9, kind: 'kvm_mmu_prepare_zap_page', vcpu: 1 } : null),
  })
  installBridge(bridge)
})

describe('useCursorStore', () => {
  it('shows the state, the transition and what changed at the seq it moved to', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    expect(cursor.seq).toBe(10)
    expect(cursor.state?.seq).toBe(10)
    expect(cursor.current?.kind).toBe('kvm_mmu_prepare_zap_page')
    expect(cursor.changed.has('vcpus[0].prev_roots[1]')).toBe(true)
    expect(cursor.changed.has('vcpus[0]')).toBe(true)
    expect(pendingRequests.value).toBe(0)
  })

  it('computes what a step forward changed itself, without asking for a diff', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    const before = bridge.calls.length
    await cursor.stepForward()
    const names = bridge.calls.slice(before).map((c) => c.name)
    expect(names).toContain('stateAt')
    expect(names).not.toContain('diff')
    expect(cursor.current?.seq).toBe(11)
  })

  it('clamps to the session: never before 0 nor after the last transition', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(-5)
    expect(cursor.seq).toBe(0)
    await cursor.goTo(1e9)
    expect(cursor.seq).toBe(100)
    await cursor.stepForward()
    expect(cursor.seq).toBe(100)
  })

  it('drops an answer that arrives after a newer one was shown', async () => {
    await openSession()
    const cursor = useCursorStore()
    bridge.hold = true
    const n = bridge.calls.length
    const a = cursor.goTo(5) // calls n, n+1, n+2
    const b = cursor.goTo(6) // calls n+3, n+4, n+5
    await flush()
    // the newer moment answers first, then the older one
    await bridge.releaseInOrder([n + 3, n + 4, n + 5, n, n + 1, n + 2])
    await Promise.all([a, b])
    expect(cursor.seq).toBe(6)
    expect(cursor.state?.seq).toBe(6)
  })

  it('coalesces scrubbing to the latest seq with one stateAt in flight', async () => {
    await openSession()
    const cursor = useCursorStore()
    cursor.beginScrub()
    bridge.hold = true
    const before = bridge.calls.length
    for (let s = 1; s <= 50; s++) void cursor.goTo(s)
    await flush()
    expect(bridge.calls.slice(before).map((c) => c.name)).toEqual(['stateAt'])
    bridge.release()
    bridge.hold = false
    await flush()
    await flush()
    const asked = bridge.calls.slice(before).filter((c) => c.name === 'stateAt').map((c) => c.args.seq)
    expect(asked).toEqual([1, 50])
    expect(cursor.state?.seq).toBe(50)
    await cursor.endScrub()
    expect(cursor.current?.seq).toBe(50)
  })

  it('jumps to the next root zap, and says so when there is none before', async () => {
    await openSession()
    const cursor = useCursorStore()
    expect(await cursor.jump('root_zap', 'next')).toBe(true)
    expect(cursor.seq).toBe(42)
    expect(bridge.calls.find((c) => c.name === 'findTransition')?.args).toMatchObject({ target: 'root_zap', direction: 'next', from: 0 })
    expect(await cursor.jump('root_zap', 'prev')).toBe(false)
    expect(cursor.notice).toBe('no previous root zap')
    expect(cursor.seq).toBe(42)
  })

  it('shows the API error instead of a state', async () => {
    await openSession()
    bridge.handlers.stateAt = () => ({ ok: false, error: 'stateAt: the session file is damaged' })
    const cursor = useCursorStore()
    await cursor.goTo(3)
    expect(cursor.error).toBe('stateAt: the session file is damaged')
  })
})

describe('useSessionStore', () => {
  it('keeps the error of a file that cannot be opened', async () => {
    bridge.handlers.openSession = () => ({ ok: false, error: 'openSession: /tmp/x.rootlab is not a Root Lab session (bad header)' })
    const s = useSessionStore()
    expect(await s.openFile('/tmp/x.rootlab')).toBeNull()
    expect(s.error).toContain('is not a Root Lab session')
    expect(s.info).toBeNull()
  })

  it('re-runs the operations under another policy and resolves with the new session', async () => {
    await openSession()
    bridge.handlers.startRecording = (a) => {
      expect(a).toEqual({ source: { type: 'session', session: 's1' }, policy: 'free-obsolete-buggy' })
      setTimeout(() => {
        bridge.emit('recordingProgress', { recording: 'r1', ops: 5, total_ops: 10, transitions: 50, fraction: 0.5 })
        bridge.emit('recordingFinished', { recording: 'r1', ok: true, session: { ...INFO, session: 's2', policy: 'free-obsolete-buggy' }, error: null, cancelled: false })
      }, 0)
      return { recording: 'r1', out: '/tmp/b.rootlab' }
    }
    const s = useSessionStore()
    const b = await s.rerunUnder('free-obsolete-buggy')
    expect(b?.session).toBe('s2')
    expect(s.recordings).toEqual([])
  })
})
