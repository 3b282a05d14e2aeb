/**
 * An open session file: time travel (stateAt = nearest checkpoint + bounded replay), queries,
 * bookmarks, exports. Every method is synchronous and throws SessionError with one sentence
 * naming the file or the argument; a damaged file is reported, never crashed on.
 */
import { quote } from '../../sim/quote'
import { metaProblem } from './meta-check'
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { Bookmark, DensityResult, FindingGroups, KernelEventRow, KernelSummary, SqlResult, TransitionRow } from './results'
import { apply_transition } from '../../sim/apply'
import { is_transition_kind, TRANSITION_KINDS, type Transition } from '../../sim/transitions'
import { POLICIES, type kvm, type Op, type Policy } from '../../sim/types'
import { state_view, type PageScope, type StateView } from '../../sim/view'
import { canonicalEncode } from './canonical'
import { create_byte_writer } from '../../sim/digest'
import { CheckpointReader } from './checkpoints'
import { KIND_INDEX } from './codec'
import { density } from './density'
import { SessionError } from './errors'
import { fieldChanges, fieldHistory } from './field-history'
import { findingGroups } from './finding-groups'
import { hasKernelTables, kernelEvents, kernelSummary, type KernelEventQuery } from './kernel-events'
import { EXACT_MAX, exactLanes, LaneIndex, type LanesResult } from './lanes'
import { readMeta } from './meta'
import { damaged, fileLabel, openSessionDatabase, type OpenOptions } from './open-file'
import { writeThroughTemp } from './output-file'
import { writeFlatExport } from './flat-export'
import { exportPerfetto } from './perfetto'
import { SCHEMA_VERSION } from './schema'
import { checkSchema } from './schema-check'
import { SqlConsole } from './sql-console'
import { diffViews, type DiffEntry } from './state-diff'
import { ChunkStore, matches } from './store'
import { chunkCount, exactCount, type Filter } from './summary'
import type { FieldRef, FindTarget, SessionInfoData, TransitionFilter } from './types'
import { fieldWatch, watchPlan } from './watch-plan'
import { lifeBounds, type LifeProbe } from './watch-life'
import { firstChange, lastChange, type ScanSource } from './watch-scan'
import { findWatches, type FindOptions, type WatchSearcher, type WhereStarter } from './watch-find'
import { addWatch, checkWatch, listWatches, removeWatch, setWatchEnabled } from './watch-store'
import type { FieldChange, FieldWatch, SavedWatch, Watch, WatchFindResult, WhereWatch } from './watch-types'

/** A transition as the API returns it: the sim's Transition, also usable as the contract's TransitionRow. */
export type TransitionRecord = Transition & TransitionRow

/** Default and largest page of transitions() / transitionsByIndex(). */
export const DEFAULT_LIMIT = 500
export const MAX_LIMIT = 10_000

/** Final stats as stored in meta `summary` by the recorder. */
export interface FinalSummary {
  stats: Record<string, number>
  counters: Record<string, number>
  findings: number
}

function opFromRow(r: { op: string; vcpu: number | null; pgd: number | null; gva: number | null; gfn: number | null; action: string | null }): Op {
  switch (r.op) {
    case 'cr3': return { op: 'cr3', vcpu: r.vcpu!, pgd: r.pgd! }
    case 'run': return { op: 'run', vcpu: r.vcpu! }
    case 'fault': return { op: 'fault', vcpu: r.vcpu!, gva: r.gva! }
    case 'pt_write': return { op: 'pt_write', vcpu: r.vcpu!, gfn: r.gfn! }
    case 'unprotect': return { op: 'unprotect', gfn: r.gfn! }
    default: return { op: 'memslot', action: r.action === 'move' ? 'move' : 'delete' }
  }
}

export class Session {
  readonly path: string
  private readonly db: Database.Database
  readonly store: ChunkStore
  private readonly checkpoints: CheckpointReader
  private readonly readonly: boolean
  private readonly nativeBinding: string | undefined
  private meta: Map<string, string | null>
  /** The last state computed by stateAt (owned here; callers get clones). */
  private cached: { seq: number; state: kvm } | null = null
  private console: SqlConsole | null = null
  private groups: Promise<FindingGroups> | null = null
  private closed = false

