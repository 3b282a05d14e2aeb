/**
 * A stand-in for the session layer, for tests of the service and its transports only: sessions
 * are small JSON files of synthetic transitions. It keeps the session layer's observable rules
 * that the service relies on (refuses to overwrite without force, refuses foreign files with one
 * sentence, honours the abort signal between batches, reports progress).
 */
import { readFileSync, writeFileSync, existsSync, copyFileSync } from 'node:fs'
import { kvm_create } from '../../../sim/state'
import { state_view } from '../../../sim/view'
import type { Bookmark, SavedWatch, SessionInfo, TransitionRow } from '../../api/contract'
import type { RecordOptions, SessionHandle, SessionLayer } from '../session-port'

interface FakeFile {
  format: 'fake-rootlab'
  info: Omit<SessionInfo, 'session' | 'path'>
  transitions: TransitionRow[]
  bookmarks: Bookmark[]
}

function record(o: RecordOptions) {
  if (existsSync(o.out) && !o.force) throw new Error(`${o.out} already exists (use --force to overwrite)`)
  const vcpus = o.source.type === 'script' ? 1 : o.source.vcpus
  const steps = o.source.type === 'scenario' ? o.source.steps : o.source.type === 'ops' ? [...o.source.ops].length : 10
  const transitions: TransitionRow[] = []
  let complete = true
  for (let op = 0; op < steps; op++) {
    if (o.signal?.aborted) {
      complete = false
      break
    }
    transitions.push({ seq: transitions.length + 1, op, kind: 'vcpu_enter_guest', vcpu: op % vcpus })
    if (op % 100 === 99 || op === steps - 1) {
      o.onProgress?.({ ops: op + 1, total_ops: steps, transitions: transitions.length, fraction: (op + 1) / steps })
    }
  }
  const file: FakeFile = {
    format: 'fake-rootlab',
    info: {
      schema_version: 1, app_version: 'test', model_version: 'test', policy: o.policy,
      scenario: o.source.type === 'scenario' ? o.source.scenario : o.source.name,
      seed: o.source.type === 'scenario' ? o.source.seed : null, vcpus, params: {},
      transitions: transitions.length, operations: transitions.length, findings: 0, root_zaps: 0,
      complete, started: '2026-01-01T00:00:00Z', finished: complete ? '2026-01-01T00:00:01Z' : null,
      digest: complete ? 'fake' : null,
    },
    transitions,
    bookmarks: [],
  }
  writeFileSync(o.out, JSON.stringify(file))
  return { file: o.out, transitions: transitions.length }
}

