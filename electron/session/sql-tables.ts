/**
 * The SQL tables of a session that are computed, not stored: every transition (`transitions`,
 * `transitions_in(from, to, ...)`) decoded from the chunks, and every moment's state
 * (`roots_at(seq)`, `pages_at(seq)`) replayed from the nearest checkpoint. Registered on the SQL
 * console's read-only connection (sql-console.ts).
 *
 * How filters reach the chunk summaries. better-sqlite3 (12.x, src/util/custom-table.cpp
 * xBestIndex) forwards to a virtual table's generator only '=' constraints (and IN, as one call
 * per value) on its declared *parameters*, which are the first columns of the table it
 * declares; any other operator on a parameter makes SQLite's plan fail ("virtual table parameter
 * "x" can only be constrained by the '=' operator"), and constraints on the other columns never
 * reach JavaScript. So:
 *   - Each "variant" module `transitions_v<mask>` declares, through better-sqlite3's internal
 *     table path (the one db.table() uses, given our own CREATE TABLE), the pushed columns of
 *     `mask` (seq, kind, vcpu, sp) as visible parameters, then the hidden parameters from_seq
 *     and to_seq, then the other columns. `transitions` is a TEMP VIEW over one variant that
 *     puts the columns back in their documented order (seq, op, vcpu, kind, fields, fields...).
 *     `kind = 'x'`, `vcpu IN (1, 2)`, `sp = 8`, `seq = 152` (also a join on seq) are handed to
 *     the generator, which skips every chunk whose summary (kinds, counts per vCPU, bloom filter
 *     of sp) cannot match, and decodes only the others.
 *   - When SQLite rejects the plan because a pushed column is constrained otherwise
 *     (`seq > 5`, `vcpu IS NULL`, `kind LIKE ...`), the console drops that column from the mask,
 *     re-points the view and prepares again (SessionSqlTables.prepare): the query always runs,
 *     and keeps the pushdown of the other columns.
 *   - Seq ranges cannot reach the generator through `WHERE seq BETWEEN ...` (not '='): the
 *     table-valued form `transitions_in(from, to [, kind [, vcpu [, sp]]])` reads only the
 *     chunks of [from, to] (kind: one kind, a comma-separated list, or '*' for any; vcpu -1
 *     and sp 0 for any).
 * A test pins this behaviour of better-sqlite3 (sql-tables.test.ts).
 *
 * Values: integer fields as integers, booleans as 0/1, strings as text; `fields` is the JSON
 * text of the kind's fields exactly as `rootlab events --json` prints them (addresses as hex
 * strings). roots_at / pages_at give the values of `rootlab inspect --json` (addresses as hex
 * strings, booleans as 0/1).
 */
import type Database from 'better-sqlite3'
import { TRANSITION_KINDS, TRANSITION_SCHEMA, type Transition, type TransitionKind } from '../../sim/transitions'
import type { PageScope, StateView } from '../../sim/view'
import { KIND_INDEX } from './codec'
import { MEMSLOT_ACTIONS, OP_CODES } from './op-blocks'
import { SessionError } from './errors'
import type { ChunkStore } from './store'
import { chunkCount, type Filter } from './summary'
import { fieldsJson } from './transition-json'

/** One column per field name of TRANSITION_SCHEMA, in first-appearance order. */
export const FIELD_COLUMNS: readonly string[] = (() => {
  const seen = new Set<string>()
  for (const k of TRANSITION_KINDS) for (const f of Object.keys(TRANSITION_SCHEMA[k])) seen.add(f)
  return [...seen]
})()

/** The columns of `transitions`, in their documented order. */
export const TRANSITION_COLUMNS: readonly string[] = ['seq', 'op', 'vcpu', 'kind', 'fields', ...FIELD_COLUMNS]

/** Columns that can be pushed to the generator, in mask bit order. */
export const PUSHED_COLUMNS = ['seq', 'kind', 'vcpu', 'sp'] as const
type Pushed = (typeof PUSHED_COLUMNS)[number]
export const FULL_MASK = (1 << PUSHED_COLUMNS.length) - 1

/** Hidden parameters of every variant: the seq range (inclusive). */
const RANGE_PARAMS = ['from_seq', 'to_seq'] as const
/** Hidden parameters of transitions_in, in argument order. */
const IN_PARAMS = ['from_seq', 'to_seq', 'of_kind', 'of_vcpu', 'of_sp'] as const

