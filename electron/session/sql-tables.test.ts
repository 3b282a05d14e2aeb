import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRANSITION_KINDS, transition_fields, type Transition } from '../../sim/transitions'
import { state_view } from '../../sim/view'
import { KIND_INDEX } from './codec'
import { openSession, recordSession, type Session } from './index'
import { findWhere } from './find-where'
import { FIELD_COLUMNS, FULL_MASK, PUSHED_COLUMNS, TRANSITION_COLUMNS, pageRows, rootRows, variantColumns } from './sql-tables'
import { chunkCount } from './summary'
import { tempDir } from './testing/fixtures'
import { eventJson, fieldsJson } from './transition-json'

const tmp = tempDir()
let file: string
let s: Session
let all: Transition[]

beforeAll(() => {
  file = tmp.file('tables.rootlab')
  // The buggy kernel, so there are findings (and zombie roots) to query. Chunks of at most 512
  // transitions, so that a rare kind is in few of them (chunks also end at the recorder's timed
  // commits, which a fast recording makes few).
  recordSession({
    source: { type: 'scenario', scenario: 'mixed', vcpus: 3, steps: 1200, seed: 4 }, policy: 'free-obsolete-buggy', out: file,
    tuning: { chunkTarget: 512 },
  })
  s = openSession(file)
  all = [...s.iterate({})]
})
afterAll(() => {
  s.close()
  tmp.cleanup()
})

/** Every row of a query as objects (no row cap: the console connection directly). */
function rows(sql: string, ...params: unknown[]): Record<string, unknown>[] {
  return s.sqlConsole().sqlTables()!.prepare(sql).all(...params) as Record<string, unknown>[]
}

/** A transition as the `transitions` table must show it. */
function expectedRow(t: Transition): Record<string, unknown> {
  const r = t as unknown as Record<string, unknown>
  const o: Record<string, unknown> = { seq: t.seq, op: t.op, vcpu: t.vcpu, kind: t.kind, fields: JSON.stringify(fieldsJson(t)) }
  for (const c of FIELD_COLUMNS) o[c] = null
  for (const f of transition_fields(t.kind)) o[f] = typeof r[f] === 'boolean' ? (r[f] ? 1 : 0) : r[f]
  return o
}

