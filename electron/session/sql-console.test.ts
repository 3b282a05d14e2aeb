import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, recordSession, SessionError, type Session } from './index'
import { SqlConsole } from './sql-console'
import { tempDir } from './testing/fixtures'

const tmp = tempDir()
let file: string
let s: Session
beforeAll(() => {
  file = tmp.file('sql.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 500, seed: 1 }, policy: 'free-obsolete', out: file })
  s = openSession(file)
})
afterAll(() => {
  s.close()
  tmp.cleanup()
})

describe('the SQL console', () => {
  it('answers read-only queries over the documented tables', () => {
    const r = s.sql("SELECT key, value FROM meta WHERE key IN ('policy', 'complete') ORDER BY key")
    expect(r.columns).toEqual(['key', 'value'])
    expect(r.rows).toEqual([['complete', '1'], ['policy', 'free-obsolete']])
    expect(r.truncated).toBe(false)
    const z = s.sql('WITH z AS (SELECT seq FROM root_zaps) SELECT count(*) AS n FROM z')
    expect(z.rows[0]![0]).toBe(s.info().root_zaps)
    expect(s.sql('SELECT op, count(*) FROM operations GROUP BY op').rows.length).toBeGreaterThan(2)
    expect(s.sql('EXPLAIN QUERY PLAN SELECT * FROM root_zaps WHERE seq > 10').rows.length).toBeGreaterThan(0)
    expect(s.sql('SELECT data FROM chunk_data LIMIT 1').rows[0]![0]).toMatch(/^<blob \d+ bytes: [0-9a-f]+/)
  })

  it('shows the operations (packed in op_blocks since schema 3) as the operations table, joins on idx included', () => {
    const ops = s.operations(0, 100_000)
    const r = s.sql('SELECT idx, op, vcpu, pgd, gva, gfn, action, last_seq FROM operations ORDER BY idx', 100_000)
    expect(r.rows).toHaveLength(s.info().operations)
    expect(r.rows.map((row) => [row[0], row[7]])).toEqual(ops.map((o) => [o.index, o.last_seq]))
    const memslots = ops.filter((o) => o.op.op === 'memslot').length
    expect(s.sql("SELECT count(*) FROM operations WHERE op = 'memslot'").rows[0]![0]).toBe(memslots)
    // Each transition's operation, by a join on idx: the seq ranges agree.
    const bad = s.sql('SELECT count(*) FROM transitions t JOIN operations o ON o.idx = t.op ' +
      'WHERE t.seq > o.last_seq OR t.seq <= coalesce((SELECT last_seq FROM operations p WHERE p.idx = o.idx - 1), 0)')
    expect(bad.rows[0]![0]).toBe(0)
    expect(s.sqlConsole().catalog().filter((t) => t.name === 'operations')).toEqual([expect.objectContaining({ type: 'table', columns: ['idx', 'op', 'vcpu', 'pgd', 'gva', 'gfn', 'action', 'last_seq'] })])
  })

  it('limits rows and says when it truncated', () => {
    const r = s.sql('SELECT idx FROM operations ORDER BY idx', 5)
    expect(r.rows).toEqual([[0], [1], [2], [3], [4]])
    expect(r.truncated).toBe(true)
  })

  it.each([
    ['INSERT INTO bookmarks (seq, note, created) VALUES (1, "x", "now")', /only a read-only SELECT/],
    ['UPDATE meta SET value = 0', /only a read-only SELECT/],
    ['DELETE FROM operations', /only a read-only SELECT/],
    ['DROP TABLE meta', /only a read-only SELECT/],
    ['CREATE TABLE t (x)', /only a read-only SELECT/],
    ["ATTACH DATABASE 'other.db' AS o", /only a read-only SELECT/],
    ['DETACH DATABASE main', /only a read-only SELECT/],
    ['PRAGMA user_version = 5', /only a read-only SELECT/],
    ['PRAGMA journal_mode = DELETE', /only a read-only SELECT/],
    ['VACUUM', /only a read-only SELECT/],
    ['  /* sneaky */ -- comment\n REINDEX', /not REINDEX/],
    ['SELECT 1; DELETE FROM meta', /only one SQL statement/],
    ["SELECT load_extension('/tmp/evil.so')", /load_extension\(\) is not allowed/],
    ['WITH x AS (SELECT 1) DELETE FROM meta', /read-only: this statement would write/],
    ['SELECT * FROM no_such_table', /SQL: no such table: no_such_table/],
  ])('refuses %s', (sql, message) => {
    const before = createHash('sha256').update(readFileSync(file)).digest('hex')
    expect(() => s.sql(sql)).toThrow(SessionError)
    expect(() => s.sql(sql)).toThrow(message)
    expect(createHash('sha256').update(readFileSync(file)).digest('hex')).toBe(before)
  })

  it('stops a query that runs past its time limit', () => {
    const c = new SqlConsole(file)
    try {
      // Every row costs a few ms (a join), so 10,000 rows would take far longer than 30 ms.
      const slow = 'WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n), m(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM m WHERE j < 300) ' +
        'SELECT (SELECT count(*) FROM m AS x, m AS y WHERE y.j < 300 + i) FROM n'
      expect(() => c.run(slow, 10_000, 30)).toThrow(/took longer than 30 ms/)
    } finally {
      c.close()
    }
  })
})
