/**
 * A session file's own triggers and views never run: opening refuses any schema other than the
 * one Root Lab wrote for the file's version (issue 9, part 3, last bullet).
 */
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, SCHEMA_VERSION, SessionError } from './index'
import { KERNEL_TABLES_SQL } from './kernel-schema'
import { alterTable, downgradeToV1, downgradeToV2, plantTrigger, plantView, triggerFired } from './testing/damage'
import { tempDir, thrownMessage } from './testing/fixtures'

const tmp = tempDir()
let good: string
beforeAll(() => {
  good = tmp.file('good.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'process-churn', vcpus: 2, steps: 50, seed: 1 }, policy: 'free-obsolete', out: good })
})
afterAll(() => tmp.cleanup())

const copy = (): string => tmp.copy(good)

/** The message of the SessionError `fn` throws. */
function refusal(fn: () => unknown): string {
  let error: unknown
  const msg = thrownMessage(() => {
    try {
      fn()
    } catch (e) {
      error = e
      throw e
    }
  })
  expect(error).toBeInstanceOf(SessionError)
  return msg
}

describe('opening a session whose schema is not the one Root Lab wrote', () => {
  it('refuses a planted trigger, so a bookmark never fires it', () => {
    const p = copy()
    const name = plantTrigger(p)
    const msg = refusal(() => {
      const s = openSession(p)
      try {
        s.addBookmark(1, 'note')
      } finally {
        s.close()
      }
    })
    expect(msg).toBe(`${p} is refused: its schema differs from the one Root Lab writes (table "pwned" is not part of a session); a session's own SQL never runs`)
    expect(triggerFired(p)).toBe(false)
    // The trigger alone (no extra table) is named as a trigger.
    const q = copy()
    new Database(q).exec(`CREATE TRIGGER ${name} AFTER INSERT ON bookmarks BEGIN DELETE FROM bookmarks; END;`)
    expect(refusal(() => openSession(q))).toMatch(/it has a trigger "bookmark_hook"/)
  })

  it('refuses a view and a table whose definition was changed', () => {
    const p = copy()
    plantView(p)
    expect(refusal(() => openSession(p))).toMatch(/it has a view "transitions_all"/)
    const q = copy()
    alterTable(q)
    expect(refusal(() => openSession(q))).toMatch(/table "bookmarks" is not defined as Root Lab defines it/)
    const r = copy()
    new Database(r).exec('CREATE INDEX extra ON chunks (n)')
    expect(refusal(() => openSession(r))).toMatch(/index "extra" is not part of a session/)
  })

  it('accepts the kernel tables of an imported session, a missing watches table, and schema 1', () => {
    const p = copy()
    new Database(p).exec(KERNEL_TABLES_SQL)
    openSession(p).close()
    const v1 = tmp.file('v1.rootlab')
    downgradeToV1(good, v1)
    const s = openSession(v1)
    expect(s.info().schema_version).toBe(1)
    s.addBookmark(2, 'still writable')
    expect(s.bookmarks()).toHaveLength(1)
    s.close()
  })

  it('refuses a schema-1 file that has the checksum columns of schema 2 (a schema of another version)', () => {
    const p = tmp.file('v2-as-v1.rootlab')
    downgradeToV2(good, p)
    const db = new Database(p)
    db.pragma('user_version = 1')
    db.close()
    expect(refusal(() => openSession(p))).toMatch(/table "chunks" is not defined as Root Lab defines it/)
  })

  it('reads schema 2 (operations a row each) and refuses a schema-2 file with op_blocks', () => {
    const v2 = tmp.file('v2.rootlab')
    downgradeToV2(good, v2)
    const s = openSession(v2)
    const g = openSession(good)
    try {
      expect(s.info().schema_version).toBe(2)
      expect(g.info().schema_version).toBe(SCHEMA_VERSION)
      expect(s.info().operations).toBe(g.info().operations)
      expect(s.operations(3, 50)).toEqual(g.operations(3, 50))
      expect(s.opEndSeqs()).toEqual(g.opEndSeqs())
    } finally {
      s.close()
      g.close()
    }
    const p = copy()
    const db = new Database(p)
    db.pragma('user_version = 2')
    db.close()
    expect(refusal(() => openSession(p))).toMatch(/table "op_blocks" is not part of a session/)
  })
})
