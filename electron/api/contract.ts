/**
 * LabApi: the one contract between the debugger (renderer) and the Node side, served by the
 * Electron IPC bridge and by `rootlab serve` over HTTP alike.
 *
 * Every request is declared ONCE here: its argument schema (valibot, checked in the Node process
 * on every call, because the renderer is untrusted) and its result type. Channel names
 * (`lab:<name>` for IPC, `POST /api/<name>` for HTTP), the preload's `window.lab`, the IPC
 * handler registration, the HTTP routes and the renderer's client are all derived from
 * LAB_REQUESTS; nobody writes a channel name or a payload type twice.
 *
 * The renderer imports this file with `import type` only.
 *
 * Units: `seq` numbers transitions from 1 (0 = the initial state, before any transition);
 * `op` numbers the operations of a session from 0. Paths are file-system paths on the machine
 * that runs the Node side.
 */
import * as v from 'valibot'
import { MAX_SCRIPT_BYTES } from '../../sim/script'
import type { Op } from '../../sim/types'
import type { StateView } from '../../sim/view'
import type { LabCatalog } from '../../sim/catalog'
import type {
  Bookmark, CompareResult, CompareSummary, DensityResult, KernelAgreement, KernelEventRow, KernelGroupRow, KernelSummary,
  SessionInfoData, SqlResult, SqlTableInfo, TransitionRow, FindingGroup, FindingGroups,
} from '../session/results'
import { PAGE_FIELDS, type FieldChange, type SavedWatch, type Watch, type WatchFindResult } from '../session/watch-types'
import type { FuzzFolder } from '../fuzz/folder-types'
import type { LanesResult } from '../session/lanes'

// ---------------------------------------------------------------------------------------------
// Argument schemas

const MAX_SEQ = 2 ** 40
const seq = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_SEQ))
const sessionId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'is not a session id'))
const policy = v.picklist(['reload-all', 'free-obsolete-buggy', 'free-obsolete'] as const)
const path = v.pipe(v.string(), v.minLength(1), v.maxLength(4096))
const limit = (max: number) => v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max)))
const kindName = v.pipe(v.string(), v.regex(/^[a-z_0-9]{1,64}$/, 'is not a transition kind'))
const vcpu = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(63))
const queryId = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_:.-]{1,64}$/, 'is not a query id'))

/** What to look for with findTransition. */
export const TRANSITION_TARGETS = ['root_zap', 'finding', 'memslot', 'bookmark'] as const

/** A field whose history can be asked for. */
const fieldRef = v.variant('type', [
  v.object({
    type: v.literal('slot'),
    vcpu,
    /** 0 = root, 1 + i = prev_roots[i]. */
    slot: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3)),
  }),
  v.object({
    type: v.literal('sp'),
    sp: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SEQ)),
    field: v.picklist(PAGE_FIELDS),
  }),
  v.object({ type: v.literal('requests'), vcpu }),
])

/** A watch (electron/session/watch-types.ts): a slot, a page or one of its fields, requests, or a condition. */
const watchOnState = [
  v.object({ type: v.literal('slot'), vcpu, slot: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3)) }),
  v.object({
    type: v.literal('page'),
    sp: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_SEQ)),
    field: v.optional(v.picklist(PAGE_FIELDS)),
  }),
  v.object({ type: v.literal('requests'), vcpu }),
] as const
const fieldWatch = v.variant('type', [...watchOnState])
const watch = v.variant('type', [
  ...watchOnState,
  /** An SQL expression over the `transitions` table's columns, e.g. kind = 'kvm_mmu_free_roots' AND vcpu = 2. */
  v.object({ type: v.literal('where'), expr: v.pipe(v.string(), v.minLength(1), v.maxLength(2000)) }),
])
const watchId = v.pipe(v.number(), v.integer(), v.minValue(1))