export const ROOT_COLUMNS = ['vcpu', 'slot', 'pgd', 'hpa', 'sp', 'root_count', 'invalid', 'obsolete'] as const
export const PAGE_COLUMNS = [
  'sp', 'gfn', 'level', 'root_count', 'invalid', 'obsolete', 'mmu_valid_gen', 'write_flooding_count', 'unsync', 'active',
  'held_by', 'in_roots_scope',
] as const

const quote = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** Where a variant's generator finds the rows of a session, and the states of roots_at / pages_at. */
export interface SqlTableSource {
  readonly store: ChunkStore
  /** The state after `seq` (0 <= seq <= store.total), as `inspect --json` gives it. */
  view(seq: number, opts: { pages: PageScope }): StateView
}

// ---------------------------------------------------------------------------------------------
// better-sqlite3's internal table path

type Row = unknown[]
/**
 * The rows of one scan. A plain function returning the scan's generator (not a generator that
 * delegates with yield*: that is one more generator resume per row, and the native side calls
 * next() once per row anyway).
 */
type Generator_ = (...args: unknown[]) => Iterator<Row>
const noRows = (): Iterator<Row> => ([] as Row[])[Symbol.iterator]()
/** What a module factory returns to the native side (lib/methods/table.js parseTableDefinition). */
type NativeTableDef = [sql: string, rows: Generator_, parameters: string[], safeIntegers: number, directOnly: boolean]
interface NativeDb {
  table(factory: () => NativeTableDef, name: string, eponymous: boolean): void
}

/** The native handle behind a better-sqlite3 Database (its one symbol-keyed own property). */
function nativeDb(db: Database.Database): NativeDb {
  for (const s of Object.getOwnPropertySymbols(db)) {
    const v = (db as unknown as Record<symbol, unknown>)[s] as Partial<NativeDb> | undefined
    if (v && typeof v.table === 'function') return v as NativeDb
  }
  throw new Error('this better-sqlite3 has no native table() (the SQL tables need better-sqlite3 12.x)')
}

/**
 * Registers an eponymous virtual table module whose declared columns are `params` (the first
 * `visible` of them visible, the rest HIDDEN) followed by `columns`; the generator receives the
 * '=' constraints on the params in that order (undefined when unconstrained) and yields rows in
 * declared order.
 */
function defineModule(db: Database.Database, name: string, params: readonly string[], visible: number, columns: readonly string[], rows: Generator_): void {
  const decl = [
    ...params.map((p, i) => (i < visible ? quote(p) : `${quote(p)} HIDDEN`)),
    ...columns.map(quote),
  ]
  const def: NativeTableDef = [`CREATE TABLE x(${decl.join(', ')});`, rows, [...params], 2, false]
  nativeDb(db).table(() => def, name, true)
}

// ---------------------------------------------------------------------------------------------
// Rows of transitions

/** How one transition becomes a row of a table with a given declared column order. */
class RowLayout {
  readonly width: number
  private readonly seq: number
  private readonly op: number
  private readonly vcpu: number
  private readonly kind: number
  private readonly fields: number
  /** Per kind index: [position, field name, is bool] of each of its fields. */
  private readonly plans: [number, string, boolean][][]

  constructor(declared: readonly string[]) {
    const pos = (name: string) => {
      const i = declared.indexOf(name)
      if (i < 0) throw new Error(`column ${name} is not declared`)
      return i
    }
    this.width = declared.length
    this.seq = pos('seq')
    this.op = pos('op')
    this.vcpu = pos('vcpu')
    this.kind = pos('kind')
    this.fields = pos('fields')
    this.plans = TRANSITION_KINDS.map((k) => Object.entries(TRANSITION_SCHEMA[k]).map(([f, type]) => [pos(f), f, type === 'bool'] as [number, string, boolean]))
  }

  /**
   * The row of one scan; `fixed` sets the hidden parameter columns once. Its `fields` element is
   * a hole, and the row's prototype has a getter there: better-sqlite3 reads a column with a
   * property get, so the JSON text is built only when SQLite reads that column, not for every
   * row a filter looks at. (A getter on the array itself would turn its elements into a slow
   * dictionary; measured 2x slower per row, and as slow as building the JSON every time.)
   */
  newRow(fixed: [number, unknown][]): ScanRow {
    const row: Row = new Array(this.width).fill(null)
    for (const [i, v] of fixed) row[i] = v ?? null
    const scan: ScanRow = { row, t: null, prevKind: -1 }
    let cachedFor: Transition | null = null
    let cached = ''
    const proto = Object.create(Array.prototype) as object
    Object.defineProperty(proto, this.fields, {
      get: () => {
        const t = scan.t
        if (t === null) return null
        if (cachedFor !== t) {
          cachedFor = t
          cached = JSON.stringify(fieldsJson(t))
        }
        return cached
      },
    })
    delete row[this.fields]
    Object.setPrototypeOf(row, proto)
    return scan
  }

