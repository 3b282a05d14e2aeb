/**
 * The part of the session layer (electron/session) the LabApi service uses, written as an
 * interface so the service can be tested against a stand-in and so a change of the session
 * layer's API shows up as one type error in session-layer.ts instead of many in the service.
 *
 * Result types are the contract's: the session layer returns what the LabApi hands out, and the
 * service adds only the per-process session id.
 */
import type {
  Bookmark, CompareResult, DensityResult, KernelEventRow, KernelSummary, LabArgs, LabResults, SessionInfo, SqlResult,
  StateDiffEntry, TransitionRow, TRANSITION_TARGETS,
} from '../api/contract'
import type { PageScope, StateView } from '../../sim/view'
import type { RecordOptions as SessionRecordOptions } from '../session/types'
import type { FindingGroups } from '../session/results'
import type { FieldChange, FieldWatch, SavedWatch, Watch, WatchFindResult } from '../session/watch-types'
import type { WhereStarter } from '../session/watch-find'

/** What to record, progress, and the options of a recording: the session layer's own types. */
export type { RecordSource, RecordProgress } from '../session/types'
export type RecordOptions = Omit<SessionRecordOptions, 'tuning'>

/** The summary a finished recording returns (the `record --json` shape of cli-contract.md). */
export interface RecordSummary {
  file: string
  transitions: number
  [key: string]: unknown
}

/** Filter of a transitions query (the contract's, without the session id). */
export interface TransitionQuery {
  from?: number
  to?: number
  kinds?: string[]
  vcpu?: number
  sp?: number
  limit?: number
  at?: number
  index?: number
}

export type FindTarget = (typeof TRANSITION_TARGETS)[number] | { kind: string }
/** A field whose history is asked for (the contract's fieldHistory.field). */
export type FieldRef = LabArgs<'fieldHistory'>['field']

/** An open session file. Every method is synchronous (better-sqlite3) and throws a clear error. */
export interface SessionHandle {
  readonly path: string
  /** The session's metadata: SessionInfo without the per-process id. */
  info(): Omit<SessionInfo, 'session'>
  /** The state after `seq`, listing the shadow pages of `opts.pages` (default `all`). */
  view(seq: number, opts?: { pages?: PageScope }): StateView
  transitions(q: TransitionQuery): TransitionRow[]
  countTransitions(q: TransitionQuery): LabResults['transitionCount']
  transitionsByIndex(q: TransitionQuery & { index: number }): TransitionRow[]
  find(from: number, direction: 'next' | 'prev', target: FindTarget): TransitionRow | null
  fieldHistory(field: FieldRef, from?: number, to?: number, limit?: number): LabResults['fieldHistory']
  diff(a: number, b: number): StateDiffEntry[]
  density(buckets: number, from?: number, to?: number): DensityResult
  sql(query: string, limit?: number): SqlResult
  operations(from?: number, limit?: number): LabResults['operations']
  bookmarks(): Bookmark[]
  addBookmark(seq: number, note: string): Bookmark
  removeBookmark(id: number): void
  /** `replace`: an existing regular file at `out` may be replaced (the user confirmed it). */
  exportDb(out: string, o?: { replace?: boolean }): void
  exportPerfetto(out: string, o?: { replace?: boolean }): void
  /** Continue to watches (see LabApi findWatch). */
  findWatches(
    watches: Watch[], from: number, direction: 'next' | 'prev',
    opts?: { signal?: AbortSignal; onProgress?: (reached: number) => void; where?: WhereStarter },
  ): Promise<WatchFindResult>
  /** Every change of a watched value, with values before and after (see LabApi fieldChanges). */
  fieldChanges(field: FieldRef | FieldWatch, from?: number, to?: number, limit?: number): { changes: FieldChange[]; truncated: boolean }
  /** The findings grouped by shadow page, with each zombie's lifetime (see LabApi findingGroups). */
  findingGroups(): Promise<FindingGroups>
  watches(): SavedWatch[]
  addWatch(watch: Watch): SavedWatch
  removeWatch(id: number): void
  setWatchEnabled(id: number, enabled: boolean): void
  /** The kernel trace's events beside the model's (import / capture), or null if the file has none. */
  kernelSummary(): KernelSummary | null
  /** The kernel's events of the op groups overlapping [fromOp, toOp]; [] if the file has none. */
  kernelEvents(q: { fromOp?: number; toOp?: number; limit?: number }): KernelEventRow[]
  /** Per-vCPU lanes over [from, to] in `columns` columns (electron/session/lanes.ts). */
  lanes(from: number, to: number, columns: number): LabResults['lanes']
  close(): void
}

/** Comparison as the session layer returns it: the summaries' `session` is filled by the service. */
export type SessionCompare = Omit<CompareResult, 'a' | 'b'> & {
  a: Omit<CompareResult['a'], 'session'> & { session?: string }
  b: Omit<CompareResult['b'], 'session'> & { session?: string }
}

/** The session layer's entry points. */
export interface SessionLayer {
  recordSession(opts: RecordOptions): RecordSummary
  openSession(path: string, opts?: { readonly?: boolean; nativeBinding?: string }): SessionHandle
  compareSessions(a: SessionHandle, b: SessionHandle): SessionCompare
}