const recordSource = v.variant('type', [
  v.object({
    type: v.literal('scenario'),
    scenario: v.picklist(['process-churn', 'context-switch', 'memslot-update', 'mixed'] as const),
    vcpus: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)),
    steps: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000_000)),
    seed: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)),
    processes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4096))),
  }),
  /** A script in the JSON format of cli-contract.md, as text (validated by sim/script.ts). */
  v.object({ type: v.literal('script'), name: v.pipe(v.string(), v.maxLength(256)), text: v.pipe(v.string(), v.maxBytes(MAX_SCRIPT_BYTES)) }),
  /** The operations of an open session, re-run (e.g. under another policy). */
  v.object({ type: v.literal('session'), session: sessionId }),
])

/** Argument schemas, one per request. The keys are the request names. */
export const LAB_REQUESTS = {
  /** Sessions open in this process, most recent first, and the recently opened files. */
  listSessions: v.object({}),
  /**
   * Opens a session file (read-only unless it is being recorded by this process). With `at`, the
   * answer also carries the state at `at.seq` as stateAt gives it with `pages` and `transition`
   * (null when the session has no such seq): a page that opens a file at a moment needs one
   * request, not two in a row.
   */
  openSession: v.object({
    path,
    at: v.optional(v.object({
      seq, pages: v.optional(v.picklist(['all', 'roots', 'none'] as const)), transition: v.optional(v.boolean()),
    })),
  }),
  /** Opens (recording it first if needed) the embedded default session. */
  openDefaultSession: v.object({}),
  closeSession: v.object({ session: sessionId }),
  sessionInfo: v.object({ session: sessionId }),
  /**
   * The state after transition `seq` (0 = initial state), listing the shadow pages of `pages`:
   * `all` (default) = every page; `roots` = only the pages some root slot holds or of level 4
   * (what the vCPU cards need for their root_count / invalid / obsolete badges); `none` = no
   * page. With `roots` or `none` the result also says `shadow_pages_scope` and
   * `shadow_pages_total` (how many pages exist); the rest of the state is the same.
   */
  stateAt: v.object({
    session: sessionId, seq, pages: v.optional(v.picklist(['all', 'roots', 'none'] as const)),
    /** Also the transition `seq` itself (null at seq 0), in the same answer: a step is one request. */
    transition: v.optional(v.boolean()),
  }),
  /** Transitions with from <= seq <= to, filtered, at most `limit` (default 500). */
  transitions: v.object({
    session: sessionId,
    from: seq,
    to: v.optional(seq),
    kinds: v.optional(v.pipe(v.array(kindName), v.maxLength(64))),
    vcpu: v.optional(vcpu),
    sp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    limit: limit(10_000),
  }),
  /** Count of transitions matching a filter (for a virtualized log), and the row index of `seq`. */
  transitionCount: v.object({
    session: sessionId,
    kinds: v.optional(v.pipe(v.array(kindName), v.maxLength(64))),
    vcpu: v.optional(vcpu),
    sp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    at: v.optional(seq),
  }),
  /** The `index`-th (from 0) transition matching a filter, for a virtualized log. */
  transitionsByIndex: v.object({
    session: sessionId,
    kinds: v.optional(v.pipe(v.array(kindName), v.maxLength(64))),
    vcpu: v.optional(vcpu),
    sp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    index: v.pipe(v.number(), v.integer(), v.minValue(0)),
    limit: limit(2000),
  }),
  /** The next (or previous) transition of a target after (before) `from`; null if none. */
  findTransition: v.object({
    session: sessionId,
    from: seq,
    direction: v.picklist(['next', 'prev'] as const),
    target: v.union([v.picklist(TRANSITION_TARGETS), v.object({ kind: kindName })]),
  }),
  /** Every seq at which a field changed, in a seq range, at most `limit` (default 1000). */
  fieldHistory: v.object({ session: sessionId, field: fieldRef, from: v.optional(seq), to: v.optional(seq), limit: limit(100_000) }),
  /** The difference between the states after `a` and after `b`. */
  diff: v.object({ session: sessionId, a: seq, b: seq }),
  /** Transition counts per kind group in `buckets` equal seq ranges over [from, to], plus markers. */
  density: v.object({
    session: sessionId,
    buckets: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8192)),
    from: v.optional(seq),
    to: v.optional(seq),
  }),
  /** A read-only SQL query on the session database (row and time limits apply). */
  sqlQuery: v.object({
    session: sessionId, sql: v.pipe(v.string(), v.minLength(1), v.maxLength(100_000)), limit: limit(10_000),
    /** Deadline in ms (default 2,000; the query's process is killed at it). */
    timeoutMs: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000))),
    /** A caller-chosen id, for cancelSql. */
    id: v.optional(queryId),
  }),
  /** Two sessions of the same operations, aligned by operation index. */
  compare: v.object({ a: sessionId, b: sessionId }),
  /** The operations of a session, from index `from` (default 0), at most `limit`. */
  operations: v.object({ session: sessionId, from: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))), limit: limit(10_000) }),
  /** Writes a copy of the session (db) or a Chrome/Perfetto trace (perfetto) to `out`. */
  exportSession: v.object({ session: sessionId, format: v.picklist(['db', 'perfetto'] as const), out: path }),
  /** Starts recording a new session into `out` (a file name under the allowed folder). */
  startRecording: v.object({ source: recordSource, policy, out: v.optional(path) }),
  cancelRecording: v.object({ recording: sessionId }),
  listBookmarks: v.object({ session: sessionId }),
  addBookmark: v.object({ session: sessionId, seq, note: v.pipe(v.string(), v.maxLength(2000)) }),
  removeBookmark: v.object({ session: sessionId, id: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  /** The kernel's events of an imported or captured trace, summarized (null: the session has none). */
  kernelSummary: v.object({ session: sessionId }),
  /**
   * The kernel's events of the op groups overlapping ops [fromOp, toOp], in trace order, at most
   * `limit` (default 10,000); the teardown's (op group -1) unless `toOp` is given.
   */
  kernelEvents: v.object({
    session: sessionId,
    fromOp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    toOp: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    limit: limit(100_000),
  }),
  /**
   * Continue to the watches: the nearest seq after (`next`) or before (`prev`) `from` at which any
   * of `watches` changes (slot, page, requests) or holds (where). `from` may be the last seq + 1
   * (backward from past the end). With a caller-chosen `search` id, the search reports
   * watchProgress events and cancelWatchFind stops it (the answer is then done = false).
   */
  findWatch: v.object({
    session: sessionId,
    watches: v.pipe(v.array(watch), v.minLength(1), v.maxLength(32)),
    from: seq,
    direction: v.picklist(['next', 'prev'] as const),
    search: v.optional(sessionId),
  }),
  /** Stops the findWatch with this `search` id (no error if it already answered). */
  cancelWatchFind: v.object({ search: sessionId }),
  /**
   * Every change in (from, to] of a watched value (a fieldHistory field, or a slot / page /
   * requests watch) with its value before and after and the transition that made it, at most
   * `limit` (default 1000).
   */
  fieldChanges: v.object({
    session: sessionId,
    field: v.union([fieldRef, fieldWatch]),
    from: v.optional(seq),
    to: v.optional(seq),
    limit: limit(100_000),
  }),
  /**
   * The session's findings grouped by the shadow page they name, with each zombie's lifetime
   * (zapped in use -> last reference evicted -> uncounted -> freed), how long it stayed counted in
   * n_used_mmu_pages, and how many handled requests re-reported it.
   */
  findingGroups: v.object({ session: sessionId }),
  /**
   * What the debugger needs to know about the model to show it (sim/catalog.ts): policies and
   * their kernels, transition kinds with their fields, request names, mask fields, the root level.
   */
  catalog: v.object({}),
  /** The watches saved in the session file. */
  listWatches: v.object({ session: sessionId }),
  addWatch: v.object({ session: sessionId, watch }),
  removeWatch: v.object({ session: sessionId, id: watchId }),
  setWatchEnabled: v.object({ session: sessionId, id: watchId, enabled: v.boolean() }),
  /**
   * The reproducers of a fuzz folder (`rootlab fuzz --out DIR`), read from DIR/summary.json and
   * checked: the smallest first, each session an absolute path that openSession accepts.
   */
  fuzzReproducers: v.object({ dir: path }),
  /** Stops the sqlQuery of this session started with `id` (its process is killed); false if none runs. */
  cancelSql: v.object({ session: sessionId, id: queryId }),
  /** The tables, views and table-valued functions the SQL console can query, with their columns. */
  sqlTables: v.object({ session: sessionId }),
  /**
   * Per-vCPU lanes over [from, to] drawn in `columns` pixel columns: guest mode, what each root
   * slot holds (valid / obsolete / zombie / INVALID_PAGE), pending requests (LanesResult). Exact
   * for ranges of at most 65,536 transitions; wider ones come from per-block summaries that are
   * built in the background on first need (`complete: false` until then: ask again).
   */
  lanes: v.object({
    session: sessionId,
    from: seq,
    to: seq,
    columns: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8192)),
  }),
} as const

