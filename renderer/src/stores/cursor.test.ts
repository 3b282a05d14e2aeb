import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { installBridge, pendingRequests, setLab } from '../api/lab'
import { createClient } from '../api/client'
import { prefetchBoot, takePrefetchedMoment } from '../lib/prefetch'
import { fakeBridge, flush, type FakeBridge } from '../test-support'
import { useCursorStore } from './cursor'
import { useSessionStore } from './session'

const INFO = { session: 's1', path: '/tmp/a.rootlab', transitions: 100, vcpus: 2, policy: 'free-obsolete' }
const stateAt = (a: Record<string, unknown>) => ({
  seq: a.seq, root_level: 4, vcpus: [], shadow_pages: [], mmu_valid_gen: 0, n_used_mmu_pages: 0, n_max_mmu_pages: 64, stats: {}, counters: {}, findings: 0,
  ...(a.transition ? { transition: (a.seq as number) > 0 ? { seq: a.seq, op: 1, kind: 'kvm_mmu_prepare_zap_page', vcpu: 0, sp: 3 } : null } : {}),
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
    // one request: the state with its transition; the diff is computed here. Then the next
    // two steps' moments are asked for ahead.
    await flush()
    expect(bridge.calls.slice(before)).toEqual([
      { name: 'stateAt', args: { session: 's1', seq: 11, pages: 'roots', transition: true } },
      { name: 'stateAt', args: { session: 's1', seq: 12, pages: 'roots', transition: true } },
      { name: 'stateAt', args: { session: 's1', seq: 13, pages: 'roots', transition: true } },
    ])
    expect(cursor.current?.seq).toBe(11)
  })

  it('shows a step from the moment asked for ahead, and asks for the one after', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    await cursor.stepForward()
    await flush()
    const n = bridge.calls.length
    await cursor.stepForward()
    await flush()
    expect(cursor.state?.seq).toBe(12)
    expect(cursor.current?.seq).toBe(12)
    expect(bridge.calls.slice(n).map((c) => c.args.seq)).toEqual([14])
    // back: 11 and 10 were shown (kept): what 11 changed is computed from 10; no request but
    // 9 and 8, asked for ahead (backwards one more: what 9 changed is computed from 8)
    const m = bridge.calls.length
    await cursor.stepBack()
    await flush()
    expect(cursor.state?.seq).toBe(11)
    expect(cursor.changed.has('vcpus')).toBe(false)
    expect(bridge.calls.slice(m).map((c) => [c.name, c.args.seq])).toEqual([['stateAt', 9], ['stateAt', 8]])
    await cursor.stepBack()
    await flush()
    expect(cursor.state?.seq).toBe(10)
    expect(bridge.calls.slice(m).map((c) => [c.name, c.args.seq])).toEqual([['stateAt', 9], ['stateAt', 8], ['stateAt', 7]])
  })

  it('a step whose moment is still on its way waits for that request, and a jump asks nothing ahead', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    bridge.hold = true
    const first = cursor.stepForward()
    await flush()
    const n = bridge.calls.length // the step's request is n - 1
    await bridge.releaseInOrder([n - 1])
    await first
    await flush() // the requests for 12 (n) and 13, asked for ahead, are held
    expect(bridge.calls.slice(n).map((c) => c.args.seq)).toEqual([12, 13])
    const step = cursor.stepForward()
    await flush()
    expect(bridge.calls.length).toBe(n + 2)
    bridge.hold = false
    await bridge.releaseInOrder([n])
    await step
    await flush()
    expect(cursor.state?.seq).toBe(12)
    const m = bridge.calls.length
    await cursor.goTo(50)
    await flush()
    expect(bridge.calls.slice(m).filter((c) => c.name === 'stateAt').map((c) => c.args.seq)).toEqual([50])
  })

  it('shows the first moment from the opening the page sent at boot (lib/prefetch.ts), without asking again', async () => {
    bridge.handlers.openSession = (a) => ({ ...INFO, ...(a.at ? { at: stateAt(a.at as Record<string, unknown>) } : {}) })
    prefetchBoot(createClient(bridge), '?file=%2Ftmp%2Fa.rootlab&seq=7')
    await flush()
    // one request for the session and its moment: openSession's `at`
    expect(bridge.calls.map((c) => c.name)).toEqual(['catalog', 'openSession'])
    expect(bridge.calls[1]!.args).toEqual({ path: '/tmp/a.rootlab', at: { seq: 7, pages: 'roots', transition: true } })
    const info = await useSessionStore().openFile('/tmp/a.rootlab')
    expect(info).not.toHaveProperty('at') // the store keeps the session, not the moment
    const cursor = useCursorStore()
    await cursor.goTo(7)
    expect(cursor.state?.seq).toBe(7)
    expect(cursor.current?.seq).toBe(7)
    expect(bridge.calls.filter((c) => c.name === 'openSession' || (c.name === 'stateAt' && c.args.seq === 7))).toHaveLength(1)
    // taken once: it is the cursor's now (its moments), not the boot's
    expect(takePrefetchedMoment('s1', 7)).toBeNull()
  })

  it('asks for a first moment written as "end" once the opening says where that is', async () => {
    bridge.handlers.openSession = () => INFO
    prefetchBoot(createClient(bridge), '?file=%2Ftmp%2Fa.rootlab&seq=end')
    await flush()
    expect(bridge.calls.map((c) => [c.name, c.args.seq])).toEqual([['catalog', undefined], ['openSession', undefined], ['stateAt', 100]])
    expect(bridge.calls[1]!.args).toEqual({ path: '/tmp/a.rootlab' })
    expect(takePrefetchedMoment('s1', 100)).not.toBeNull()
  })

  it('does not keep an answer that was an error, nor the moments of a session closed', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    bridge.handlers.stateAt = () => ({ ok: false, error: 'stateAt: the session file is damaged' })
    await cursor.stepForward()
    await flush()
    expect(cursor.error).toBe('stateAt: the session file is damaged')
    bridge.handlers.stateAt = stateAt
    await cursor.stepForward() // 12: its ahead answer was the error, forgotten: asked again
    expect(cursor.state?.seq).toBe(12)
    expect(cursor.error).toBeNull()
    cursor.reset()
    const n = bridge.calls.length
    await cursor.goTo(12)
    expect(bridge.calls.slice(n).filter((c) => c.name === 'stateAt').map((c) => c.args.seq)).toEqual([12])
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
    const a = cursor.goTo(5) // calls n (diff), n+1 (stateAt)
    const b = cursor.goTo(6) // calls n+2, n+3
    await flush()
    // the newer moment answers first, then the older one
    await bridge.releaseInOrder([n + 2, n + 3, n, n + 1])
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

describe('useCursorStore: which shadow pages it asks for', () => {
  const root = (sp: number) => ({
    sp, gfn: '0xa', level: 4, root_count: 1, invalid: false, obsolete: false, mmu_valid_gen: 0,
    write_flooding_count: 0, unsync: false, active: true, held_by: ['0:0'], in_roots_scope: true,
  })
  const lower = (sp: number) => ({ ...root(sp), gfn: '0x99', level: 1, root_count: 0, held_by: [], in_roots_scope: false })
  /** A session of pages 1 (a root) and 2..4 (lower levels); at seq >= 20 root page 9 exists too. */
  const scoped = (a: Record<string, unknown>) => {
    const all = [root(1), lower(2), lower(3), lower(4), ...((a.seq as number) >= 20 ? [root(9)] : [])]
    const pages = a.pages === 'roots' ? all.filter((p) => p.level === 4) : all
    return {
      ...stateAt(a), shadow_pages: pages,
      ...(a.pages === 'roots' ? { shadow_pages_scope: 'roots', shadow_pages_total: all.length } : {}),
    }
  }
  const stateCalls = (from: number) => bridge.calls.slice(from).filter((c) => c.name === 'stateAt').map((c) => c.args)

  beforeEach(() => {
    bridge.handlers.stateAt = scoped
  })

  it('asks for the root pages only on a step and while scrubbing', async () => {
    await openSession()
    const cursor = useCursorStore()
    const n = bridge.calls.length
    await cursor.goTo(10)
    await cursor.stepForward()
    cursor.beginScrub()
    await cursor.goTo(30)
    await cursor.endScrub()
    await flush()
    // goTo, the step, the two moments after it asked for ahead, the scrub and its end
    expect(stateCalls(n).map((a) => a.pages)).toEqual(['roots', 'roots', 'roots', 'roots', 'roots', 'roots'])
    expect(cursor.state?.shadow_pages.map((p) => p.sp)).toEqual([1, 9])
    expect(cursor.state?.shadow_pages_total).toBe(5)
  })

  it('re-fetches the shown moment with every page when a view needs them all, and asks for all until it closes', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    const diffBefore = cursor.diff
    const n = bridge.calls.length
    const release = cursor.needAllPages()
    await flush()
    expect(stateCalls(n)).toEqual([{ session: 's1', seq: 10, pages: 'all' }])
    expect(cursor.state?.seq).toBe(10)
    expect(cursor.state?.shadow_pages.map((p) => p.sp)).toEqual([1, 2, 3, 4])
    expect(cursor.state?.shadow_pages_scope).toBeUndefined()
    expect(cursor.diff).toBe(diffBefore) // the same moment: what changed is kept
    await cursor.stepForward()
    await flush()
    expect(stateCalls(n).slice(-3)).toEqual([
      { session: 's1', seq: 11, pages: 'all', transition: true },
      { session: 's1', seq: 12, pages: 'all', transition: true }, // asked for ahead
      { session: 's1', seq: 13, pages: 'all', transition: true },
    ])
    release()
    release() // twice is once
    expect(cursor.pageScope).toBe('roots')
    await cursor.stepForward() // the moment asked for ahead lists every page: asked again
    expect(cursor.state?.shadow_pages_scope).toBe('roots')
    await flush()
    expect(stateCalls(n).slice(-3)).toMatchObject([{ seq: 12, pages: 'roots' }, { seq: 13, pages: 'roots' }, { seq: 14, pages: 'roots' }]) // 13, 14: ahead
  })

  it('does not report pages as removed when the scope narrows between two steps', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(19)
    const release = cursor.needAllPages()
    await flush()
    expect(cursor.state?.shadow_pages).toHaveLength(4)
    release()
    const n = bridge.calls.length
    await cursor.stepForward() // all pages at 19 -> root pages at 20: page 9 appeared, 2..4 unlisted
    expect(bridge.calls.slice(n).map((c) => c.name)).not.toContain('diff')
    expect(cursor.diff.map((e) => e.path)).toEqual(['shadow_pages[9]'])
  })

  it('asks the Node side for the diff when the root-scoped lists cannot tell', async () => {
    await openSession()
    const cursor = useCursorStore()
    // at seq 6 a lower page is held by a slot (listed); at 7 it is not listed: unheld or freed?
    bridge.handlers.stateAt = (a) => {
      const v = scoped(a)
      return (a.seq as number) === 6 ? { ...v, shadow_pages: [...v.shadow_pages, { ...lower(3), held_by: ['1:2'], in_roots_scope: true }] } : v
    }
    await cursor.goTo(6)
    const n = bridge.calls.length
    await cursor.stepForward()
    expect(bridge.calls.slice(n).filter((c) => c.name === 'diff').map((c) => c.args)).toEqual([{ session: 's1', a: 6, b: 7 }])
    expect(cursor.diff.map((e) => e.path)).toEqual(['vcpus[0].prev_roots[1].sp'])
  })

  it('a refresh that lands after a newer moment was shown is dropped', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(10)
    bridge.hold = true
    const n = bridge.calls.length
    cursor.needAllPages()
    const step = cursor.stepForward() // asked with every page, as the view is open
    await flush()
    await bridge.releaseInOrder([n + 1, n + 2, n]) // the step (transition, state) first, then the refresh of 10
    bridge.hold = false
    await step
    await flush()
    expect(cursor.state?.seq).toBe(11)
    expect(cursor.state?.shadow_pages).toHaveLength(4)
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

describe('the jump stack', () => {
  it('keeps jumps (not steps) for back and forward, as a browser keeps pages', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(0)
    expect(cursor.canBack).toBe(false)
    await cursor.goTo(10) // a jump
    await cursor.stepForward() // a step: no entry, but back returns here, not to 10
    await cursor.stepForward()
    await cursor.goTo(50) // a jump from 12
    expect(cursor.jumps).toEqual([0, 12, 50])
    cursor.back()
    await flush()
    expect(cursor.seq).toBe(12)
    cursor.back()
    await flush()
    expect(cursor.seq).toBe(0)
    expect(cursor.canBack).toBe(false)
    cursor.forward()
    await flush()
    expect(cursor.seq).toBe(12)
    // a new jump drops the entries after the current one
    await cursor.goTo(70)
    expect(cursor.jumps).toEqual([0, 12, 70])
    expect(cursor.canForward).toBe(false)
  })

  it('counts a scrub that moved, and a finding / zap jump, as one jump each', async () => {
    await openSession()
    const cursor = useCursorStore()
    await cursor.goTo(5)
    cursor.beginScrub()
    await cursor.goTo(20)
    await cursor.goTo(30)
    await cursor.endScrub()
    expect(cursor.jumps).toEqual([5, 30])
    await cursor.jump('root_zap', 'next')
    expect(cursor.jumps).toEqual([5, 30, 42])
    cursor.back()
    await flush()
    expect(cursor.seq).toBe(30)
  })

  it('hands jumps to a mirror (the browser history), which then walks the stack', async () => {
    await openSession()
    const cursor = useCursorStore()
    const seen: string[] = []
    cursor.setJumpMirror({ push: (i, from, to) => seen.push(`push ${i} ${from}->${to}`), back: () => seen.push('back'), forward: () => seen.push('forward') })
    await cursor.goTo(3)
    await cursor.goTo(9)
    cursor.back()
    expect(seen).toEqual(['push 1 3->9', 'back']) // the first moment shown is not a jump
    // the mirror answers with restore (popstate), naming the entry and its seq
    await cursor.restore(0, 3)
    expect([cursor.seq, cursor.jumpIndex, cursor.canForward]).toEqual([3, 0, true])
    cursor.setJumpMirror(null)
  })
})