describe('the transitions table', () => {
  it('has every transition, row for row, with the values of events --json', () => {
    expect(all.length).toBeGreaterThan(10_000)
    const got = rows('SELECT * FROM transitions')
    expect(got.length).toBe(all.length)
    for (let i = 0; i < all.length; i++) {
      const t = all[i]!
      expect(got[i]).toEqual(expectedRow(t))
      // `fields` is exactly the part of events --json after seq, op, kind, vcpu.
      const { seq: _s, op: _o, kind: _k, vcpu: _v, ...fields } = eventJson(t)
      expect(JSON.parse(got[i]!.fields as string)).toEqual(fields)
    }
    expect(Object.keys(got[0]!)).toEqual([...TRANSITION_COLUMNS])
  })

  it('answers filters on pushed and other columns like a scan of the stream', () => {
    const zap = all.filter((t) => t.kind === 'kvm_mmu_prepare_zap_page' && t.root_count > 1).map((t) => t.seq)
    expect(zap.length).toBeGreaterThan(0)
    expect(rows("SELECT seq FROM transitions WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1").map((r) => r.seq)).toEqual(zap)
    const v1 = all.filter((t) => t.vcpu === 1 && (t.kind === 'mmu_alloc_root' || t.kind === 'mmu_free_root_page')).map((t) => t.seq)
    expect(rows("SELECT seq FROM transitions WHERE vcpu = 1 AND kind IN ('mmu_alloc_root', 'mmu_free_root_page') ORDER BY seq").map((r) => r.seq)).toEqual(v1)
    const sp8 = all.filter((t) => (t as unknown as { sp?: number }).sp === 8).map((t) => t.seq)
    expect(rows('SELECT seq FROM transitions WHERE sp = 8').map((r) => r.seq)).toEqual(sp8)
    // Not '=' on pushed columns: the fallback plans.
    const vmWide = all.filter((t) => t.vcpu === null).length
    expect(rows('SELECT count(*) AS n FROM transitions WHERE vcpu IS NULL')[0]!.n).toBe(vmWide)
    expect(rows('SELECT count(*) AS n FROM transitions WHERE seq > 100 AND seq <= 200')[0]!.n).toBe(100)
    const zaps = all.filter((t) => t.kind.includes('zap')).length
    expect(rows("SELECT count(*) AS n FROM transitions WHERE kind LIKE '%zap%'")[0]!.n).toBe(zaps)
    expect(rows("SELECT count(*) AS n FROM transitions WHERE kind = 'kvm_mmu_get_page' OR vcpu = 0")[0]!.n)
      .toBe(all.filter((t) => t.kind === 'kvm_mmu_get_page' || t.vcpu === 0).length)
    // A join on seq reads one chunk per outer row.
    const f = rows('SELECT f.seq, t.kind, t.rule FROM findings f JOIN transitions t ON t.seq = f.seq')
    expect(f.length).toBe(s.info().findings)
    for (const r of f) expect(r).toMatchObject({ kind: 'finding' })
    // Values that cannot match a pushed column give no rows, never an error.
    expect(rows("SELECT count(*) AS n FROM transitions WHERE kind = 'no_such_kind'")[0]!.n).toBe(0)
    expect(rows("SELECT count(*) AS n FROM transitions WHERE vcpu = 'x'")[0]!.n).toBe(0)
    expect(rows('SELECT count(*) AS n FROM transitions WHERE seq = 0')[0]!.n).toBe(0)
  })

  it('decodes only the chunks whose summaries can match a pushed filter', () => {
    const store = s.store
    const decode = store.decode.bind(store)
    const decodeWhere = store.decodeWhere.bind(store)
    const seen = new Set<number>()
    store.decode = (i: number) => {
      seen.add(i)
      return decode(i)
    }
    store.decodeWhere = (i, keep) => {
      seen.add(i)
      return decodeWhere(i, keep)
    }
    try {
      const kinds = new Set([KIND_INDEX.kvm_mmu_zap_all_fast!])
      const canMatch = store.chunks.map((c, i) => [c, i] as const).filter(([c]) => chunkCount(c, { kinds }) > 0).map(([, i]) => i)
      expect(canMatch.length).toBeGreaterThan(0)
      expect(canMatch.length).toBeLessThan(store.chunks.length / 2)
      const got = rows("SELECT seq FROM transitions WHERE kind = 'kvm_mmu_zap_all_fast' AND used_pages > 0")
      expect(got.map((r) => r.seq)).toEqual(all.filter((t) => t.kind === 'kvm_mmu_zap_all_fast' && t.used_pages > 0).map((t) => t.seq))
      expect([...seen].sort((a, b) => a - b)).toEqual(canMatch)
      seen.clear()
      rows('SELECT seq FROM transitions_in(?, ?)', 5000, 5100)
      expect([...seen]).toEqual([...new Set([store.chunkIndexOf(5000), store.chunkIndexOf(5100)])])
    } finally {
      store.decode = decode
      store.decodeWhere = decodeWhere
    }
  })

  it('decodeWhere builds exactly the transitions a full decode would keep (sp deltas read past)', () => {
    const fresh = openSession(file) // an empty chunk cache: decodeWhere reads the blobs
    try {
      const keeps: ((k: number, v: number | null) => boolean)[] = [
        (k) => k === KIND_INDEX.kvm_mmu_free_page,
        (_k, v) => v === 1,
        (k, v) => k === KIND_INDEX.link_shadow_page && v === 0,
      ]
      for (const keep of keeps) {
        for (let i = 0; i < fresh.store.chunks.length; i++) {
          const got = fresh.store.decodeWhere(i, keep)
          expect(got).toEqual(s.store.decode(i).filter((t) => keep(KIND_INDEX[t.kind]!, t.vcpu)))
        }
      }
    } finally {
      fresh.close()
    }
  })

  it('transitions_in(from, to, kind, vcpu, sp) reads a range, with its filters', () => {
    const want = (f: (t: Transition) => boolean) => all.filter(f).map((t) => t.seq)
    expect(rows('SELECT seq FROM transitions_in(100, 199)').map((r) => r.seq)).toEqual(want((t) => t.seq >= 100 && t.seq <= 199))
    expect(rows("SELECT seq FROM transitions_in(1, 100000, 'kvm_mmu_get_page,kvm_mmu_free_page', 2)").map((r) => r.seq))
      .toEqual(want((t) => (t.kind === 'kvm_mmu_get_page' || t.kind === 'kvm_mmu_free_page') && t.vcpu === 2))
    expect(rows("SELECT seq FROM transitions_in(1, 100000, '*', -1, 8)").map((r) => r.seq)).toEqual(want((t) => (t as unknown as { sp?: number }).sp === 8))
    expect(Object.keys(rows('SELECT * FROM transitions_in(1, 1)')[0]!)).toEqual([...TRANSITION_COLUMNS])
    expect(() => rows("SELECT * FROM transitions_in(1, 10, 'nope')")).toThrow(/transitions_in: unknown transition kind "nope"/)
    expect(() => rows("SELECT * FROM transitions_in('a', 10)")).toThrow(/transitions_in: from must be an integer seq/)
  })
})

