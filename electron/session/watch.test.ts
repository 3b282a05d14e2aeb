/**
 * Watches on real session files, held to a brute-force scan of the history: the model's
 * transitions replayed one by one from the initial state, the watched part of the state compared
 * (as JSON) after every transition. find (forward, backward, any budget), several watches at
 * once, the history with values, and the watch list kept in the file.
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apply_transition } from '../../sim/apply'
import { hpa_sp, is_obsolete_sp, kvm_create } from '../../sim/state'
import type { Transition } from '../../sim/transitions'
import type { kvm, Op, Policy } from '../../sim/types'
import { openSession, recordSession, SessionError, type Session } from './index'
import { modelRun, SMALL_TUNING, tempDir, type ModelRun } from './testing/fixtures'
import { randomOps } from './testing/random-ops'
import { watchLabel } from './watch-plan'
import type { FieldWatch, Watch } from './watch-types'

const tmp = tempDir()
afterAll(() => tmp.cleanup())

const VCPUS = 4

/** The part of the state a watch looks at, as JSON (independent of watch-plan.ts). */
function brute(w: FieldWatch): (k: kvm) => string {
  switch (w.type) {
    case 'slot': return (k) => JSON.stringify(w.slot === 0 ? k.vcpus[w.vcpu]!.root_mmu.root : k.vcpus[w.vcpu]!.root_mmu.prev_roots[w.slot - 1])
    case 'requests': return (k) => JSON.stringify(k.vcpus[w.vcpu]!.requests)
    case 'page': return (k) => {
      const p = k.mmu_pages[w.sp]
      if (!p) return w.field === 'exists' ? 'false' : 'null'
      const all = { ...p, obsolete: is_obsolete_sp(k, p), exists: true }
      switch (w.field) {
        case undefined: return JSON.stringify(all)
        case 'invalid': return JSON.stringify(p.role.invalid)
        case 'active': return JSON.stringify(p.on_active_list)
        default: return JSON.stringify(all[w.field])
      }
    }
  }
}

/** Every seq at which the watched part changed, by replaying every transition. */
function changes(model: ModelRun, w: FieldWatch): number[] {
  const k = kvm_create({ vcpus: VCPUS, n_max_mmu_pages: 1024 })
  const read = brute(w)
  let prev = read(k)
  const out: number[] = []
  for (const t of model.transitions) {
    apply_transition(k, t)
    const v = read(k)
    if (v !== prev) out.push(t.seq)
    prev = v
  }
  return out
}

/** A root page whose write_flooding_count a kvm_mmu_new_pgd hit resets from above 0. */
function clearedByNewPgd(model: ModelRun): number {
  const k = kvm_create({ vcpus: VCPUS, n_max_mmu_pages: 1024 })
  for (const t of model.transitions) {
    if (t.kind === 'kvm_mmu_new_pgd' && t.hit) {
      const sp = hpa_sp(k.vcpus[t.vcpu!]!.root_mmu.root.hpa)
      if ((k.mmu_pages[sp]?.write_flooding_count ?? 0) > 0) return sp
    }
    apply_transition(k, t)
  }
  throw new Error('no kvm_mmu_new_pgd hit clears a flooding count in this session')
}

/** The non-root page named by the most transitions. */
function busiestLeaf(model: ModelRun): number {
  const n = new Map<number, number>()
  for (const t of model.transitions) {
    if (t.kind === 'kvm_mmu_get_page' && t.level < 4) n.set(t.sp, (n.get(t.sp) ?? 0) + 1)
  }
  return [...n].sort((a, b) => b[1] - a[1])[0]![0]
}

const next = (xs: number[], from: number): number | null => xs.find((x) => x > from) ?? null
const prev = (xs: number[], from: number): number | null => {
  let best: number | null = null
  for (const x of xs) if (x < from) best = x
  return best
}