  /** Fills the scan's row with `t`, clearing the fields the previous transition set. */
  fill(scan: ScanRow, t: Transition): void {
    const row = scan.row
    if (scan.prevKind >= 0) for (const [p] of this.plans[scan.prevKind]!) row[p] = null
    const k = KIND_INDEX[t.kind]!
    const r = t as unknown as Record<string, unknown>
    row[this.seq] = t.seq
    row[this.op] = t.op
    row[this.vcpu] = t.vcpu
    row[this.kind] = t.kind
    for (const [p, f, bool] of this.plans[k]!) {
      const v = r[f]
      row[p] = bool ? (v ? 1 : 0) : v
    }
    scan.t = t
    scan.prevKind = k
  }
}

/** The row a scan yields (reused for every transition), and what it shows. */
interface ScanRow {
  row: Row
  t: Transition | null
  prevKind: number
}

/** What a scan reads: an inclusive seq range and exact filters (absent = any). */
export interface ScanSpec {
  from: number
  to: number
  kinds?: Set<number>
  vcpu?: number
  /** Transitions whose `sp` field equals this (the bloom filter also holds `child`: a superset). */
  sp?: number
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v)

/**
 * The transitions of `spec`, in seq order, skipping every chunk whose summary cannot match.
 * Yields the same (reused) row array, filled by `layout`.
 */
function* scanRows(store: ChunkStore, spec: ScanSpec, layout: RowLayout, scan: ScanRow): Generator<Row> {
  const lo = Math.max(1, spec.from)
  const hi = Math.min(store.total, spec.to)
  if (lo > hi || store.chunks.length === 0) return
  const filter: Filter = {}
  if (spec.kinds) filter.kinds = spec.kinds
  if (spec.vcpu !== undefined) filter.vcpu = spec.vcpu
  if (spec.sp !== undefined) filter.sp = spec.sp
  const a = store.chunkIndexOf(lo)
  const b = store.chunkIndexOf(hi)
  const row = scan.row
  const { kinds, vcpu } = spec
  // With a kind or vCPU filter, the chunks that can match are decoded building only the
  // transitions that do (decodeWhere); the others are read past.
  const keep = kinds || vcpu !== undefined
    ? (k: number, v: number | null) => (!kinds || kinds.has(k)) && (vcpu === undefined || v === vcpu)
    : null
  for (let i = a; i <= b; i++) {
    const c = store.chunks[i]!
    if (chunkCount(c, filter) === 0) continue
    const ts = keep ? store.decodeWhere(i, keep) : store.decode(i)
    // Positions: a full decode is indexed by seq; a filtered one is searched for the range.
    let jLo = 0
    let jHi = ts.length - 1
    if (!keep) {
      jLo = Math.max(lo - c.firstSeq, 0)
      jHi = Math.min(hi - c.firstSeq, c.n - 1)
    }
    for (let j = jLo; j <= jHi; j++) {
      const t = ts[j]!
      if (t.seq < lo || t.seq > hi) continue
      if (spec.vcpu !== undefined && t.vcpu !== spec.vcpu) continue
      if (spec.kinds && !spec.kinds.has(KIND_INDEX[t.kind]!)) continue
      if (spec.sp !== undefined && (t as unknown as { sp?: number }).sp !== spec.sp) continue
      layout.fill(scan, t)
      yield row
    }
  }
}

/** The kind set of a pushed `kind = x` (empty = no transition can match). */
function kindSet(v: unknown): Set<number> {
  const i = typeof v === 'string' ? KIND_INDEX[v as TransitionKind] : undefined
  return new Set(i === undefined ? [] : [i])
}

/** Declared columns of the variant of `mask`. */
export function variantColumns(mask: number): { params: string[]; visible: number; columns: string[] } {
  const pushed = PUSHED_COLUMNS.filter((_, b) => mask & (1 << b))
  return {
    params: [...pushed, ...RANGE_PARAMS],
    visible: pushed.length,
    columns: TRANSITION_COLUMNS.filter((c) => !(pushed as readonly string[]).includes(c)),
  }
}

export const variantName = (mask: number): string => `transitions_v${mask}`

