/**
 * `rootlab sql` and `rootlab export --format flat` on real session files, through the CLI's
 * main() (exit codes, stdout, stderr lines as a user sees them): the transitions table against
 * `events --json` row for row, roots_at against `inspect --json` at random seqs, the flat copy
 * against both.
 */
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordSession } from '../session/index'
import { tempDir } from '../session/testing/fixtures'
import type { Io } from './io'
import { main } from './main'

const tmp = tempDir()
let file: string

async function rootlab(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const io: Io = { out: (t) => void (out += t), err: (t) => void (err += t), errIsTTY: false, columns: 120 }
  const code = await main(argv, io)
  return { code, out, err }
}

async function json(...argv: string[]): Promise<unknown> {
  const r = await rootlab(...argv)
  expect(r.err).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.out)
}

beforeAll(() => {
  file = tmp.file('cli-sql.rootlab')
  recordSession({ source: { type: 'scenario', scenario: 'mixed', vcpus: 2, steps: 600, seed: 9 }, policy: 'free-obsolete-buggy', out: file })
})
afterAll(() => tmp.cleanup())

/** A row of `transitions` as events --json prints the transition: fields parsed, booleans back. */
function asEvent(row: Record<string, unknown>): Record<string, unknown> {
  return { seq: row.seq, op: row.op, kind: row.kind, vcpu: row.vcpu, ...(JSON.parse(row.fields as string) as object) }
}

describe('rootlab sql', () => {
  it('prints the transitions table row for row as events --json prints the transitions', async () => {
    const events = (await json('events', file, '--json')) as Record<string, unknown>[]
    expect(events.length).toBeGreaterThan(3000)
    expect(events.length).toBeLessThanOrEqual(10_000)
    const rows = (await json('sql', file, 'SELECT * FROM transitions', '--json', '--limit', '10000')) as Record<string, unknown>[]
    expect(rows.length).toBe(events.length)
    rows.forEach((r, i) => {
      expect(asEvent(r)).toEqual(events[i])
      // The field columns hold the same values, integers as integers and booleans as 0/1.
      for (const [k, v] of Object.entries(events[i]!)) {
        if (['seq', 'op', 'kind', 'vcpu'].includes(k)) continue
        expect(r[k]).toEqual(typeof v === 'boolean' ? +v : typeof v === 'string' && /^0x/.test(v) ? parseInt(v, 16) : v)
      }
    })
  }, 60_000)

  it('gives roots_at(seq) and pages_at(seq) as inspect --json at random seqs', async () => {
    const info = (await json('info', file, '--json')) as { transitions: number }
    let x = 99
    for (let i = 0; i < 5; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31
      const seq = i === 0 ? 0 : i === 1 ? info.transitions : x % info.transitions
      const view = (await json('inspect', file, '--at', String(seq), '--json')) as {
        vcpus: { id: number; root: Record<string, unknown>; prev_roots: Record<string, unknown>[] }[]
        shadow_pages: Record<string, unknown>[]
      }
      const roots = (await json('sql', file, `SELECT * FROM roots_at(${seq})`, '--json')) as Record<string, unknown>[]
      const pages = new Map(view.shadow_pages.map((p) => [p.sp, p]))
      const want = view.vcpus.flatMap((v) => [v.root, ...v.prev_roots].map((s, k) => {
        const p = s.sp === null ? undefined : pages.get(s.sp)
        return {
          vcpu: v.id, slot: k === 0 ? 'root' : `prev_roots[${k - 1}]`, pgd: s.pgd, hpa: s.hpa, sp: s.sp,
          root_count: p ? p.root_count : null, invalid: p ? +(p.invalid as boolean) : null, obsolete: p ? +(p.obsolete as boolean) : null,
        }
      }))
      expect(roots).toEqual(want)
      const sqlPages = (await json('sql', file, `SELECT * FROM pages_at(${seq})`, '--json', '--limit', '10000')) as Record<string, unknown>[]
      expect(sqlPages.map((p) => ({ ...p, held_by: JSON.parse(p.held_by as string) as unknown })))
        .toEqual(view.shadow_pages.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, typeof v === 'boolean' ? +v : v]))))
    }
  }, 120_000)

  it('prints a table, CSV, and says when rows were cut', async () => {
    const t = await rootlab('sql', file, "SELECT seq, kind, fields FROM transitions WHERE kind = 'kvm_mmu_get_page' LIMIT 2")
    expect(t.code).toBe(0)
    expect(t.out.split('\n')[0]).toMatch(/^seq\s+kind\s+fields$/)
    expect(t.out).toMatch(/kvm_mmu_get_page\s+\{"sp":/)
    expect(t.out).toMatch(/\(2 rows, [\d.]+ ms\)\n$/)
    const c = await rootlab('sql', file, "SELECT 1 AS a, 'x,\"y\"' AS b, NULL AS c", '--csv')
    expect(c.out).toBe('a,b,c\n1,"x,""y""",\n')
    const esc = await rootlab('sql', file, "SELECT char(27) || '[2J' AS v")
    expect(esc.out).toContain('\\u001b[2J') // escaped: a value cannot act on the terminal
    const cut = await rootlab('sql', file, 'SELECT seq FROM transitions', '--limit', '3', '--json')
    expect(JSON.parse(cut.out)).toEqual([{ seq: 1 }, { seq: 2 }, { seq: 3 }])
    expect(cut.err).toBe('rootlab: note: only the first 3 rows are shown; --limit N shows up to 10,000\n')
  }, 60_000)

  it('refuses bad queries, stops long ones at --timeout, each in one line', async () => {
    expect(await rootlab('sql', file, 'SELECT * FROM nope')).toEqual({ code: 1, out: '', err: 'rootlab: SQL: no such table: nope\n' })
    expect((await rootlab('sql', file, 'DELETE FROM meta')).err).toMatch(/^rootlab: only a read-only SELECT, WITH, VALUES or EXPLAIN query is allowed, not DELETE\n$/)
    const t0 = Date.now()
    const hang = await rootlab('sql', file, 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c', '--timeout', '0.5')
    expect(hang).toEqual({ code: 1, out: '', err: 'rootlab: the SQL query ran past its deadline of 500 ms and was stopped (give it more time with --timeout S)\n' })
    expect(Date.now() - t0).toBeLessThan(5000)
    expect((await rootlab('sql', file, 'SELECT 1', '--json', '--csv')).code).toBe(2)
    expect((await rootlab('sql', file)).err).toMatch(/^rootlab: missing FILE and "QUERY"/)
    expect((await rootlab('sql', file, 'SELECT 1', '--timeout', 'soon')).err).toMatch(/^rootlab: --timeout must be seconds/)
    expect(await rootlab('sql', tmp.file('none.rootlab'), 'SELECT 1')).toMatchObject({ code: 1, err: expect.stringMatching(/^rootlab: .*none\.rootlab.*\n$/) })
  }, 60_000)
})

