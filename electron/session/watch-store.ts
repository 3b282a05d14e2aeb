/**
 * The watches a user keeps in a session file (table `watches`, schema.ts), like bookmarks. Reads
 * go through the session's connection; writes through a write connection (Session.write), which
 * creates the table first in files written before it existed.
 */
import type Database from 'better-sqlite3'
import { SessionError } from './errors'
import { WATCHES_SQL } from './schema'
import { watchLabel } from './watch-plan'
import { PAGE_FIELDS, type PageField, type SavedWatch, type Watch } from './watch-types'

/** Longest `where` expression kept. */
export const MAX_WHERE_LENGTH = 2000

const isInt = (x: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean =>
  Number.isInteger(x) && (x as number) >= min && (x as number) <= max

/**
 * The watch, checked and with only its own keys (a file edited by hand, or the renderer, may
 * hand anything). Throws SessionError naming what is wrong.
 */
export function checkWatch(w: unknown, vcpus: number): Watch {
  const o = (w ?? {}) as Record<string, unknown>
  const vcpu = (): number => {
    if (!isInt(o.vcpu, 0, vcpus - 1)) throw new SessionError(`vcpu ${String(o.vcpu)} does not exist (the session has vCPUs 0 to ${vcpus - 1})`)
    return o.vcpu as number
  }
  switch (o.type) {
    case 'slot':
      if (!isInt(o.slot, 0, 3)) throw new SessionError(`slot must be 0 (root) to 3 (prev_roots[2]), got ${String(o.slot)}`)
      return { type: 'slot', vcpu: vcpu(), slot: o.slot as number }
    case 'requests':
      return { type: 'requests', vcpu: vcpu() }
    case 'page': {
      if (!isInt(o.sp, 1)) throw new SessionError(`sp must be an integer >= 1, got ${String(o.sp)}`)
      if (o.field === undefined || o.field === null) return { type: 'page', sp: o.sp as number }
      if (!(PAGE_FIELDS as readonly unknown[]).includes(o.field)) {
        throw new SessionError(`unknown shadow-page field "${String(o.field)}" (allowed: ${PAGE_FIELDS.join(', ')})`)
      }
      return { type: 'page', sp: o.sp as number, field: o.field as PageField }
    }
    case 'where': {
      if (typeof o.expr !== 'string' || o.expr.trim() === '') throw new SessionError('a where watch needs an SQL expression')
      if (o.expr.length > MAX_WHERE_LENGTH) throw new SessionError(`the where expression is longer than ${MAX_WHERE_LENGTH} characters`)
      return { type: 'where', expr: o.expr.trim() }
    }
    default:
      throw new SessionError(`unknown watch type "${String(o.type)}" (allowed: slot, page, requests, where)`)
  }
}

function hasTable(db: Database.Database): boolean {
  return db.prepare(`SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'watches'`).get() !== undefined
}

/** The saved watches, oldest first. Rows that do not hold a valid watch are left out. */
export function listWatches(db: Database.Database, vcpus: number): SavedWatch[] {
  if (!hasTable(db)) return []
  const rows = db.prepare('SELECT id, watch, enabled, created FROM watches ORDER BY id').all() as
    { id: number; watch: string; enabled: number; created: string }[]
  const out: SavedWatch[] = []
  for (const r of rows) {
    try {
      const watch = checkWatch(JSON.parse(r.watch), vcpus)
      out.push({ id: r.id, watch, label: watchLabel(watch), enabled: r.enabled !== 0, created: r.created })
    } catch {
      // Not a watch this version understands (hand-edited, or from a newer model): not shown.
    }
  }
  return out
}

/** Saves a watch (already checked) on a write connection. */
export function addWatch(w: Database.Database, watch: Watch): SavedWatch {
  w.exec(WATCHES_SQL)
  const created = new Date().toISOString()
  const id = Number(w.prepare('INSERT INTO watches (watch, enabled, created) VALUES (?, 1, ?)').run(JSON.stringify(watch), created).lastInsertRowid)
  return { id, watch, label: watchLabel(watch), enabled: true, created }
}

/** Deletes a watch; throws if there is none with that id. */
export function removeWatch(w: Database.Database, id: number): void {
  const n = hasTable(w) ? w.prepare('DELETE FROM watches WHERE id = ?').run(id).changes : 0
  if (n === 0) throw new SessionError(`watch ${id} does not exist`)
}

/** Enables or disables a watch; throws if there is none with that id. */
export function setWatchEnabled(w: Database.Database, id: number, enabled: boolean): void {
  const n = hasTable(w) ? w.prepare('UPDATE watches SET enabled = ? WHERE id = ?').run(enabled ? 1 : 0, id).changes : 0
  if (n === 0) throw new SessionError(`watch ${id} does not exist`)
}