function registerVariant(db: Database.Database, store: ChunkStore, mask: number): void {
  const { params, visible, columns } = variantColumns(mask)
  const layout = new RowLayout([...params, ...columns])
  const pushed = params.slice(0, visible) as Pushed[]
  defineModule(db, variantName(mask), params, visible, columns, (...args: unknown[]) => {
    const spec: ScanSpec = { from: 1, to: store.total }
    const fixed: [number, unknown][] = []
    for (let i = 0; i < params.length; i++) {
      const v = args[i]
      if (v === undefined) continue
      fixed.push([i, v])
      const name = i < visible ? pushed[i]! : params[i]!
      if (name === 'kind') {
        spec.kinds = kindSet(v)
        if (!spec.kinds.size) return noRows()
        continue
      }
      if (!isInt(v)) return noRows() // an integer column never equals a non-integer
      if (name === 'seq') {
        spec.from = Math.max(spec.from, v)
        spec.to = Math.min(spec.to, v)
      } else if (name === 'from_seq') spec.from = Math.max(spec.from, v)
      else if (name === 'to_seq') spec.to = Math.min(spec.to, v)
      else if (name === 'vcpu') spec.vcpu = v
      else if (name === 'sp') spec.sp = v
    }
    return scanRows(store, spec, layout, layout.newRow(fixed))
  })
}

/** transitions_in(from, to [, kind [, vcpu [, sp]]]). */
function registerTransitionsIn(db: Database.Database, store: ChunkStore): void {
  const layout = new RowLayout([...IN_PARAMS, ...TRANSITION_COLUMNS])
  defineModule(db, 'transitions_in', IN_PARAMS, 0, TRANSITION_COLUMNS, (from, to, kind, vcpu, sp) => {
    const spec: ScanSpec = { from: 1, to: store.total }
    if (from !== undefined) {
      if (!isInt(from)) throw new SessionError(`transitions_in: from must be an integer seq, got ${String(from)}`)
      spec.from = from
    }
    if (to !== undefined) {
      if (!isInt(to)) throw new SessionError(`transitions_in: to must be an integer seq, got ${String(to)}`)
      spec.to = to
    }
    if (kind !== undefined && kind !== '' && kind !== '*') {
      const names = String(kind).split(',').map((k) => k.trim()).filter(Boolean)
      for (const k of names) {
        if (!(k in KIND_INDEX)) throw new SessionError(`transitions_in: unknown transition kind "${k.slice(0, 80)}"`)
      }
      spec.kinds = new Set(names.map((k) => KIND_INDEX[k as TransitionKind]!))
    }
    if (vcpu !== undefined && vcpu !== -1) {
      if (!isInt(vcpu)) throw new SessionError(`transitions_in: vcpu must be an integer (-1 = any), got ${String(vcpu)}`)
      spec.vcpu = vcpu
    }
    if (sp !== undefined && sp !== 0) {
      if (!isInt(sp)) throw new SessionError(`transitions_in: sp must be an integer (0 = any), got ${String(sp)}`)
      spec.sp = sp
    }
    return scanRows(store, spec, layout, layout.newRow([[0, from], [1, to], [2, kind], [3, vcpu], [4, sp]]))
  })
}

// ---------------------------------------------------------------------------------------------
// roots_at(seq), pages_at(seq)

const bit = (b: boolean | null | undefined): number | null => (b === null || b === undefined ? null : b ? 1 : 0)

function stateSeq(source: SqlTableSource, fn: string, seq: unknown): number {
  if (seq === undefined) throw new SessionError(`${fn}(seq) needs a seq, e.g. ${fn}(152)`)
  const total = source.store.total
  if (!isInt(seq) || seq < 0 || seq > total) {
    throw new SessionError(`${fn}: seq must be an integer from 0 to ${total} (the session's last transition), got ${String(seq).slice(0, 80)}`)
  }
  return seq
}

/** One row per vCPU root slot of the state after `seq` (see the file comment). */
export function rootRows(v: StateView): (string | number | null)[][] {
  const pages = new Map(v.shadow_pages.map((p) => [p.sp, p]))
  const out: (string | number | null)[][] = []
  for (const c of v.vcpus) {
    const slots = [c.root, ...c.prev_roots]
    slots.forEach((s, i) => {
      const p = s.sp === null ? undefined : pages.get(s.sp)
      out.push([c.id, i === 0 ? 'root' : `prev_roots[${i - 1}]`, s.pgd, s.hpa, s.sp, p?.root_count ?? null, bit(p?.invalid), bit(p?.obsolete)])
    })
  }
  return out
}