export type LabRequestName = keyof typeof LAB_REQUESTS
export const LAB_REQUEST_NAMES = Object.keys(LAB_REQUESTS) as LabRequestName[]
export type LabArgs<K extends LabRequestName> = v.InferOutput<(typeof LAB_REQUESTS)[K]>

// ---------------------------------------------------------------------------------------------
// Result types

/** The metadata of an open session (see SessionInfoData), with its id in this process. */
export interface SessionInfo extends Omit<SessionInfoData, 'kernel'> {
  /** Id of the open session in this process (not stored in the file). */
  session: string
  /** The session holds a kernel trace's events (rootlab import / capture): see kernelSummary. */
  kernel?: boolean
}

export interface StateDiffEntry {
  /** e.g. "vcpus[1].prev_roots[0].sp", "shadow_pages[17].root_count", "stats.mmu_shadow_zapped". */
  path: string
  before: unknown
  after: unknown
}

/** stateAt's answer: the state, and with `transition: true` the transition at that seq too. */
export type StateAtResult = StateView & { transition?: TransitionRow | null }

/** openSession's answer: the session, and with `at` its state there (null: no such seq). */
export type OpenedSession = SessionInfo & { at?: StateAtResult | null }

export interface RecordingStarted {
  recording: string
  out: string
}