  constructor(path: string, opts: OpenOptions = {}) {
    this.path = path
    this.readonly = opts.readonly ?? true
    this.nativeBinding = opts.nativeBinding
    this.db = openSessionDatabase(path, opts)
    try {
      this.meta = readMeta(this.db)
      for (const key of ['policy', 'vcpus', 'complete']) {
        if (!this.meta.has(key)) throw new SessionError(`${fileLabel(path)} is damaged (meta "${key}" is missing)`)
      }
      if (!(POLICIES as readonly string[]).includes(this.meta.get('policy') ?? '')) {
        throw new SessionError(`${fileLabel(path)} is damaged (unknown policy ${quote(this.meta.get('policy'))})`)
      }
      const bad = metaProblem(this.meta)
      if (bad) throw new SessionError(`${fileLabel(path)} is damaged (${bad})`)
      this.store = new ChunkStore(this.db, path)
      this.checkpoints = new CheckpointReader(this.db, fileLabel(path), this.store.checksums, Number(this.meta.get('n_max_mmu_pages') ?? NaN))
      // Reading the initial checkpoint proves the file's state data is readable.
      this.checkpointAtOrBefore(0)
    } catch (e) {
      this.db.close()
      throw damaged(path, e)
    }
  }

  /** Runs `fn`, turning SQLite and decoding errors into one-sentence SessionErrors. */
  private guard<T>(fn: () => T): T {
    if (this.closed) throw new SessionError(`${fileLabel(this.path)} is closed`)
    try {
      return fn()
    } catch (e) {
      throw damaged(this.path, e)
    }
  }

  get vcpus(): number {
    return Number(this.meta.get('vcpus'))
  }

  get policy(): Policy {
    return this.meta.get('policy') as Policy
  }

  /** seq of the last transition. */
  get total(): number {
    return this.store.total
  }

  info(): SessionInfoData {
    return this.guard(() => {
      this.meta = readMeta(this.db)
      this.store.refresh()
      const m = this.meta
      const count = (table: string) => (this.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number)
      const complete = m.get('complete') === '1'
      let params: Record<string, unknown>
      try {
        params = JSON.parse(m.get('params') ?? '{}') as Record<string, unknown>
      } catch {
        params = {}
      }
      const seed = m.get('seed')
      return {
        path: this.path,
        schema_version: this.db.pragma('user_version', { simple: true }) as number,
        app_version: m.get('app_version') ?? '',
        model_version: m.get('model_version') ?? '',
        policy: this.policy,
        scenario: m.get('scenario') ?? '',
        seed: seed === null || seed === undefined || seed === '' ? null : Number(seed),
        vcpus: this.vcpus,
        params,
        transitions: this.store.total,
        operations: this.store.ops.count(),
        findings: count('findings'),
        root_zaps: count('root_zaps'),
        complete,
        started: m.get('started') ?? '',
        finished: m.get('finished') ?? null,
        digest: complete ? m.get('digest') ?? null : null,
        kernel: hasKernelTables(this.db),
      }
    })
  }

  /** The kernel trace's events beside the model's (rootlab import / capture), or null if none. */
  kernelSummary(): KernelSummary | null {
    return this.guard(() => kernelSummary(this.db))
  }

  /** The kernel's events of the op groups overlapping [fromOp, toOp] (kernel-events.ts); [] if none. */
  kernelEvents(q: KernelEventQuery = {}): KernelEventRow[] {
    return this.guard(() => kernelEvents(this.db, q))
  }

  /** Final stats, counters and findings (from meta, or by replaying to the end if incomplete). */
  finalSummary(): FinalSummary {
    return this.guard(() => {
      const raw = this.meta.get('summary')
      if (raw && this.meta.get('complete') === '1') return JSON.parse(raw) as FinalSummary
      const k = this.stateRef(this.total)
      const { findings, ...counters } = k.counters
      return { stats: { ...k.stat }, counters, findings }
    })
  }

  private checkSeq(seq: number, what = 'seq'): void {
    if (!Number.isInteger(seq) || seq < 0) throw new SessionError(`${what} must be an integer >= 0, got ${seq}`)
    if (seq > this.store.total) {
      throw new SessionError(`${what} ${seq} is past the end of ${fileLabel(this.path)} (it has ${this.store.total} transitions)`)
    }
  }