describe('rootlab export --format flat', () => {
  it('writes a plain SQLite copy with a real transitions table and the index tables', async () => {
    const out = tmp.file('flat.sqlite')
    const r = await rootlab('export', file, '--format', 'flat', '--out', out)
    expect(r).toMatchObject({ code: 0, err: '' })
    expect(r.out).toMatch(/^Wrote .*flat\.sqlite \([\d,]+ bytes\)\n$/)
    const db = new Database(out, { readonly: true })
    try {
      const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all()
      expect(tables).toEqual(expect.arrayContaining(['transitions', 'operations', 'findings', 'root_zaps', 'memslots', 'meta', 'bookmarks']))
      expect(tables).not.toContain('chunk_data')
      expect(tables).not.toContain('op_blocks')
      // The operations, a row each, as the SQL console shows them (schema 3 packs them in op_blocks).
      const flatOps = db.prepare('SELECT * FROM operations ORDER BY idx').all()
      expect(flatOps.length).toBeGreaterThan(100)
      expect(flatOps).toEqual(await json('sql', file, 'SELECT * FROM operations ORDER BY idx', '--json', '--limit', '10000'))
      const flat = db.prepare('SELECT * FROM transitions ORDER BY seq').all() as Record<string, unknown>[]
      const live = (await json('sql', file, 'SELECT * FROM transitions', '--json', '--limit', '10000')) as Record<string, unknown>[]
      expect(flat).toEqual(live)
      const findings = db.prepare('SELECT count(*) FROM findings').pluck().get() as number
      expect(findings).toBeGreaterThan(0)
      expect(db.prepare("SELECT count(*) FROM transitions WHERE kind = 'finding'").pluck().get()).toBe(findings)
      expect(db.pragma('application_id', { simple: true })).toBe(0)
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete')
    } finally {
      db.close()
    }
    // Not a session: Root Lab refuses to open it; an existing OUT needs --force.
    expect((await rootlab('info', out)).code).toBe(1)
    expect((await rootlab('export', file, '--format', 'flat', '--out', out)).err).toMatch(/already exists \(use --force/)
    expect((await rootlab('export', file, '--format', 'flat', '--out', out, '--force')).code).toBe(0)
    expect((await rootlab('export', file, '--format', 'csv', '--out', out)).err).toMatch(/unknown format "csv" \(allowed: db, perfetto, flat\)/)
    expect(existsSync(out)).toBe(true)
  }, 60_000)
})
