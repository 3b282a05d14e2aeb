import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply_transition } from '../../sim/apply'
import { transitions_digest } from '../../sim/digest'
import { kvm_create } from '../../sim/state'
import { is_root_zap, type Transition } from '../../sim/transitions'
import { POLICIES, type kvm, type Op, type Policy } from '../../sim/types'
import { state_view } from '../../sim/view'
import { KIND_GROUPS } from './kind-groups'
import { openSession, recordSession, SessionError, type FieldRef, type Session } from './index'
import { modelRun, scenarioOps, SMALL_TUNING, tempDir, type ModelRun } from './testing/fixtures'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

/** Deterministic pseudo-random seqs in [0, n]. */
function seqs(n: number, count: number, seed: number): number[] {
  let x = seed
  const out = [0, n, 1]
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out.push(x % (n + 1))
  }
  return out
}

const VCPUS = 3
const ops: Op[] = scenarioOps('mixed', VCPUS, 1200, 7)

describe.each(POLICIES)('a session recorded under %s', (policy: Policy) => {
  let model: ModelRun
  let s: Session
  let file: string
  let probe: number[]
  beforeAll(() => {
    const first = modelRun(ops, VCPUS, policy)
    probe = seqs(first.transitions.length, 40, policy.length)
    model = modelRun(ops, VCPUS, policy, probe)
    file = tmp.file(`${policy}.rootlab`)
    recordSession({ source: { type: 'ops', name: 'mixed-test', vcpus: VCPUS, ops, scenario: 'mixed', seed: 7 }, policy, out: file, tuning: SMALL_TUNING })
    s = openSession(file)
  })
  afterAll(() => s?.close())

  it('stateAt(seq) deep-equals the model state at random seqs', () => {
    for (const q of probe) expect(s.stateAt(q), `seq ${q}`).toEqual(model.snapshots.get(q))
  })

  it('view(seq) is state_view of the model state, also when stepping back and forth', () => {
    for (const q of [...probe].sort((a, b) => a - b).slice(0, 12)) {
      expect(s.view(q)).toEqual(state_view(model.snapshots.get(q)!, q))
      expect(s.view(Math.max(0, q - 1)).seq).toBe(Math.max(0, q - 1))
      expect(s.view(q)).toEqual(state_view(model.snapshots.get(q)!, q))
    }
  })

  it('stores every transition and the digest of the canonical stream', () => {
    const info = s.info()
    expect(info.transitions).toBe(model.transitions.length)
    expect(info.operations).toBe(ops.length)
    expect(info.complete).toBe(true)
    expect(info.policy).toBe(policy)
    expect(info.digest).toBe(transitions_digest(model.transitions))
    expect(s.digest()).toBe(info.digest)
    expect(s.transitions({ from: 1, limit: 10_000 })).toEqual(model.transitions.slice(0, 10_000))
    expect(s.opEndSeqs()).toEqual(model.opEnds)
  })

  it('export then reopen gives the same digest and info', () => {
    const out = tmp.file(`${policy}-copy.rootlab`)
    const r = s.exportDb(out)
    expect(r.bytes).toBeGreaterThan(0)
    const c = openSession(out)
    try {
      expect(c.digest()).toBe(s.info().digest)
      const { path: _a, ...x } = c.info()
      const { path: _b, ...y } = s.info()
      expect(x).toEqual(y)
    } finally {
      c.close()
    }
    expect(() => s.exportDb(out)).toThrow(/already exists/)
  })

  it('filters transitions by kind, vCPU and sp like a scan of the model stream', () => {
    const brute = (f: (t: Transition) => boolean, from = 1, to = Infinity) => model.transitions.filter((t) => t.seq >= from && t.seq <= to && f(t))
    const zapKinds = ['kvm_mmu_prepare_zap_page', 'kvm_mmu_free_page']
    expect(s.transitions({ from: 1, kinds: zapKinds, limit: 10_000 })).toEqual(brute((t) => zapKinds.includes(t.kind)).slice(0, 10_000))
    expect(s.transitions({ from: 500, to: 4000, vcpu: 2, limit: 10_000 })).toEqual(brute((t) => t.vcpu === 2, 500, 4000))
    const sp = 17
    const bySp = brute((t) => (t as unknown as { sp?: number }).sp === sp || (t as unknown as { child?: number }).child === sp)
    expect(s.transitions({ from: 1, sp, limit: 10_000 })).toEqual(bySp)
    expect(s.countTransitions({ sp })).toEqual({ count: bySp.length, index_of_at: null })
    const allocs = brute((t) => t.kind === 'mmu_alloc_root' && t.vcpu === 1)
    const at = model.transitions.length >> 1
    expect(s.countTransitions({ kinds: ['mmu_alloc_root'], vcpu: 1, at })).toEqual({ count: allocs.length, index_of_at: allocs.filter((t) => t.seq < at).length })
    expect(s.transitionsByIndex({ kinds: ['mmu_alloc_root'], vcpu: 1, index: 5, limit: 7 })).toEqual(allocs.slice(5, 12))
    expect(s.transitionsByIndex({ sp, index: 2, limit: 3 })).toEqual(bySp.slice(2, 5))
    expect(() => s.transitions({ from: 1, kinds: ['nope'] })).toThrow(/unknown transition kind "nope"/)
    expect(() => s.transitions({ from: 1, vcpu: 9 })).toThrow(/vcpu 9 does not exist/)
  })

  it('finds the next and previous root zap, finding, memslot and kind from any seq', () => {
    const zaps = model.transitions.filter(is_root_zap).map((t) => t.seq)
    const memslots = model.transitions.filter((t) => t.kind === 'kvm_arch_flush_shadow_memslot').map((t) => t.seq)
    const findings = model.transitions.filter((t) => t.kind === 'finding').map((t) => t.seq)
    const loads = model.transitions.filter((t) => t.kind === 'kvm_mmu_load').map((t) => t.seq)
    expect(zaps.length).toBeGreaterThan(0)
    expect(memslots.length).toBeGreaterThan(0)
    for (const from of probe.slice(0, 15)) {
      const next = (xs: number[]) => xs.find((x) => x > from) ?? null
      const prev = (xs: number[]) => [...xs].reverse().find((x) => x < from) ?? null
      expect(s.find(from, 'next', 'root_zap')?.seq ?? null).toBe(next(zaps))
      expect(s.find(from, 'prev', 'root_zap')?.seq ?? null).toBe(prev(zaps))
      expect(s.find(from, 'next', 'memslot')?.seq ?? null).toBe(next(memslots))
      expect(s.find(from, 'prev', 'finding')?.seq ?? null).toBe(prev(findings))
      expect(s.find(from, 'next', { kind: 'kvm_mmu_load' })?.seq ?? null).toBe(next(loads))
      expect(s.find(from, 'prev', { kind: 'kvm_mmu_load' })?.seq ?? null).toBe(prev(loads))
    }
    expect(s.find(0, 'next', 'root_zap')).toEqual(model.transitions[zaps[0]! - 1])
    expect(s.info().root_zaps).toBe(zaps.length)
  })

  it('gives the exact history of a root slot, requests and shadow-page fields', () => {
    const history = (read: (k: kvm) => unknown, from = 0, to = model.transitions.length) => {
      const k = kvm_create({ vcpus: VCPUS, n_max_mmu_pages: 1024 })
      const out: number[] = []
      const value = (x: kvm) => JSON.stringify(read(x))
      let prev = value(k)
      for (const t of model.transitions) {
        apply_transition(k, t)
        const v = value(k)
        if (t.seq > from && t.seq <= to && v !== prev) out.push(t.seq)
        prev = v
      }
      return out
    }
    const cases: [FieldRef, (k: kvm) => unknown][] = [
      [{ type: 'slot', vcpu: 2, slot: 2 }, (k) => k.vcpus[2]!.root_mmu.prev_roots[1]],
      [{ type: 'slot', vcpu: 0, slot: 0 }, (k) => k.vcpus[0]!.root_mmu.root],
      [{ type: 'requests', vcpu: 1 }, (k) => k.vcpus[1]!.requests],
      [{ type: 'sp', sp: 17, field: 'root_count' }, (k) => k.mmu_pages[17]?.root_count ?? null],
      [{ type: 'sp', sp: 3, field: 'invalid' }, (k) => k.mmu_pages[3]?.role.invalid ?? null],
      [{ type: 'sp', sp: 5, field: 'exists' }, (k) => k.mmu_pages[5] !== undefined],
      [{ type: 'sp', sp: 2, field: 'write_flooding_count' }, (k) => k.mmu_pages[2]?.write_flooding_count ?? null],
    ]
    for (const [field, read] of cases) {
      const expected = history(read)
      expect(s.fieldHistory(field, 0, undefined, 100_000), JSON.stringify(field)).toEqual({ seqs: expected, truncated: false })
    }
    const mid = model.transitions.length >> 1
    expect(s.fieldHistory(cases[0]![0], 100, mid, 100_000).seqs).toEqual(history(cases[0]![1], 100, mid))
    const limited = s.fieldHistory(cases[2]![0], 0, undefined, 3)
    expect(limited).toEqual({ seqs: history(cases[2]![1]).slice(0, 3), truncated: true })
    expect(() => s.fieldHistory({ type: 'slot', vcpu: 7, slot: 0 })).toThrow(SessionError)
  })

  it('diffs two moments by readable paths', () => {
    const a = probe[3]!
    const b = probe[4]!
    const d = s.diff(a, b)
    const va = state_view(model.snapshots.get(a)!, a)
    const vb = state_view(model.snapshots.get(b)!, b)
    for (const e of d.filter((x) => x.path.startsWith('stats.'))) {
      const key = e.path.slice(6) as keyof typeof va.stats
      expect([e.before, e.after]).toEqual([va.stats[key], vb.stats[key]])
    }
    expect(d.some((e) => e.path.startsWith('stats.'))).toBe(JSON.stringify(va.stats) !== JSON.stringify(vb.stats))
    expect(s.diff(a, a)).toEqual([])
  })

  it('counts density per kind group; exact when zoomed in, totals kept over the whole session', () => {
    const n = model.transitions.length
    const whole = s.density(37)
    const total = KIND_GROUPS.reduce((sum, g) => sum + whole.groups[g]!.reduce((x, y) => x + y, 0), 0)
    expect(total).toBe(n)
    const exact = s.density(10, 101, 1100)
    expect(exact.width).toBe(100)
    const bucket3 = model.transitions.slice(400, 500)
    expect(KIND_GROUPS.reduce((sum, g) => sum + exact.groups[g]![3]!, 0)).toBe(bucket3.length)
    expect(exact.groups.faults![3]).toBe(bucket3.filter((t) => t.kind === 'page_fault').length)
    const firstZap = model.transitions.find(is_root_zap)!.seq
    expect(whole.markers.find((m) => m.type === 'root_zap')?.seq).toBe(firstZap)
  })

  it('lists the operations with their seq ranges, enough to re-run the session', () => {
    const page = s.operations(10, 5)
    expect(page.map((o) => o.op)).toEqual(ops.slice(10, 15))
    expect(page[0]!.first_seq).toBe(model.opEnds[9]! + 1)
    expect(page[4]!.last_seq).toBe(model.opEnds[14])
    expect([...s.allOperations()]).toEqual(ops)
  })
})