  private checkpointAtOrBefore(seq: number): { seq: number; state: kvm } {
    return this.checkpoints.atOrBefore(seq)
  }

  /**
   * Replays to `seq` from the nearest checkpoint, or from the cached state if that is nearer.
   * With `keep` the result becomes the cache (callers must not modify it); without, the caller
   * owns it (the cache, if used as the base, is consumed rather than copied: a copy of a
   * 1,000-page state costs about as much as reading a checkpoint).
   */
  private replayTo(seq: number, keep: boolean): kvm {
    this.checkSeq(seq)
    const c = this.cached
    if (c && c.seq === seq && keep) return c.state
    const ckptSeq = this.checkpoints.seqAtOrBefore(seq)
    let base: { seq: number; state: kvm }
    if (c && c.seq <= seq && c.seq >= ckptSeq) {
      base = c
      this.cached = null
    } else base = this.checkpointAtOrBefore(seq)
    const state = base.state
    try {
      this.store.forEach(base.seq + 1, seq, (t) => apply_transition(state, t))
    } catch (e) {
      if (e instanceof SessionError) throw e
      throw new SessionError(`${fileLabel(this.path)} is damaged (replaying to seq ${seq} failed: ${(e as Error).message})`)
    }
    if (keep) this.cached = { seq, state }
    return state
  }

  /** The state after `seq`, owned by the session's cache: do not modify it. */
  private stateRef(seq: number): kvm {
    return this.replayTo(seq, true)
  }

  /** The model state after transition `seq` (0 = initial state). A fresh object the caller owns. */
  stateAt(seq: number): kvm {
    return this.guard(() => this.replayTo(seq, false))
  }

  /**
   * state_view of the state after `seq` (the `inspect --json` shape), listing the shadow pages of
   * `opts.pages` (default `all`; see PageScope).
   */
  view(seq: number, opts: { pages?: PageScope } = {}): StateView {
    return this.guard(() => state_view(this.stateRef(seq), seq, opts))
  }

  private filter(q: TransitionFilter): Filter {
    const f: Filter = {}
    if (q.kinds && q.kinds.length) {
      for (const k of q.kinds) {
        if (!is_transition_kind(k)) throw new SessionError(`unknown transition kind "${k}" (allowed: ${TRANSITION_KINDS.join(', ')})`)
      }
      f.kinds = new Set(q.kinds.map((k) => KIND_INDEX[k]!))
    }
    if (q.vcpu !== undefined && q.vcpu !== null) {
      if (!Number.isInteger(q.vcpu) || q.vcpu < 0 || q.vcpu >= this.vcpus) {
        throw new SessionError(`vcpu ${q.vcpu} does not exist (the session has vCPUs 0 to ${this.vcpus - 1})`)
      }
      f.vcpu = q.vcpu
    }
    if (q.sp !== undefined && q.sp !== null) {
      if (!Number.isInteger(q.sp) || q.sp < 1) throw new SessionError(`sp must be an integer >= 1, got ${q.sp}`)
      f.sp = q.sp
    }
    return f
  }

  private limit(limit: number | undefined, max = MAX_LIMIT): number {
    if (limit === undefined) return DEFAULT_LIMIT
    if (!Number.isInteger(limit) || limit < 1) throw new SessionError(`limit must be an integer >= 1, got ${limit}`)
    return Math.min(limit, max)
  }

  /** Transitions with from <= seq <= to matching the filter, at most `limit` (default 500). */
  transitions(q: TransitionFilter & { from?: number; to?: number; limit?: number }): TransitionRecord[] {
    return this.guard(() => {
      const f = this.filter(q)
      const limit = this.limit(q.limit)
      const out: TransitionRecord[] = []
      for (const t of this.store.range(q.from ?? 1, q.to ?? this.store.total, f)) {
        out.push(t as TransitionRecord)
        if (out.length >= limit) break
      }
      return out
    })
  }

