/**
 * Public types of the session layer: recording options and query arguments (the result types
 * are in results.ts).
 */
import type { Op, Policy } from '../../sim/types'
import type { PageField } from './watch-types'

/** What to record: a named scenario, a JSON script (cli-contract.md), or explicit operations. */
export type RecordSource =
  | { type: 'scenario'; scenario: string; vcpus: number; steps: number; seed: number; processes?: number; n_max_mmu_pages?: number }
  | { type: 'script'; name: string; text: string }
  | {
      type: 'ops'; name: string; vcpus: number; ops: Iterable<Op>; scenario?: string; seed?: number | null
      params?: Record<string, unknown>; n_max_mmu_pages?: number; total_ops?: number
    }

/** Progress of a recording. `total_ops` is 0 when unknown in advance (scenarios generate lazily). */
export interface RecordProgress {
  /** Operations executed so far. */
  ops: number
  total_ops: number
  /** Transitions recorded so far. */
  transitions: number
  /** 0..1: steps (scenario) or operations (script, ops) done. */
  fraction: number
}

export interface RecordOptions {
  source: RecordSource
  policy: Policy
  /** The session file to create. */
  out: string
  /** Overwrite an existing file. */
  force?: boolean
  /**
   * Stops the recording at the next operation boundary; the file stays a valid, incomplete
   * session. Inside a worker whose event loop is blocked by recording, abort it from onProgress
   * (called at least every PROGRESS_INTERVAL_MS) or use `cancelFlag`.
   */
  signal?: AbortSignal
  /** Alternative to `signal` across threads: recording stops once element 0 is non-zero. */
  cancelFlag?: Int32Array
  /** Called after each committed batch and at the end. */
  onProgress?: (p: RecordProgress) => void
  /** better-sqlite3 addon to load (an Electron-ABI build inside Electron); default: the Node one. */
  nativeBinding?: string
  /** Tuning for benchmarks and tests; defaults are the measured choices (docs/benchmarks.md). */
  tuning?: Partial<RecorderTuning>
}

export interface RecorderTuning {
  /** A chunk is closed at the first operation boundary after this many transitions. */
  chunkTarget: number
  /** ... or mid-operation at this many. */
  chunkMax: number
  /** A checkpoint is written at the first operation boundary this many transitions after the last. */
  checkpointInterval: number
  /** A transaction is committed when this many transitions are pending (at an op boundary)... */
  commitTransitions: number
  /** ... or this many milliseconds after the last commit. */
  commitMs: number
  /**
   * Write on a second thread (writer-thread.ts): default when the built writer worker exists
   * (the app, the CLI); from source (tests) the writer runs inline unless this is true.
   */
  writerThread?: boolean
}

/** The `record --json` object of cli-contract.md, plus a few extra fields. */
export interface RecordSummary {
  file: string
  transitions: number
  policy: Policy
  seed: number | null
  /** sha256 hex of the canonical transition stream; null when the recording was cancelled. */
  digest: string | null
  stats: Record<string, number>
  counters: Record<string, number>
  findings: number
  /** Extensions. */
  operations: number
  scenario: string
  vcpus: number
  complete: boolean
  cancelled: boolean
  ms: number
  /** False when a cancelled replace (force) left the old file in place instead of the new one. */
  written?: boolean
  [key: string]: unknown
}

/** A field whose history can be asked for (LabApi fieldHistory.field). */
export type FieldRef =
  | { type: 'slot'; vcpu: number; slot: number }
  | { type: 'sp'; sp: number; field: PageField }
  | { type: 'requests'; vcpu: number }

/** What find() looks for. */
export type FindTarget = 'root_zap' | 'finding' | 'memslot' | 'bookmark' | { kind: string }

/** A filter of transitions queries. */
export interface TransitionFilter {
  kinds?: string[]
  vcpu?: number
  sp?: number
}

export type { SessionInfoData } from './results'
