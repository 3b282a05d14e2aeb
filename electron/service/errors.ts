/**
 * Errors as they cross the LabApi boundary: one readable line, never a stack trace, never an
 * internal path of the app's own source.
 */
import type { LabResult } from '../api/contract'
import { escapeControls } from '../../sim/quote'

/** Longest error line we hand to the renderer; a longer message is cut (a runaway SQL error). */
const MAX_ERROR_LENGTH = 500

/** An error whose message is already written for a user (thrown by the service itself). */
export class LabError extends Error {
  override name = 'LabError'
}

/** The first line of an error's message, trimmed, bounded, control characters escaped; a fallback for non-errors. */
export function errorLine(e: unknown): string {
  const raw = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unexpected error'
  const first = escapeControls(raw.split(/\r?\n/, 1)[0]!.trim()) || 'unexpected error'
  return first.length > MAX_ERROR_LENGTH ? `${first.slice(0, MAX_ERROR_LENGTH - 1)}…` : first
}

/** Wraps a value as a successful result. */
export const ok = <T>(value: T): LabResult<T> => ({ ok: true, value })

/** Wraps an error as a failed result with one readable line. */
export const fail = (e: unknown): { ok: false; error: string } => ({ ok: false, error: errorLine(e) })