  /** Every transition with from <= seq <= to matching the filter, in order, streamed (for exports and the CLI). */
  *iterate(q: TransitionFilter & { from?: number; to?: number }): Generator<TransitionRecord> {
    const f = this.guard(() => this.filter(q))
    try {
      for (const t of this.store.range(q.from ?? 1, q.to ?? this.store.total, f)) yield t as TransitionRecord
    } catch (e) {
      throw damaged(this.path, e)
    }
  }

  /** Number of transitions matching the filter; index_of_at = how many match with seq < at. */
  countTransitions(q: TransitionFilter & { at?: number }): { count: number; index_of_at: number | null } {
    return this.guard(() => {
      const f = this.filter(q)
      const { chunks } = this.store
      let count = 0
      let before = 0
      const at = q.at
      for (let i = 0; i < chunks.length; i++) {
        const c = chunks[i]!
        const end = c.firstSeq + c.n - 1
        let n: number
        if (exactCount(f)) n = chunkCount(c, f)
        else n = chunkCount(c, f) === 0 ? 0 : this.store.decode(i).filter((t) => matches(t, f)).length
        count += n
        if (at !== undefined) {
          if (end < at) before += n
          else if (c.firstSeq < at && n > 0) {
            for (const t of this.store.decode(i)) if (t.seq < at && matches(t, f)) before++
          }
        }
      }
      return { count, index_of_at: at === undefined ? null : before }
    })
  }

  /** Up to `limit` transitions matching the filter, starting with the index-th match (from 0). */
  transitionsByIndex(q: TransitionFilter & { index: number; limit?: number }): TransitionRecord[] {
    return this.guard(() => {
      const f = this.filter(q)
      const limit = this.limit(q.limit, 2000)
      if (!Number.isInteger(q.index) || q.index < 0) throw new SessionError(`index must be an integer >= 0, got ${q.index}`)
      const { chunks } = this.store
      let skip = q.index
      const out: TransitionRecord[] = []
      for (let i = 0; i < chunks.length && out.length < limit; i++) {
        const c = chunks[i]!
        const bound = chunkCount(c, f)
        if (bound === 0) continue
        if (exactCount(f) && skip >= bound) {
          skip -= bound
          continue
        }
        for (const t of this.store.decode(i)) {
          if (!matches(t, f)) continue
          if (skip > 0) skip--
          else {
            out.push(t as TransitionRecord)
            if (out.length >= limit) break
          }
        }
      }
      return out
    })
  }

  /** The transition with this seq (1..transitions). */
  transitionAt(seq: number): TransitionRecord {
    return this.guard(() => {
      this.checkSeq(seq)
      if (seq === 0) throw new SessionError('seq 0 is the initial state, not a transition')
      return this.store.at(seq) as TransitionRecord
    })
  }

  /** The next (or previous) transition of a target strictly after (before) `from`; null if none. */
  find(from: number, direction: 'next' | 'prev', target: FindTarget): TransitionRecord | null {
    return this.guard(() => {
      if (!Number.isInteger(from)) throw new SessionError(`from must be an integer, got ${from}`)
      if (direction !== 'next' && direction !== 'prev') throw new SessionError(`direction must be "next" or "prev", got ${JSON.stringify(direction)}`)
      const next = direction === 'next'
      const table = { root_zap: 'root_zaps', finding: 'findings', memslot: 'memslots', bookmark: 'bookmarks' } as const
      if (typeof target === 'string') {
        const t = table[target]
        if (!t) throw new SessionError(`unknown target "${target}" (allowed: root_zap, finding, memslot, bookmark, or a transition kind)`)
        const sql = next
          ? `SELECT seq FROM ${t} WHERE seq > ? AND seq >= 1 AND seq <= ? ORDER BY seq ASC LIMIT 1`
          : `SELECT seq FROM ${t} WHERE seq < ? AND seq >= 1 AND seq <= ? ORDER BY seq DESC LIMIT 1`
        const seq = this.db.prepare(sql).pluck().get(from, this.store.total) as number | undefined
        return seq === undefined ? null : (this.store.at(seq) as TransitionRecord)
      }
      const f = this.filter({ kinds: [target.kind] })
      const it = next ? this.store.range(from + 1, this.store.total, f) : this.store.range(1, from - 1, f, true)
      const r = it.next()
      return r.done ? null : (r.value as TransitionRecord)
    })
  }