/** One row per shadow page of the state after `seq`. */
export function pageRows(v: StateView): (string | number | null)[][] {
  return v.shadow_pages.map((p) => [
    p.sp, p.gfn, p.level, p.root_count, bit(p.invalid), bit(p.obsolete), p.mmu_valid_gen, p.write_flooding_count,
    bit(p.unsync), bit(p.active), JSON.stringify(p.held_by), bit(p.in_roots_scope),
  ])
}

function registerStateTables(db: Database.Database, source: SqlTableSource): void {
  db.table('roots_at', {
    parameters: ['seq'],
    columns: [...ROOT_COLUMNS],
    *rows(seq: unknown) {
      yield* rootRows(source.view(stateSeq(source, 'roots_at', seq), { pages: 'roots' }))
    },
  })
  db.table('pages_at', {
    parameters: ['seq'],
    columns: [...PAGE_COLUMNS],
    *rows(seq: unknown) {
      yield* pageRows(source.view(stateSeq(source, 'pages_at', seq), { pages: 'all' }))
    },
  })
}

// ---------------------------------------------------------------------------------------------
// Address helpers: to_hex(4096) = '0x1000', from_hex('0x1000') = 4096 (SQLite's own hex() is
// the hex of a value's text or blob bytes: hex(4096) = '34303936').

function fromHex(s: unknown): number | null {
  if (typeof s !== 'string' || !/^(0x)?[0-9a-f]{1,13}$/i.test(s.trim())) return null
  return Number.parseInt(s.trim().replace(/^0x/i, ''), 16)
}

function registerHexFunctions(db: Database.Database): void {
  // An address that is already hex text (roots_at / pages_at give them as inspect --json does)
  // comes back in the same '0x…' form, so to_hex(gfn) reads the same over every table.
  db.function('to_hex', { deterministic: true }, (n: unknown) => {
    const v = typeof n === 'string' ? fromHex(n) : n
    return isInt(v) && v >= 0 ? '0x' + v.toString(16) : null
  })
  db.function('from_hex', { deterministic: true }, fromHex)
}

// ---------------------------------------------------------------------------------------------
// The tables of one connection

/** Rows per INSERT when the console copies the operations (better-sqlite3's cost is per call). */
const OPS_PER_INSERT = 64

/** schema 3's `operations` in the console (SessionSqlTables.ensureOperations): the columns of OPERATIONS_TABLE_SQL. */
const OPERATIONS_VIEW_SQL = `CREATE TEMP TABLE operations_packed (idx INTEGER PRIMARY KEY, code INTEGER NOT NULL, vcpu INTEGER, value INTEGER NOT NULL, last_seq INTEGER NOT NULL);
CREATE TEMP VIEW operations AS SELECT idx,
  CASE code ${OP_CODES.map((c, i) => `WHEN ${i} THEN '${c}'`).join(' ')} END AS op,
  vcpu,
  CASE WHEN code = ${OP_CODES.indexOf('cr3')} THEN value END AS pgd,
  CASE WHEN code = ${OP_CODES.indexOf('fault')} THEN value END AS gva,
  CASE WHEN code IN (${OP_CODES.indexOf('pt_write')}, ${OP_CODES.indexOf('unprotect')}) THEN value END AS gfn,
  CASE WHEN code = ${OP_CODES.indexOf('memslot')} THEN CASE value ${MEMSLOT_ACTIONS.map((a, i) => `WHEN ${i} THEN '${a}'`).join(' ')} END END AS action,
  last_seq
FROM temp.operations_packed;`

/** Operation `idx` of a packed block (4 numbers at `at`) as an operations_packed row at args[to..]. */
function fillPacked(args: (number | null)[], to: number, idx: number, rows: Float64Array, at: number): void {
  args[to] = idx
  args[to + 1] = rows[at]!
  args[to + 2] = rows[at + 1]! < 0 ? null : rows[at + 1]!
  args[to + 3] = rows[at + 2]!
  args[to + 4] = rows[at + 3]!
}

/** SQLite's plan error for a non-'=' constraint on a pushed column (better-sqlite3 12.x). */
const PARAM_ERROR = /virtual table parameter "([^"]+)" can only be constrained by the '=' operator/

/** The computed tables on one read-only connection, with the `transitions` view's fallback. */
export class SessionSqlTables {
  private readonly registered = new Set<number>()
  private mask = -1
  /** Operations copied into temp.operations so far (-1: the table is not made yet). */
  private opsCopied = -1