describe('address helpers', () => {
  it('to_hex and from_hex convert addresses both ways', () => {
    expect(rows("SELECT to_hex(4096) AS a, from_hex('0x1000') AS b, from_hex('A000') AS c, to_hex(NULL) AS d, from_hex('zz') AS e")[0])
      .toEqual({ a: '0x1000', b: 4096, c: 40960, d: null, e: null })
    const t = all.find((x) => x.kind === 'kvm_set_cr3')!
    expect(rows(`SELECT to_hex(cr3) AS h FROM transitions WHERE seq = ${t.seq}`)[0]!.h).toBe(JSON.parse(rows(`SELECT fields FROM transitions WHERE seq = ${t.seq}`)[0]!.fields as string).cr3)
    expect(rows("SELECT to_hex('0x1A2b') AS a, to_hex('1000') AS b, to_hex('zz') AS c")[0]).toEqual({ a: '0x1a2b', b: '0x1000', c: null })
  })
})

describe('roots_at(seq) and pages_at(seq)', () => {
  it('give the state of inspect --json at random seqs', () => {
    let x = 12345
    const seqs = [0, 1, s.total, ...Array.from({ length: 25 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % (s.total + 1))]
    for (const seq of seqs) {
      const v = state_view(s.stateAt(seq), seq)
      const roots = rows('SELECT * FROM roots_at(?)', seq)
      expect(roots.map((r) => Object.values(r))).toEqual(rootRows(v))
      expect(roots.length).toBe(v.vcpus.length * 4)
      // Each slot as inspect --json prints it; root_count / invalid / obsolete from shadow_pages.
      for (const r of roots) {
        const c = v.vcpus[r.vcpu as number]!
        const m = /^prev_roots\[(\d)\]$/.exec(r.slot as string)
        const slot = r.slot === 'root' ? c.root : c.prev_roots[Number(m![1])]!
        expect([r.pgd, r.hpa, r.sp]).toEqual([slot.pgd, slot.hpa, slot.sp])
        const p = v.shadow_pages.find((q) => q.sp === slot.sp)
        expect([r.root_count, r.invalid, r.obsolete]).toEqual(p ? [p.root_count, +p.invalid, +p.obsolete] : [null, null, null])
      }
      const pages = rows('SELECT * FROM pages_at(?)', seq)
      expect(pages.map((r) => Object.values(r))).toEqual(pageRows(v))
      expect(pages.map((p) => p.sp)).toEqual(v.shadow_pages.map((p) => p.sp))
      expect(pages.map((p) => p.gfn)).toEqual(v.shadow_pages.map((p) => p.gfn))
    }
  })

  it('join with the index tables, and refuse a seq out of range in one line', () => {
    const z = rows("SELECT f.seq, r.vcpu, r.slot FROM findings f, roots_at(f.seq) r WHERE f.rule = 'obsolete_root_kept' AND r.sp = f.sp AND r.obsolete = 1 LIMIT 5")
    expect(z.length).toBeGreaterThan(0)
    expect(() => rows('SELECT * FROM roots_at(?)', s.total + 1)).toThrow(new RegExp(`roots_at: seq must be an integer from 0 to ${s.total}`))
    expect(() => rows('SELECT * FROM pages_at')).toThrow(/pages_at\(seq\) needs a seq/)
  })
})

describe('better-sqlite3 behaviour the tables rely on (12.x, custom-table.cpp)', () => {
  it('is the pinned major version', async () => {
    const { createRequire } = await import('node:module')
    expect((createRequire(import.meta.url)('better-sqlite3/package.json') as { version: string }).version).toMatch(/^12\./)
  })

  it("refuses a plan with a non-'=' constraint on a parameter, naming it, which the fallback catches", () => {
    const c = s.sqlConsole()
    const db = c.conn()
    const variant = c.sqlTables()!.variant(FULL_MASK)
    for (const col of PUSHED_COLUMNS) {
      expect(() => db.prepare(`SELECT count(*) FROM ${variant} WHERE ${col} > 1`)).toThrow(
        `virtual table parameter "${col}" can only be constrained by the '=' operator`)
    }
    // The view over the full variant; after the fallback, the mask lacks exactly the refused column.
    const tables = c.sqlTables()!
    tables.prepare('SELECT count(*) FROM transitions WHERE seq > 1 AND kind = \'finding\'')
    expect(tables.pushedMask).toBe(FULL_MASK & ~1)
    tables.prepare('SELECT count(*) FROM transitions WHERE kind = \'finding\'')
    expect(tables.pushedMask).toBe(FULL_MASK)
  })

  it('hands the generator one call per IN value, and declares parameters first', () => {
    const { params, visible, columns } = variantColumns(FULL_MASK)
    expect(params).toEqual(['seq', 'kind', 'vcpu', 'sp', 'from_seq', 'to_seq'])
    expect(visible).toBe(4)
    expect([...params.slice(0, visible), ...columns].sort()).toEqual([...TRANSITION_COLUMNS].sort())
    const db = new Database(':memory:')
    const calls: unknown[][] = []
    db.table('probe', {
      parameters: ['p'], columns: ['x'],
      *rows(p: unknown) {
        calls.push([p])
        yield { x: 1 }
      },
    })
    db.prepare('SELECT * FROM probe WHERE p IN (1, 2, 3)').all()
    expect(calls).toEqual([[1], [2], [3]])
    db.close()
  })
})

describe('findWhere', () => {
  const brute = (pred: (t: Transition) => boolean, from: number, backward: boolean): number | null => {
    if (backward) {
      for (let i = all.length - 1; i >= 0; i--) if (all[i]!.seq < from && pred(all[i]!)) return all[i]!.seq
      return null
    }
    for (const t of all) if (t.seq > from && pred(t)) return t.seq
    return null
  }

  it('finds the next and previous match like a scan of the stream', () => {
    const cases: [string, (t: Transition) => boolean][] = [
      ["kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1", (t) => t.kind === 'kvm_mmu_prepare_zap_page' && t.root_count > 1],
      ["kind = 'finding' AND vcpu = 2", (t) => t.kind === 'finding' && t.vcpu === 2],
      ['sp = 8', (t) => (t as unknown as { sp?: number }).sp === 8],
      ["vcpu IS NULL AND kind LIKE 'kvm_mmu_zap%' -- comment", (t) => t.vcpu === null && t.kind.startsWith('kvm_mmu_zap')],
      ['seq % 5000 = 0', (t) => t.seq % 5000 === 0],
    ]
    const db = s.sqlConsole().conn()
    const tables = s.sqlConsole().sqlTables()!
    for (const [where, pred] of cases) {
      for (const from of [0, 1, 777, Math.floor(s.total / 2), s.total - 1, s.total]) {
        for (const backward of [false, true]) {
          const r = findWhere(db, tables, s.total, { where, from, backward })
          expect(r.seq, `${where} from ${from} ${backward ? 'backward' : 'forward'}`).toBe(brute(pred, from, backward))
        }
      }
    }
  })

  it('reports progress over growing windows and stops when asked', () => {
    const progress: { scanned: number; total: number; at: number }[] = []
    const r = s.sqlConsole().findWhere({ where: "kind = 'no_such_kind'", from: 0, onProgress: (p) => progress.push(p) })
    expect(r.seq).toBeNull()
    expect(r.scanned).toBe(s.total)
    expect(progress.at(-1)).toEqual({ scanned: s.total, total: s.total, at: s.total })
    expect(progress[1]!.scanned - progress[0]!.scanned).toBe(2 * progress[0]!.scanned)
    let n = 0
    expect(() => s.sqlConsole().findWhere({ where: 'op >= 0 AND 0', from: 0, shouldStop: () => ++n > 2 })).toThrow(/the search was stopped/)
  })

  it.each([
    ['', /the condition is empty/],
    ['kind = 1; DROP TABLE meta', /without ";"/],
    ['1) UNION SELECT (1', /closes a parenthesis it did not open/],
    ["kind = 'x", /unterminated string/],
    ['(kind = 1', /leaves a parenthesis open/],
    ['/* x', /unterminated comment/],
    ['no_such_column = 1', /SQL: no such column: no_such_column/],
  ])('refuses the condition %s in one line', (where, message) => {
    expect(() => s.sqlConsole().findWhere({ where, from: 0 })).toThrow(message)
  })

  it('knows every kind', () => {
    for (const k of TRANSITION_KINDS) expect(KIND_INDEX[k]).toBeTypeOf('number')
  })
})
