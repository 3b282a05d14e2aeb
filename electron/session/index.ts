/**
 * The session layer (Node only): recording a run into a session file, and reading it back.
 * This is the only code that writes SQLite. See schema.ts for the file layout and
 * docs/benchmarks.md ("Session database") for the measured choices.
 */
export { recordSession, DEFAULT_TUNING, PROGRESS_INTERVAL_MS } from './recorder'
export { openSession, Session, DEFAULT_LIMIT, MAX_LIMIT, type FinalSummary, type TransitionRecord } from './session'
export { compareSessions, canonicalState } from './compare'
export { SessionError } from './errors'
export { APPLICATION_ID, SCHEMA_VERSION, TABLE_DOCS } from './schema'
export { APP_VERSION } from './meta'
export { KIND_GROUPS } from './kind-groups'
export { SQL_DEFAULT_ROWS, SQL_MAX_ROWS, SQL_TIME_LIMIT_MS } from './sql-console'
export type { DiffEntry } from './state-diff'
export type { OpenOptions } from './open-file'
export type {
  FieldRef, FindTarget, RecordOptions, RecordProgress, RecordSource, RecordSummary, RecorderTuning, SessionInfoData,
  TransitionFilter,
} from './types'
export type { Bookmark, CompareResult, DensityResult, SqlResult } from './results'