function open(path: string): SessionHandle {
  let f: FakeFile
  try {
    f = JSON.parse(readFileSync(path, 'utf8')) as FakeFile
    if (f.format !== 'fake-rootlab') throw new Error()
  } catch {
    throw new Error(`${path} is not a Root Lab session`)
  }
  const save = () => writeFileSync(path, JSON.stringify(f))
  const end = f.transitions.length
  const checkSeq = (seq: number) => {
    if (seq > end) throw new Error(`seq ${seq} is past the end of the session (${end})`)
  }
  const filter = (q: { kinds?: string[]; vcpu?: number }) => f.transitions.filter((t) =>
    (!q.kinds || q.kinds.includes(t.kind)) && (q.vcpu === undefined || t.vcpu === q.vcpu))
  let closed = false
  let watches: SavedWatch[] = []
  const live = () => {
    if (closed) throw new Error('session is closed')
  }
  return {
    path,
    info: () => ({ ...f.info, path }),
    view: (seq, opts) => (live(), checkSeq(seq), state_view(kvm_create({ vcpus: f.info.vcpus, n_max_mmu_pages: 64 }), seq, opts)),
    transitions: (q) => filter(q).filter((t) => t.seq >= (q.from ?? 0) && t.seq <= (q.to ?? end)).slice(0, q.limit),
    countTransitions: (q) => {
      const rows = filter(q)
      const i = q.at === undefined ? -1 : rows.findIndex((t) => t.seq >= q.at!)
      return { count: rows.length, index_of_at: i < 0 ? null : i }
    },
    transitionsByIndex: (q) => filter(q).slice(q.index, q.index + (q.limit ?? 500)),
    find: (from, direction, target) => {
      const kind = typeof target === 'object' ? target.kind : null
      const rows = f.transitions.filter((t) => t.kind === kind)
      return (direction === 'next' ? rows.find((t) => t.seq > from) : rows.reverse().find((t) => t.seq < from)) ?? null
    },
    fieldHistory: () => ({ seqs: [], truncated: false }),
    diff: () => [],
    density: (buckets, from = 0, to = end) => ({
      from, to, width: Math.max(1, Math.ceil((to - from) / buckets)), groups: { other: new Array<number>(buckets).fill(0) }, markers: [],
    }),
    sql: (query) => {
      if (!/^\s*select\b/i.test(query)) throw new Error('only SELECT statements are allowed')
      return { columns: ['n'], rows: [[end]], truncated: false, ms: 0 }
    },
    operations: (from = 0, limit = 1000) => f.transitions.slice(from, from + limit).map((t) => ({
      index: t.op, op: { op: 'run', vcpu: t.vcpu ?? 0 }, first_seq: t.seq, last_seq: t.seq,
    })),
    bookmarks: () => [...f.bookmarks],
    addBookmark: (seq, note) => {
      checkSeq(seq)
      const b = { id: f.bookmarks.reduce((m, x) => Math.max(m, x.id), 0) + 1, seq, note, created: '2026-01-01T00:00:00Z' }
      f.bookmarks.push(b)
      save()
      return b
    },
    removeBookmark: (id) => {
      if (!f.bookmarks.some((b) => b.id === id)) throw new Error(`no bookmark ${id}`)
      f.bookmarks = f.bookmarks.filter((b) => b.id !== id)
      save()
    },
    exportDb: (out) => copyFileSync(path, out),
    exportPerfetto: (out) => writeFileSync(out, JSON.stringify({ traceEvents: [] })),
    kernelSummary: () => null,
    kernelEvents: () => [],
    // Watches: a stand-in that finds nothing and keeps its list in memory.
    findWatches: async (_w, from) => ({ seq: null, hits: [], reached: from, done: true }),
    fieldChanges: () => ({ changes: [], truncated: false }),
    findingGroups: async () => ({ groups: [], zombies: 0, peak: null }),
    watches: () => [...watches],
    addWatch: (watch) => {
      const w = { id: watches.length + 1, watch, label: watch.type, enabled: true, created: '2026-01-01T00:00:00Z' }
      watches.push(w)
      return w
    },
    removeWatch: (id) => {
      if (!watches.some((w) => w.id === id)) throw new Error(`watch ${id} does not exist`)
      watches = watches.filter((w) => w.id !== id)
    },
    setWatchEnabled: (id, enabled) => {
      const w = watches.find((x) => x.id === id)
      if (!w) throw new Error(`watch ${id} does not exist`)
      w.enabled = enabled
    },
    // every vCPU in guest mode for the whole range, every slot INVALID_PAGE, nothing pending
    lanes: (from, to, columns) => (live(), checkSeq(to), {
      from, to, columns, mode: 'exact' as const, block: 0, complete: true, progress: 1, covered: to,
      vcpus: Array.from({ length: f.info.vcpus }, (_, vcpu) => ({
        vcpu, guest: [from, to + 1, 100], slots: [0, 1, 2, 3].map(() => [from, to + 1, 3, -1]), requests: [],
      })),
    }),
    close: () => void (closed = true),
  }
}

/** The stand-in layer. */
export const fakeSessionLayer: SessionLayer = {
  recordSession: record,
  openSession: open,
  compareSessions: (a, b) => {
    const sum = (h: SessionHandle) => {
      const i = h.info()
      return { policy: i.policy, transitions: i.transitions, stats: {}, counters: {}, findings: i.findings }
    }
    return {
      a: sum(a), b: sum(b), diverged_at_op: null, diverged_at: null, diverged_at_transition: null, stats_delta: {}, counters_delta: {},
      op_end_seq: { a: [], b: [] },
    }
  },
}