  constructor(private readonly db: Database.Database, private readonly source: SqlTableSource) {
    registerTransitionsIn(db, source.store)
    registerStateTables(db, source)
    registerHexFunctions(db)
  }

  /** The module of `mask`, registered on first use. */
  variant(mask: number): string {
    if (!this.registered.has(mask)) {
      registerVariant(this.db, this.source.store, mask)
      this.registered.add(mask)
    }
    return variantName(mask)
  }

  /** Points the TEMP VIEW `transitions` at the variant of `mask`. */
  private useMask(mask: number): void {
    if (this.mask === mask) return
    const name = this.variant(mask)
    this.db.exec(`DROP VIEW IF EXISTS temp.transitions; CREATE TEMP VIEW transitions AS SELECT ${TRANSITION_COLUMNS.map(quote).join(', ')} FROM ${quote(name)}`)
    this.mask = mask
  }

  /**
   * Prepares `sql`, with as many filters pushed to the chunk summaries as SQLite's plan allows:
   * `prepareWith(mask)` is tried from the full mask down, dropping each column SQLite refuses.
   * `prepareWith` gets the variant name for queries that name it directly (findWhere).
   */
  prepareAdaptive<T>(prepareWith: (variant: string, mask: number) => T): T {
    let mask = FULL_MASK
    for (;;) {
      this.useMask(mask)
      try {
        return prepareWith(variantName(mask), mask)
      } catch (e) {
        const msg = (e as Error).message ?? ''
        const m = PARAM_ERROR.exec(msg)
        const b = m ? (PUSHED_COLUMNS as readonly string[]).indexOf(m[1]!) : -1
        if (b >= 0 && mask & (1 << b)) mask &= ~(1 << b)
        else if (/no query solution/.test(msg) && mask !== 0) mask = 0
        else throw e
      }
    }
  }

  /** Prepares a user statement over `transitions` and the other tables. */
  prepare(sql: string): Database.Statement {
    this.ensureOperations(sql)
    return this.prepareAdaptive(() => this.db.prepare(sql))
  }

  /** Whether `sql` names the operations of a schema-3 file that are not copied yet (ensureOperations). */
  needsOperations(sql: string): boolean {
    const log = this.source.store.ops
    return log.blocks && /operations/i.test(sql) && this.opsCopied !== log.count()
  }

  /**
   * Schema 3 files keep their operations packed in op_blocks (op-blocks.ts); the console shows
   * them as the `operations` table of older files: a TEMP VIEW with its columns over a TEMP
   * table of five integers per operation (`operations_packed`: idx, code, vcpu, value,
   * last_seq), copied from the blocks when a statement first names it and topped up if the
   * session has grown. A real table underneath, so `idx = ?` and joins on idx use its key.
   * ~0.7 s per million operations, once per connection (the SQL host does not count it against
   * the query's deadline: sqlhost/protocol.ts `setup`).
   */
  ensureOperations(sql: string): void {
    if (!this.needsOperations(sql)) return
    const log = this.source.store.ops
    if (this.opsCopied < 0) {
      this.db.exec(OPERATIONS_VIEW_SQL)
      this.opsCopied = 0
    }
    const many = this.db.prepare(`INSERT INTO temp.operations_packed VALUES ${new Array(OPS_PER_INSERT).fill('(?, ?, ?, ?, ?)').join(', ')}`)
    const one = this.db.prepare('INSERT INTO temp.operations_packed VALUES (?, ?, ?, ?, ?)')
    const args: (number | null)[] = new Array<number | null>(OPS_PER_INSERT * 5)
    this.db.transaction(() => {
      let copied = this.opsCopied
      for (const { firstIdx, rows } of log.packedFrom(this.opsCopied)) {
        const count = rows.length / 4
        let j = 0
        for (; j + OPS_PER_INSERT <= count; j += OPS_PER_INSERT) {
          for (let k = 0; k < OPS_PER_INSERT; k++) fillPacked(args, k * 5, firstIdx + j + k, rows, (j + k) * 4)
          many.run(args)
        }
        for (; j < count; j++) {
          fillPacked(args, 0, firstIdx + j, rows, j * 4)
          one.run(args.slice(0, 5))
        }
        copied = firstIdx + count
      }
      this.opsCopied = copied
    })()
  }

  /** The mask the last prepare used (tests and EXPLAIN). */
  get pushedMask(): number {
    return this.mask
  }
}