describe('bookmarks', () => {
  it('are added and removed on a read-only session and found by find()', () => {
    const file = tmp.file('bm.rootlab')
    recordSession({ source: { type: 'ops', name: 't', vcpus: 2, ops: scenarioOps('context-switch', 2, 100, 3) }, policy: 'free-obsolete', out: file })
    const s = openSession(file)
    try {
      const b1 = s.addBookmark(40, 'look here')
      const b2 = s.addBookmark(10, '')
      expect(s.bookmarks().map((b) => b.seq)).toEqual([10, 40])
      expect(s.find(11, 'next', 'bookmark')?.seq).toBe(40)
      expect(s.find(11, 'prev', 'bookmark')?.seq).toBe(10)
      expect(s.density(Math.min(8192, s.total)).markers.filter((m) => m.type === 'bookmark').map((m) => m.label)).toEqual(['bookmark', 'look here'])
      s.removeBookmark(b1.id)
      expect(s.bookmarks()).toEqual([b2])
      expect(() => s.removeBookmark(999)).toThrow(/bookmark 999 does not exist/)
      expect(() => s.addBookmark(10 ** 9, 'x')).toThrow(/past the end/)
    } finally {
      s.close()
    }
  })
})

describe('recording', () => {
  it('refuses to overwrite without force, and refuses bad input before writing', () => {
    const file = tmp.file('exists.rootlab')
    const src = { type: 'scenario' as const, scenario: 'context-switch', vcpus: 2, steps: 20, seed: 1 }
    recordSession({ source: src, policy: 'reload-all', out: file })
    expect(() => recordSession({ source: src, policy: 'reload-all', out: file })).toThrow(/already exists \(use --force/)
    expect(recordSession({ source: src, policy: 'reload-all', out: file, force: true }).complete).toBe(true)
    expect(() => recordSession({ source: { ...src, vcpus: 0 }, policy: 'reload-all', out: tmp.file('x.rootlab') })).toThrow(/vcpus must be an integer from 1/)
    expect(() => recordSession({ source: { type: 'script', name: 'bad.json', text: '{"vcpus": 1, "ops": [{"op": "run", "vcpu": 3}]}' }, policy: 'reload-all', out: tmp.file('y.rootlab') }))
      .toThrow(/bad\.json: op 0 \(run\): field "vcpu" is 3, out of range/)
    expect(() => recordSession({ source: src, policy: 'nope' as Policy, out: tmp.file('z.rootlab') })).toThrow(/unknown policy "nope"/)
  })

  it('reports progress and, when cancelled, leaves a valid incomplete session', () => {
    const file = tmp.file('cancel.rootlab')
    const abort = new AbortController()
    const seen: number[] = []
    const all = scenarioOps('process-churn', 4, 4000, 2)
    const r = recordSession({
      source: { type: 'ops', name: 'c', vcpus: 4, ops: all }, policy: 'free-obsolete', out: file, signal: abort.signal,
      tuning: { ...SMALL_TUNING, commitMs: 0 },
      onProgress: (p) => {
        seen.push(p.ops)
        expect(p.total_ops).toBe(all.length)
        if (p.ops > 1000) abort.abort()
      },
    })
    expect(r.cancelled).toBe(true)
    expect(r.complete).toBe(false)
    expect(r.digest).toBeNull()
    expect(seen.length).toBeGreaterThan(1)
    const s = openSession(file)
    try {
      const info = s.info()
      expect(info.complete).toBe(false)
      expect(info.digest).toBeNull()
      expect(info.operations).toBe(r.operations)
      const model = modelRun(all.slice(0, r.operations), 4, 'free-obsolete')
      expect(info.transitions).toBe(model.transitions.length)
      expect(s.digest()).toBe(transitions_digest(model.transitions))
      expect(s.stateAt(info.transitions)).toEqual(model.final)
    } finally {
      s.close()
    }
  })

  it('records a script; the scenario name is the script name', () => {
    const file = tmp.file('script.rootlab')
    const text = JSON.stringify({
      vcpus: 2, ops: [{ op: 'cr3', vcpu: 0, pgd: '0xa000' }, { op: 'run', vcpu: 0 }, { op: 'fault', vcpu: 0, gva: '0x7f0000001000' },
        { op: 'pt_write', vcpu: 1, gfn: '0xa' }, { op: 'unprotect', gfn: '0xa' }, { op: 'memslot', action: 'delete' }],
    })
    const r = recordSession({ source: { type: 'script', name: 'demo.json', text }, policy: 'free-obsolete', out: file })
    const s = openSession(file)
    try {
      expect(s.info()).toMatchObject({ scenario: 'demo.json', seed: null, vcpus: 2, operations: 6, transitions: r.transitions, complete: true })
    } finally {
      s.close()
    }
  })
})

describe('reading chunks of default size (2,048 transitions)', () => {
  // A seek's replay reads its chunk only up to the seq, uncached; a lone lookup builds one
  // transition; stepping caches the chunk (store.ts forEach / at). Each path gives the same objects.
  const bigOps: Op[] = scenarioOps('process-churn', 4, 1500, 3)
  let model: ModelRun
  let s: Session
  let probe: number[]
  beforeAll(() => {
    const first = modelRun(bigOps, 4, 'free-obsolete')
    probe = seqs(first.transitions.length, 30, 5)
    model = modelRun(bigOps, 4, 'free-obsolete', probe)
    const file = tmp.file('default-chunks.rootlab')
    recordSession({ source: { type: 'ops', name: 'churn-test', vcpus: 4, ops: bigOps, scenario: 'process-churn', seed: 3 }, policy: 'free-obsolete', out: file })
    s = openSession(file)
  })
  afterAll(() => s?.close())

  it('seeks, lone lookups and steps read the same transitions as the model wrote', () => {
    expect(model.transitions.length).toBeGreaterThan(10_000)
    for (const q of probe) expect(s.stateAt(q), `seq ${q}`).toEqual(model.snapshots.get(q))
    const zaps = model.transitions.filter(is_root_zap)
    for (const z of zaps.filter((_, i) => i % 97 === 0)) {
      // A lone lookup (one transition built), then the same chunk again (decoded and cached).
      expect(s.find(z.seq - 1, 'next', 'root_zap')).toEqual(z)
      expect(s.find(z.seq - 1, 'next', 'root_zap')).toEqual(z)
    }
    const from = probe[3]!
    expect(s.transitions({ from, to: from + 4000, limit: 5000 })).toEqual(model.transitions.slice(from - 1, from + 4000).filter((t) => t.seq <= model.transitions.length))
    // Stepping after a seek: each step replays one transition from the cached state.
    const end = Math.min(probe[4]! + 20, model.transitions.length)
    for (let q = probe[4]!; q <= end; q++) expect(s.view(q).seq).toBe(q)
    expect(s.stateAt(end)).toEqual(modelRun(bigOps, 4, 'free-obsolete', [end]).snapshots.get(end))
  })
})