  /** Every seq in (from, to] at which the field changed, at most `limit` (default 1000). */
  fieldHistory(field: FieldRef, from = 0, to?: number, limit = 1000): { seqs: number[]; truncated: boolean } {
    return this.guard(() => {
      const r = this.historyRange(from, to, limit)
      return fieldHistory(this.scanSource(), watchPlan(fieldWatch(field), this.vcpus), r.from, r.to, r.limit)
    })
  }

  /**
   * Every change in (from, to] of a watched value (a field, or a slot / page / requests watch),
   * with the value before and after and the transition that made it; at most `limit`.
   */
  fieldChanges(field: FieldRef | FieldWatch, from = 0, to?: number, limit = 1000): { changes: FieldChange[]; truncated: boolean } {
    return this.guard(() => {
      const r = this.historyRange(from, to, limit)
      const w = field.type === 'sp' ? fieldWatch(field) : (checkWatch(field, this.vcpus) as FieldWatch)
      return fieldChanges(this.scanSource(), watchPlan(w, this.vcpus), r.from, r.to, r.limit)
    })
  }

  private historyRange(from: number, to: number | undefined, limit: number): { from: number; to: number; limit: number } {
    const end = Math.min(to ?? this.store.total, this.store.total)
    this.checkSeq(Math.max(0, Math.min(from, end)), 'from')
    if (!Number.isInteger(limit) || limit < 1) throw new SessionError(`limit must be an integer >= 1, got ${limit}`)
    return { from, to: end, limit: Math.min(limit, 100_000) }
  }

  /** What the watch scans read: the chunks, and fresh states (watch-scan.ts). */
  private scanSource(): ScanSource {
    return { store: this.store, stateAt: (s) => this.replayTo(s, false) }
  }

  /**
   * Searches one watch on the state (slot, page, requests) over seq ranges, for findWatches. A
   * shadow page's search starts no earlier than its creation and ends no later than its free
   * (lifeBounds: the checkpoints bisected), so a continue to a page that does not exist yet, or
   * back to one long gone, does not read the chunks in between.
   */
  watchSearcher(w: FieldWatch): WatchSearcher {
    const plan = this.guard(() => watchPlan(checkWatch(w, this.vcpus) as FieldWatch, this.vcpus))
    const src = this.scanSource()
    const life = plan.life
    const born = plan.birth?.born ?? 0
    const probe = (ckptSeq: number): LifeProbe => {
      const k = this.checkpoints.atOrBefore(ckptSeq).state
      return { stage: life!(k), clock: plan.birth?.clock(k) ?? 0 }
    }
    let from: number | null = null // forward: nothing changes before this seq
    let until: number | null = null // backward: nothing changes after this seq
    return {
      first: (a, b, deadline) => this.guard(() => {
        if (life && from === null) from = lifeBounds(this.checkpointSeqs(), probe, born, life(this.replayTo(a - 1, false)), a - 1, 'next', this.store.total)
        const lo = Math.max(a, from ?? a)
        if (lo > b) return { seq: null, reached: b }
        return firstChange(src, plan, lo, b, deadline)
      }),
      last: (a, b, deadline) => this.guard(() => {
        if (life && until === null) until = lifeBounds(this.checkpointSeqs(), probe, born, life(this.replayTo(b, false)), b, 'prev', this.store.total)
        const hi = Math.min(b, until ?? b)
        if (hi < a) return { seq: null, reached: a }
        return lastChange(src, plan, a, hi, deadline)
      }),
    }
  }

  private ckptSeqs: number[] | null = null

  /** The seqs of the session's checkpoints, ascending (a recording session gains more). */
  private checkpointSeqs(): number[] {
    const last = this.ckptSeqs?.at(-1)
    if (!this.ckptSeqs || last === undefined || this.checkpoints.seqAtOrBefore(this.store.total) !== last) {
      this.ckptSeqs = this.db.prepare('SELECT seq FROM checkpoints ORDER BY seq').pluck().all() as number[]
    }
    return this.ckptSeqs
  }