/** Result types, one per request. */
export interface LabResults {
  listSessions: { open: SessionInfo[]; recent: string[] }
  openSession: OpenedSession
  openDefaultSession: SessionInfo
  closeSession: null
  sessionInfo: SessionInfo
  stateAt: StateAtResult
  transitions: TransitionRow[]
  transitionCount: { count: number; index_of_at: number | null }
  transitionsByIndex: TransitionRow[]
  findTransition: TransitionRow | null
  fieldHistory: { seqs: number[]; truncated: boolean }
  diff: StateDiffEntry[]
  density: DensityResult
  sqlQuery: SqlResult
  compare: CompareResult
  operations: { index: number; op: Op; first_seq: number; last_seq: number }[]
  exportSession: { out: string; bytes: number }
  startRecording: RecordingStarted
  cancelRecording: null
  listBookmarks: Bookmark[]
  addBookmark: Bookmark
  removeBookmark: null
  kernelSummary: KernelSummary | null
  kernelEvents: KernelEventRow[]
  findWatch: WatchFindResult
  cancelWatchFind: null
  fieldChanges: { changes: FieldChange[]; truncated: boolean }
  findingGroups: FindingGroups
  catalog: LabCatalog
  listWatches: SavedWatch[]
  addWatch: SavedWatch
  removeWatch: null
  setWatchEnabled: null
  fuzzReproducers: FuzzFolder
  cancelSql: boolean
  sqlTables: SqlTableInfo[]
  lanes: LanesResult
}

/** What crosses the boundary: a value, or an error a user can read. */
export type LabResult<T> = { ok: true; value: T } | { ok: false; error: string }

