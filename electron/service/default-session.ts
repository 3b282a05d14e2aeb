/**
 * The embedded default session: what a newcomer sees on first start (Electron) or when
 * `rootlab serve` is given no FILE. Recorded once into the data folder, re-recorded when the
 * file is missing, damaged, incomplete or from another model version (the session layer refuses
 * those with an error, and we record afresh).
 */
import { join } from 'node:path'
import type { Policy } from '../../sim/types'
import type { RecordSource } from './session-port'

export const DEFAULT_SESSION_SOURCE: RecordSource = {
  type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: 4000, seed: 1,
}
export const DEFAULT_SESSION_POLICY: Policy = 'free-obsolete'
export const DEFAULT_SESSION_FILE = 'default-session.rootlab'

/** Where the default session lives inside a data folder. */
export const defaultSessionPath = (dataDir: string): string => join(dataDir, DEFAULT_SESSION_FILE)