  /**
   * Continue: the nearest seq after (`next`) or before (`prev`) `from` at which any of `watches`
   * changes or holds (watch-find.ts). `where` watches need `opts.where`, which starts the search
   * of an SQL condition over transitions (the SQL engine's). Yields to the event loop while it
   * scans; `opts.signal` cancels it (done = false), `opts.onProgress` hears how far it got.
   */
  async findWatches(
    watches: Watch[], from: number, direction: 'next' | 'prev', opts: FindOptions & { where?: WhereStarter } = {},
  ): Promise<WatchFindResult> {
    const checked = watches.map((raw) => this.guard(() => checkWatch(raw, this.vcpus)))
    const onState = checked.filter((w): w is FieldWatch => w.type !== 'where')
    const conditions = checked.filter((w): w is WhereWatch => w.type === 'where')
    if (conditions.length && !opts.where) throw new SessionError('where watches need the SQL engine, which is not available here')
    const searchers = onState.map((w) => this.watchSearcher(w))
    const wheres = conditions.map((w) => opts.where!(w.expr, from, direction === 'prev'))
    const r = await findWatches(searchers, wheres, from, direction, this.store.total, opts)
    // hits count the state watches first: give them back in the order the watches were asked
    const order = [...checked.keys()].filter((i) => checked[i]!.type !== 'where')
      .concat([...checked.keys()].filter((i) => checked[i]!.type === 'where'))
    return { ...r, hits: r.hits.map((h) => order[h]!).sort((x, y) => x - y) }
  }

  /**
   * Searches of conditions on this process's SQL console connection (find-where.ts): for the
   * CLI-free uses, tests and benchmarks. It blocks while it runs (the service and the CLI use
   * the SQL host processes instead: electron/service/where-search.ts).
   */
  whereInProcess(): WhereStarter {
    return (expr, from, backward) => {
      let stop = false
      let at = from
      const result = new Promise<void>((r) => setImmediate(r)).then(() => this.guard(() => this.sqlConsole().findWhere({
        where: expr, from, backward, shouldStop: () => stop, onProgress: (p) => { at = p.at },
      }).seq))
      return { result, at: () => at, cancel: () => { stop = true } }
    }
  }

  /**
   * The findings grouped by shadow page, with each zombie's lifetime (finding-groups.ts):
   * computed once per open session (a pass over the chunks that yields while it runs).
   */
  findingGroups(): Promise<FindingGroups> {
    if (this.groups) return this.groups
    const p = findingGroups(this.db, this.store).catch((e: unknown) => {
      this.groups = null
      throw damaged(this.path, e)
    })
    this.groups = p
    return p
  }

  /** The watches saved in the file, oldest first. */
  watches(): SavedWatch[] {
    return this.guard(() => listWatches(this.db, this.vcpus))
  }

  /** Saves a watch in the file (checked first; a condition is compiled against `transitions`). */
  addWatch(watch: unknown): SavedWatch {
    return this.guard(() => {
      const w = checkWatch(watch, this.vcpus)
      // an empty search (forward from the end) compiles the condition: a wrong column is said now
      if (w.type === 'where') this.sqlConsole().findWhere({ where: w.expr, from: this.store.total })
      return this.write((db) => addWatch(db, w))
    })
  }

  removeWatch(id: number): void {
    this.guard(() => this.write((db) => removeWatch(db, id)))
  }

  setWatchEnabled(id: number, enabled: boolean): void {
    this.guard(() => this.write((db) => setWatchEnabled(db, id, enabled)))
  }

  /** The difference between the states after `a` and after `b`. */
  diff(a: number, b: number): DiffEntry[] {
    return this.guard(() => {
      this.checkSeq(a, 'a')
      this.checkSeq(b, 'b')
      const va = state_view(this.stateRef(a), a)
      const vb = state_view(this.stateRef(b), b)
      return diffViews(va, vb)
    })
  }

  /** Transition counts per kind group in `buckets` equal seq ranges over [from, to], plus markers. */
  density(buckets: number, from?: number, to?: number): DensityResult {
    return this.guard(() => {
      if (!Number.isInteger(buckets) || buckets < 1 || buckets > 8192) throw new SessionError(`buckets must be an integer from 1 to 8192, got ${buckets}`)
      const lo = Math.max(1, from ?? 1)
      const hi = Math.min(this.store.total, to ?? this.store.total)
      return density(this.db, this.store, buckets, lo, hi)
    })
  }