function probes(n: number, count: number, seed: number): number[] {
  let x = seed
  const out = [0, 1, n, n + 1]
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0
    out.push(x % (n + 1))
  }
  return out
}

describe.each(['free-obsolete-buggy', 'free-obsolete'] as Policy[])('watches on a session recorded under %s', (policy) => {
  let model: ModelRun
  let s: Session
  let file: string
  let watches: FieldWatch[]
  const ops: Op[] = [...randomOps({ vcpus: VCPUS, count: 2500, seed: 11, memslotRate: 1 / 400 })]

  beforeAll(() => {
    model = modelRun(ops, VCPUS, policy)
    file = tmp.file(`${policy}.rootlab`)
    recordSession({ source: { type: 'ops', name: 'watch-test', vcpus: VCPUS, ops }, policy, out: file, tuning: SMALL_TUNING })
    s = openSession(file)
    // pages: a root zapped in use (a zombie under the buggy policy), a root whose flooding count
    // a kvm_mmu_new_pgd hit clears (the secondary trigger), a busy non-root page, one never created
    const zapped = model.transitions.find((t) => t.kind === 'kvm_mmu_prepare_zap_page' && t.root_count > 0)
    const pages = [zapped && 'sp' in zapped ? zapped.sp : 1, clearedByNewPgd(model), busiestLeaf(model), 100_000]
    expect(new Set(pages).size).toBe(pages.length)
    watches = [
      ...[0, 1, 2, 3].map((slot) => ({ type: 'slot', vcpu: slot % VCPUS, slot }) as const),
      { type: 'slot', vcpu: 2, slot: 2 },
      { type: 'requests', vcpu: 1 },
      { type: 'requests', vcpu: 3 },
      ...pages.flatMap((sp) => [
        { type: 'page', sp } as const,
        ...(['root_count', 'invalid', 'obsolete', 'write_flooding_count', 'active', 'exists'] as const).map((field) => ({ type: 'page', sp, field }) as const),
      ]),
    ]
  })
  afterAll(() => s?.close())

  it('the history of every watched value equals the replay, with values before and after', () => {
    for (const w of watches) {
      const expected = changes(model, w)
      if (w.type !== 'page' || w.field) {
        const ref = w.type === 'page' ? { type: 'sp' as const, sp: w.sp, field: w.field! } : w
        expect(s.fieldHistory(ref, 0, undefined, 100_000).seqs, watchLabel(w)).toEqual(expected)
      }
      const got = s.fieldChanges(w, 0, undefined, 100_000)
      expect(got.truncated).toBe(false)
      expect(got.changes.map((c) => c.seq), watchLabel(w)).toEqual(expected)
      for (let i = 0; i < got.changes.length; i++) {
        const c = got.changes[i]!
        expect(c.before, `${watchLabel(w)} at ${c.seq}`).not.toBe(c.after)
        expect(c.kind).toBe(model.transitions[c.seq - 1]!.kind)
        if (i > 0) expect(c.before).toBe(got.changes[i - 1]!.after)
      }
    }
  })

  it('a continue to one watch finds the next and the previous change from any seq', async () => {
    const total = model.transitions.length
    for (const w of watches) {
      const expected = changes(model, w)
      // random seqs, and around each change (up to 12 of them)
      const around = expected.filter((_, i) => i % Math.ceil(expected.length / 12) === 0).flatMap((c) => [c - 1, c, c + 1])
      for (const from of [...probes(total, 12, w.type.length + (w.type === 'page' ? w.sp : w.vcpu)), ...around]) {
        const f = await s.findWatches([w], from, 'next')
        expect(f, `${watchLabel(w)} next from ${from}`).toMatchObject({ seq: next(expected, from), done: true })
        const b = await s.findWatches([w], from, 'prev')
        expect(b, `${watchLabel(w)} prev from ${from}`).toMatchObject({ seq: prev(expected, from), done: true })
        if (f.seq !== null) expect(f.hits).toEqual([0])
      }
    }
  })

  it('several watches at once stop at the nearest change of any, naming each that changed there', async () => {
    const total = model.transitions.length
    const sets: FieldWatch[][] = [
      [watches[0]!, watches[5]!, watches[7]!],
      [watches[7]!, { type: 'page', sp: 100_000 }, watches[3]!],
      [watches[1]!, watches[1]!],
    ]
    for (const set of sets) {
      const lists = set.map((w) => changes(model, w))
      for (const from of probes(total, 10, set.length * 7)) {
        const n = lists.map((l) => next(l, from)).filter((x): x is number => x !== null)
        const p = lists.map((l) => prev(l, from)).filter((x): x is number => x !== null)
        const wantN = n.length ? Math.min(...n) : null
        const wantP = p.length ? Math.max(...p) : null
        const f = await s.findWatches(set, from, 'next')
        expect(f.seq).toBe(wantN)
        expect(f.hits).toEqual(wantN === null ? [] : lists.flatMap((l, i) => (l.includes(wantN) ? [i] : [])))
        expect((await s.findWatches(set, from, 'prev')).seq).toBe(wantP)
      }
    }
  })

  it('a continue reports its progress, and a cancelled one says how far it got', async () => {
    const total = model.transitions.length
    const w = { type: 'page', sp: 100_000 } as const
    const seen: number[] = []
    const done = await s.findWatches([w, watches[1]!, watches[8]!], 0, 'next', { onProgress: (r) => seen.push(r) })
    expect(done.done).toBe(true)
    const never = await s.findWatches([w], 0, 'next', { onProgress: (r) => seen.push(r) })
    expect(never).toEqual({ seq: null, hits: [], reached: total, done: true })
    expect(seen).toEqual([...seen].sort((x, y) => x - y))
    // cancelled before it starts: nothing examined
    const ctl = new AbortController()
    ctl.abort()
    expect(await s.findWatches([watches[2]!], total, 'prev', { signal: ctl.signal })).toEqual({ seq: null, hits: [], reached: total, done: false })
    // cancelled while a condition runs: it stops, saying how far it got
    const ctl2 = new AbortController()
    const r = await s.findWatches([{ type: 'where', expr: 'seq < 0' }], 0, 'next', { where: s.whereInProcess(), signal: ctl2.signal, onProgress: () => ctl2.abort() })
    expect(r.seq).toBeNull()
    expect(r.reached).toBeLessThanOrEqual(total)
  })

  it('conditions and state watches together stop at the nearest of all', async () => {
    const total = model.transitions.length
    // each condition as SQL (run by the real engine) and as the replay's predicate
    const conds: Record<string, (t: Transition) => boolean> = {
      "kind = 'kvm_mmu_free_roots' AND vcpu = 2": (t) => t.kind === 'kvm_mmu_free_roots' && t.vcpu === 2,
      "kind = 'kvm_arch_flush_shadow_memslot'": (t) => t.kind === 'kvm_arch_flush_shadow_memslot',
      'kind = \'kvm_mmu_prepare_zap_page\' AND root_count > 1': (t) => t.kind === 'kvm_mmu_prepare_zap_page' && t.root_count > 1,
      "kind = 'no_such_kind'": () => false,
    }
    const [frees, memslot, zapShared, never] = Object.keys(conds) as [string, string, string, string]
    const where = s.whereInProcess()
    const seqsOf = (p: (t: Transition) => boolean) => model.transitions.filter(p).map((t) => t.seq)
    const sets: Watch[][] = [
      [{ type: 'where', expr: frees }],
      [{ type: 'where', expr: never }, watches[6]!],
      [watches[0]!, { type: 'where', expr: memslot }, { type: 'where', expr: frees }],
      [{ type: 'page', sp: 100_000 }, { type: 'where', expr: zapShared }],
    ]
    for (const set of sets) {
      const lists = set.map((w) => (w.type === 'where' ? seqsOf(conds[w.expr]!) : changes(model, w)))
      for (const from of probes(total, 6, set.length * 13)) {
        for (const dir of ['next', 'prev'] as const) {
          const each = lists.map((l) => (dir === 'next' ? next(l, from) : prev(l, from)))
          const found = each.filter((x): x is number => x !== null)
          const want = found.length ? (dir === 'next' ? Math.min(...found) : Math.max(...found)) : null
          const r = await s.findWatches(set, from, dir, { where })
          expect(r.seq, `${set.map(watchLabel).join(', ')} ${dir} from ${from}`).toBe(want)
          expect(r.hits).toEqual(want === null ? [] : each.flatMap((x, i) => (x === want ? [i] : [])))
        }
      }
    }
  })

  it('refuses watches that name nothing in the session', async () => {
    await expect(s.findWatches([{ type: 'slot', vcpu: 9, slot: 0 }], 0, 'next')).rejects.toThrow(/vcpu 9 does not exist/)
    await expect(s.findWatches([{ type: 'slot', vcpu: 0, slot: 4 }], 0, 'next')).rejects.toThrow(/slot must be 0/)
    await expect(s.findWatches([{ type: 'page', sp: 0 }], 0, 'next')).rejects.toThrow(/sp must be an integer >= 1/)
    await expect(s.findWatches([{ type: 'page', sp: 3, field: 'gfn' as never }], 0, 'next')).rejects.toThrow(/unknown shadow-page field "gfn"/)
    await expect(s.findWatches([], 0, 'next')).rejects.toThrow(/no watch/)
    await expect(s.findWatches([{ type: 'where', expr: 'vcpu = 1' }], 0, 'next')).rejects.toThrow(/SQL engine/)
    await expect(s.findWatches([watches[0]!], -1, 'next')).rejects.toThrow(SessionError)
  })
})