// ---------------------------------------------------------------------------------------------
// Pushed events (Node side -> renderer)

/**
 * A command from the desktop app's menu, for the renderer to carry out (Electron only). Paths
 * come from native dialogs, which also allowed them for the service (openSession / exportSession).
 */
export type LabMenuCommand =
  /** File ▸ New Session…: show the recording dialog. */
  | { command: 'newSession' }
  /** File ▸ Open Session… / Open Recent: call openSession({ path }) and show it. */
  | { command: 'openSession'; path: string }
  /** File ▸ Export Session… / Export Perfetto Trace…: call exportSession for the current session. */
  | { command: 'exportSession'; format: 'db' | 'perfetto'; out: string }
  /** File ▸ Close: close the current session. */
  | { command: 'closeSession' }
  /** Help ▸ About Root Lab. */
  | { command: 'about' }
  /** Help ▸ Keyboard Shortcuts. */
  | { command: 'shortcuts' }

export interface LabEvents {
  recordingProgress: { recording: string; ops: number; total_ops: number; transitions: number; fraction: number }
  recordingFinished: { recording: string; ok: boolean; session: SessionInfo | null; error: string | null; cancelled: boolean }
  /** The desktop menu asks the renderer to do something (never sent by `rootlab serve`). */
  menuCommand: LabMenuCommand
  /**
   * A findWatch with a `search` id is under way: every seq between its `from` and `reached` has
   * been examined; `fraction` (0..1) of the range it searches. About every 100 ms.
   */
  watchProgress: { search: string; reached: number; fraction: number }
}
export type LabEventName = keyof LabEvents
export const LAB_EVENT_NAMES: readonly LabEventName[] = ['recordingProgress', 'recordingFinished', 'menuCommand', 'watchProgress']

/** The client surface: one async function per request, plus event subscription. */
export type LabClient = {
  [K in LabRequestName]: (args: LabArgs<K>) => Promise<LabResult<LabResults[K]>>
} & {
  on<E extends LabEventName>(event: E, listener: (payload: LabEvents[E]) => void): () => void
}

/** IPC channel of a request or event. */
export const ipcChannel = (name: string): string => `lab:${name}`
/** HTTP route of a request (POST, JSON body = args). Events: GET /api/events (server-sent events). */
export const httpRoute = (name: string): string => `/api/${name}`

/** Validates `args` for request `name`: the parsed args, or a readable error. */
export function validateArgs<K extends LabRequestName>(name: K, args: unknown): LabResult<LabArgs<K>> {
  const schema = LAB_REQUESTS[name]
  if (!schema) return { ok: false, error: `unknown request "${String(name)}"` }
  const r = v.safeParse(schema, args)
  if (r.success) return { ok: true, value: r.output as LabArgs<K> }
  const issue = r.issues[0]
  const where = issue.path?.map((p) => String(p.key)).join('.') || 'arguments'
  return { ok: false, error: `${String(name)}: ${where}: ${issue.message}` }
}

export function isLabRequestName(name: string): name is LabRequestName {
  return Object.prototype.hasOwnProperty.call(LAB_REQUESTS, name)
}

export type { StateView }
export type { FuzzFolder, FuzzReproducer } from '../fuzz/folder-types'
export type {
  Bookmark, CompareResult, CompareSummary, DensityResult, KernelAgreement, KernelEventRow, KernelGroupRow, KernelSummary,
  SessionInfoData, SqlResult, SqlTableInfo, TransitionRow, FindingGroup, FindingGroups,
}
export type { FieldChange, SavedWatch, Watch, WatchFindResult }
/** The model's types the debugger shows, taken through the contract (the renderer imports nothing from sim/). */
export type { LabCatalog }
export type { Op, Policy } from '../../sim/types'
export type { TransitionKind } from '../../sim/transitions'
export type { PageScope, ShadowPageView, SlotView, VcpuView } from '../../sim/view'
export type { LanesResult, VcpuLanes } from '../session/lanes'