  /** A read-only SQL query (one SELECT/WITH/EXPLAIN statement; row and time limits). */
  sql(query: string, limit?: number, timeLimitMs?: number): SqlResult {
    return this.guard(() => this.sqlConsole().run(query, limit, timeLimitMs))
  }

  /**
   * The SQL console of this session: its own read-only connection with the computed tables
   * (transitions, transitions_in, roots_at, pages_at; sql-tables.ts) over this session's chunks
   * and states.
   */
  sqlConsole(): SqlConsole {
    if (this.closed) throw new SessionError(`${fileLabel(this.path)} is closed`)
    this.console ??= new SqlConsole(this.path, this.nativeBinding, { store: this.store, view: (seq, opts) => this.view(seq, opts) })
    return this.console
  }

  /** The operations of the session from index `from`, at most `limit` (default 500). */
  operations(from = 0, limit?: number): { index: number; op: Op; first_seq: number; last_seq: number }[] {
    return this.guard(() => {
      if (!Number.isInteger(from) || from < 0) throw new SessionError(`from must be an integer >= 0, got ${from}`)
      const n = this.limit(limit)
      const log = this.store.ops
      const prev = from === 0 ? 0 : log.lastSeqOf(from - 1) ?? 0
      let last = prev
      return log.rows(from, n).map((r) => {
        const first = last + 1
        last = r.last_seq
        return { index: r.idx, op: opFromRow(r), first_seq: first, last_seq: r.last_seq }
      })
    })
  }

  /** All operations, in order (for re-running a session under another policy). */
  *allOperations(): Generator<Op> {
    for (const r of this.store.ops.all()) yield opFromRow(r)
  }

  /** seq at the end of each operation, by operation index. */
  opEndSeqs(): number[] {
    return this.guard(() => {
      const out: number[] = []
      for (const r of this.store.ops.all()) out.push(r.last_seq)
      return out
    })
  }

  bookmarks(): Bookmark[] {
    return this.guard(() => this.db.prepare('SELECT id, seq, note, created FROM bookmarks ORDER BY seq, id').all() as Bookmark[])
  }