describe('the watch list kept in the session file', () => {
  it('adds, lists, disables and removes watches, also in a file made before the table existed', () => {
    const file = tmp.file('old.rootlab')
    recordSession({ source: { type: 'ops', name: 'old', vcpus: 2, ops: [...randomOps({ vcpus: 2, count: 50, seed: 1 })] }, policy: 'free-obsolete', out: file })
    // a file of the first schema has no watches table
    const raw = new Database(file)
    raw.exec('DROP TABLE watches')
    raw.close()
    const s = openSession(file)
    try {
      expect(s.watches()).toEqual([])
      const a = s.addWatch({ type: 'slot', vcpu: 1, slot: 2 })
      const b = s.addWatch({ type: 'where', expr: "  kind = 'kvm_mmu_free_roots' AND vcpu = 1 " })
      const c = s.addWatch({ type: 'page', sp: 8, field: 'root_count' })
      expect(b.watch).toEqual({ type: 'where', expr: "kind = 'kvm_mmu_free_roots' AND vcpu = 1" })
      s.setWatchEnabled(a.id, false)
      s.removeWatch(c.id)
      expect(s.watches().map((w) => [w.id, w.watch, w.enabled])).toEqual([[a.id, a.watch, false], [b.id, b.watch, true]])
      expect(() => s.removeWatch(c.id)).toThrow(`watch ${c.id} does not exist`)
      expect(() => s.addWatch({ type: 'slot', vcpu: 2, slot: 0 })).toThrow('vcpu 2 does not exist (the session has vCPUs 0 to 1)')
      expect(() => s.addWatch({ type: 'where', expr: ' ' })).toThrow('a where watch needs an SQL expression')
      expect(() => s.addWatch({ type: 'nope' })).toThrow('unknown watch type "nope"')
    } finally {
      s.close()
    }
    // kept in the file: a new open sees them
    const again = openSession(file)
    try {
      expect(again.watches()).toHaveLength(2)
    } finally {
      again.close()
    }
  })
})
