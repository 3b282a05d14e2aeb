/** Reading and writing the `meta` key/value table, and the app version. */
import type Database from 'better-sqlite3'
import packageJson from '../../package.json'

/** The app version stored in every session (package.json "version"). */
export const APP_VERSION: string = (packageJson as { version: string }).version

/** Keys of the meta table. */
export type MetaKey =
  | 'app_version' | 'model_version' | 'policy' | 'scenario' | 'seed' | 'vcpus' | 'params' | 'complete'
  | 'cancelled' | 'started' | 'finished' | 'digest' | 'n_max_mmu_pages' | 'summary' | 'source'

export function writeMeta(db: Database.Database, values: Partial<Record<MetaKey, string | number | null>>): void {
  const put = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
  for (const [k, v] of Object.entries(values)) put.run(k, v === null || v === undefined ? null : String(v))
}

export function readMeta(db: Database.Database): Map<string, string | null> {
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string | null }[]
  return new Map(rows.map((r) => [r.key, r.value]))
}