  /** Runs a write the user asked for (bookmarks), on a short-lived connection if this one is read-only. */
  private write<T>(fn: (db: Database.Database) => T): T {
    if (!this.readonly) return fn(this.db)
    const w = new Database(this.path, { fileMustExist: true, ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}) })
    try {
      w.pragma('busy_timeout = 2000')
      // The file may have been replaced since it was opened: its triggers must not fire on this write.
      checkSchema(w, fileLabel(this.path), w.pragma('user_version', { simple: true }) as number, this.nativeBinding)
      return fn(w)
    } finally {
      w.close()
    }
  }

  addBookmark(seq: number, note: string): Bookmark {
    return this.guard(() => {
      this.checkSeq(seq)
      if (typeof note !== 'string' || note.length > 2000) throw new SessionError('note must be a string of at most 2000 characters')
      const created = new Date().toISOString()
      const id = this.write((db) => Number(db.prepare('INSERT INTO bookmarks (seq, note, created) VALUES (?, ?, ?)').run(seq, note, created).lastInsertRowid))
      return { id, seq, note, created }
    })
  }

  removeBookmark(id: number): void {
    this.guard(() => {
      const n = this.write((db) => db.prepare('DELETE FROM bookmarks WHERE id = ?').run(id).changes)
      if (n === 0) throw new SessionError(`bookmark ${id} does not exist`)
    })
  }

  /**
   * A consistent single-file copy (VACUUM INTO; works while the session is open or recording),
   * written beside `out` and renamed into place: a failed export leaves no partial file. An
   * existing `out` is replaced only with `replace` (and only if it is a regular file).
   */
  exportDb(out: string, o: { replace?: boolean } = {}): { out: string; bytes: number } {
    this.guard(() => undefined)
    writeThroughTemp(out, { replace: o.replace ?? false, sqlite: true }, (tmp) => {
      try {
        this.db.prepare('VACUUM INTO ?').run(tmp)
      } catch (e) {
        // Damage in the source is the source's problem; anything else is the output's.
        const code = (e as { code?: string }).code
        if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') throw damaged(this.path, e)
        throw e
      }
      // The copy inherits the source's journal mode in its header; make it a plain file.
      const w = new Database(tmp, { fileMustExist: true, ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}) })
      try {
        w.pragma('journal_mode = DELETE')
      } finally {
        w.close()
      }
    })
    return { out, bytes: statSync(out).size }
  }

  /**
   * A plain SQLite copy with a real `transitions` table and the session's other tables
   * (flat-export.ts), for tools that cannot load the computed tables; through a temporary file.
   */
  exportFlat(out: string, o: { replace?: boolean; onProgress?: (done: number, total: number) => void } = {}): { out: string; bytes: number } {
    this.guard(() => this.store.refresh())
    writeThroughTemp(out, { replace: o.replace ?? false, sqlite: true }, (tmp) => {
      writeFlatExport({
        source: this.db, store: this.store, out: tmp,
        ...(this.nativeBinding ? { nativeBinding: this.nativeBinding } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      })
    })
    return { out, bytes: statSync(out).size }
  }

  /** A Chrome/Perfetto trace-event JSON file, written as a stream (through a temporary file, as exportDb). */
  exportPerfetto(out: string, o: { replace?: boolean } = {}): { out: string; bytes: number } {
    const initial = this.guard(() => this.checkpointAtOrBefore(0).state)
    writeThroughTemp(out, { replace: o.replace ?? false, sqlite: false }, (tmp) => {
      exportPerfetto(tmp, this.store, initial, { policy: this.policy, scenario: this.meta.get('scenario') ?? '', file: this.path })
    })
    return { out, bytes: statSync(out).size }
  }

  /** Are the stored bytes of the chunk at `firstSeq` the same in both sessions? (compare.ts) */
  chunkBytesEqual(other: Session, firstSeq: number): boolean {
    const q = 'SELECT data FROM chunk_data WHERE first_seq = ?'
    const x = this.db.prepare(q).pluck().get(firstSeq) as Buffer | undefined
    const y = other.db.prepare(q).pluck().get(firstSeq) as Buffer | undefined
    return x !== undefined && y !== undefined && Buffer.compare(x, y) === 0
  }

  /** sha256 of the canonical transition stream, recomputed from the stored transitions. */
  digest(): string {
    return this.guard(() => {
      const h = createHash('sha256')
      const w = create_byte_writer(1 << 17)
      for (let i = 0; i < this.store.chunks.length; i++) {
        for (const t of this.store.decode(i)) canonicalEncode(t, w)
        h.update(w.buf.subarray(0, w.len))
        w.len = 0
      }
      return h.digest('hex')
    })
  }

  /** The lane summaries of this session (lanes.ts), built on first need. */
  private laneIndex: LaneIndex | null = null

  /**
   * Per-vCPU lanes over [from, to] in `columns` pixel columns (lanes.ts): exact for ranges of at
   * most EXACT_MAX transitions, else from the per-block summaries, which are built in the
   * background on first need (the answer says `complete: false` until they cover the range).
   */
  lanes(from: number, to: number, columns: number): LanesResult {
    return this.guard(() => {
      this.checkSeq(from, 'from')
      this.checkSeq(to, 'to')
      if (to < from) throw new SessionError(`to (${to}) must not be before from (${from})`)
      if (!Number.isInteger(columns) || columns < 1 || columns > 8192) throw new SessionError(`columns must be an integer from 1 to 8192, got ${columns}`)
      if (to - from <= EXACT_MAX) return exactLanes(this.store, this.stateAt(from), from, to, columns)
      this.laneIndex ??= new LaneIndex(this.store, () => this.stateAt(0), this.vcpus)
      // a first slice now (a short session is done at once), the rest between other requests
      this.laneIndex.buildFor(15)
      this.laneIndex.continueInBackground()
      return this.laneIndex.query(from, to, columns)
    })
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.laneIndex?.stop()
    this.console?.close()
    this.db.close()
    this.cached = null
  }
}

/** Opens a session file (read-only by default). Throws SessionError with one clear sentence. */
export function openSession(path: string, opts: OpenOptions = {}): Session {
  return new Session(path, opts)
}

export { SCHEMA_VERSION }
