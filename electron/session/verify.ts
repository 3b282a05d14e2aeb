/**
 * `rootlab verify`: checks a whole session file, every byte that a reader could show. Unlike a
 * reader, it does not stop at the first problem: it lists every damaged seq range.
 *
 *   - every chunk: its row checksum and blob checksum (schema 2), its seq range (contiguous, a
 *     blob per row, a sane count), and its blob decodes to exactly `n` transitions of the ops
 *     the row names;
 *   - every chunk summary (kinds, counts per vCPU and kind, bloom filter) against the chunk's
 *     transitions, recomputed;
 *   - the operations' seq ranges (`last_seq`) against the `op` of every transition;
 *   - the sparse index tables (root_zaps, findings, memslots) against the stream, row by row;
 *   - every checkpoint: checksum, inflation within its cap, and equal to the state replayed
 *     from the initial checkpoint through the stored transitions;
 *   - the digest, recomputed from the stored transitions, against the one stored when the
 *     recording completed; and the final stats in meta against the replayed final state.
 * Files of schema 1 (no checksums) are verified by everything else, the digest included.
 */
import { createHash } from 'node:crypto'
import { isDeepStrictEqual } from 'node:util'
import type Database from 'better-sqlite3'
import { apply_transition } from '../../sim/apply'
import { create_byte_writer } from '../../sim/digest'
import { is_root_zap, type Transition } from '../../sim/transitions'
import type { kvm } from '../../sim/types'
import { canonicalEncode } from './canonical'
import { CheckpointReader } from './checkpoints'
import { chunkRowCrc, dataCrc } from './checksum'
import { decodeChunk, KIND_INDEX } from './codec'
import { SessionError } from './errors'
import { readMeta } from './meta'
import { OperationLog } from './op-log'
import { fileLabel, openSessionDatabase, type OpenOptions } from './open-file'
import { MAX_CHUNK_TRANSITIONS } from './store'
import { SummaryBuilder } from './summary'

export interface DamagedRange {
  /** First and last seq of the damaged range (a checkpoint: its seq twice; 0 = the initial state). */
  from: number
  to: number
  what: string
}

export interface VerifyResult {
  ok: boolean
  /** sha256 of the canonical stream recomputed from the file, or null if a chunk is unreadable. */
  digest: string | null
  checked: {
    schema_version: number
    checksums: boolean
    chunks: number
    transitions: number
    summaries: number
    operations: number
    index_rows: number
    checkpoints: number
    /** The recomputed digest was compared with the stored one (complete sessions only). */
    digest: boolean
    complete: boolean
  }
  /** In seq order. Empty when ok. */
  damaged: DamagedRange[]
}

export interface VerifyOptions extends Pick<OpenOptions, 'nativeBinding'> {
  /** Called now and then with the fraction done (0..1). */
  onProgress?: (fraction: number) => void
}

interface ChunkRow { first_seq: number; n: number; first_op: number; last_op: number; kinds: number; summary: Uint8Array; data_crc?: number; crc?: number }

type IndexRow = unknown[]

/** Row-by-row comparison of an index table with the rows the stream implies, in seq order. */
class IndexCheck {
  private readonly it: IterableIterator<IndexRow>
  private next: IndexRow | undefined
  rows = 0

  constructor(db: Database.Database, readonly table: string, columns: string, private readonly damage: (r: DamagedRange) => void) {
    this.it = db.prepare(`SELECT ${columns} FROM ${table} ORDER BY seq`).raw().iterate() as IterableIterator<IndexRow>
    this.advance()
  }

  private advance(): void {
    const r = this.it.next()
    this.next = r.done ? undefined : r.value
  }

  /** Rows the stream has no transition for, up to `seq` (exclusive), are extra. */
  skipTo(seq: number): void {
    while (this.next && (this.next[0] as number) < seq) {
      const s = this.next[0] as number
      this.damage({ from: s, to: s, what: `${this.table} has a row for seq ${s} that the transitions do not have` })
      this.advance()
      this.rows++
    }
  }

  expect(row: IndexRow): void {
    const seq = row[0] as number
    this.skipTo(seq)
    if (!this.next || this.next[0] !== seq) {
      this.damage({ from: seq, to: seq, what: `${this.table} lacks the row of seq ${seq}` })
      return
    }
    if (!isDeepStrictEqual(this.next, row)) this.damage({ from: seq, to: seq, what: `the ${this.table} row of seq ${seq} differs from its transition` })
    this.advance()
    this.rows++
  }

  /** Rows inside a damaged range are not judged. */
  dropThrough(seq: number): void {
    while (this.next && (this.next[0] as number) <= seq) {
      this.advance()
      this.rows++
    }
  }

  finish(): void {
    this.skipTo(Infinity)
  }
}

/** Verifies the session at `path`. Throws SessionError only if the file cannot be opened at all. */
export function verifySession(path: string, o: VerifyOptions = {}): VerifyResult {
  const label = fileLabel(path)
  const db = openSessionDatabase(path, { readonly: true, verify: true, ...(o.nativeBinding ? { nativeBinding: o.nativeBinding } : {}) })
  try {
    return db.transaction(() => verifyOpen(db, label, o))()
  } catch (e) {
    if (e instanceof SessionError) throw e
    throw new SessionError(`${label} is damaged (${(e as Error).message})`)
  } finally {
    db.close()
  }
}

function verifyOpen(db: Database.Database, label: string, o: VerifyOptions): VerifyResult {
  const version = db.pragma('user_version', { simple: true }) as number
  const checksums = version >= 2
  const meta = readMeta(db)
  const complete = meta.get('complete') === '1'
  const damaged: DamagedRange[] = []
  const damage = (r: DamagedRange): void => {
    damaged.push(r)
  }
  const strings = db.prepare('SELECT id, text FROM strings ORDER BY id').all() as { id: number; text: string }[]
  const texts: string[] = []
  for (const s of strings) texts[s.id] = s.text
  const { ends: opEnds, damaged: opsDamaged } = new OperationLog(db, label).ends()
  for (const d of opsDamaged) damage(d)
  // Transitions of operations that could not be read: their operation is not checked.
  const opUnknown = (seq: number): boolean => opsDamaged.some((d) => seq >= d.from && seq <= d.to)
  opEnds.forEach(([idx, last], i) => {
    if (idx !== i) damage({ from: last, to: last, what: `operation ${i} is missing` })
    else if (i > 0 && last < opEnds[i - 1]![1]) damage({ from: last, to: last, what: `operation ${i} ends before operation ${i - 1}` })
  })
  const checkpoints = new CheckpointReader(db, label, checksums, Number(meta.get('n_max_mmu_pages') ?? NaN))
  const ckptRows = db.prepare(`SELECT seq, op${checksums ? ', crc' : ''} FROM checkpoints ORDER BY seq`).all() as { seq: number; op: number; crc?: number }[]
  const getCkptState = db.prepare('SELECT state FROM checkpoints WHERE seq = ?').pluck()
  const readCkpt = (row: { seq: number; op: number; crc?: number }): kvm | null => {
    try {
      return checkpoints.decode({ ...row, state: getCkptState.get(row.seq) as Uint8Array })
    } catch (e) {
      damage({ from: row.seq, to: row.seq, what: (e as Error).message.replace(/^.* is damaged \((.*)\)$/, '$1') })
      return null
    }
  }
  const zaps = new IndexCheck(db, 'root_zaps', 'seq, vcpu, sp, gfn', damage)
  const findings = new IndexCheck(db, 'findings', 'seq, vcpu, rule, sp, slot, message', damage)
  const memslots = new IndexCheck(db, 'memslots', 'seq, action', damage)
  const getData = db.prepare('SELECT data FROM chunk_data WHERE first_seq = ?').pluck()
  const chunkRows = db.prepare(`SELECT first_seq, n, first_op, last_op, kinds, summary${checksums ? ', data_crc, crc' : ''} FROM chunks ORDER BY first_seq`)
    .all() as ChunkRow[]
  const dataRows = db.prepare('SELECT count(*) FROM chunk_data').pluck().get() as number
  if (dataRows > chunkRows.length) {
    damage({ from: 0, to: 0, what: `${dataRows - chunkRows.length} chunk_data rows have no chunk row` })
  }

  const hash = createHash('sha256')
  const canonical = create_byte_writer(1 << 17)
  let digestOk = true
  // The replayed state, or null after damage until the next readable checkpoint.
  let state: kvm | null = ckptRows[0]?.seq === 0 ? readCkpt(ckptRows[0]) : null
  if (ckptRows[0]?.seq !== 0) damage({ from: 0, to: 0, what: 'the initial checkpoint is missing' })
  let ck = ckptRows[0]?.seq === 0 ? 1 : 0
  let checkedCkpts = state ? 1 : 0
  const summaryBuilder = new SummaryBuilder()
  let total = 0
  let opCursor = 0
  let transitions = 0
  let summaries = 0
  const lastSeq = opEnds.length ? opEnds[opEnds.length - 1]![1] : 0

  /** Checkpoints up to `seq`: compared with the replayed state, or adopted after damage. */
  const checkpointsThrough = (seq: number): void => {
    while (ck < ckptRows.length && ckptRows[ck]!.seq <= seq) {
      const row = ckptRows[ck++]!
      const stored = readCkpt(row)
      if (stored) checkedCkpts++
      if (row.seq < seq || !stored) continue
      if (state === null) state = stored
      else if (!isDeepStrictEqual(stored, state)) {
        damage({ from: row.seq, to: row.seq, what: `the checkpoint at seq ${row.seq} differs from the state replayed to it` })
        state = stored
      }
    }
  }

  for (let i = 0; i < chunkRows.length; i++) {
    const r = chunkRows[i]!
    if (i % 64 === 0) o.onProgress?.(lastSeq > 0 ? Math.min(1, total / lastSeq) : 0)
    const sane = Number.isSafeInteger(r.n) && r.n >= 1 && r.n <= MAX_CHUNK_TRANSITIONS
    const range = (what: string): DamagedRange => ({ from: r.first_seq, to: sane ? r.first_seq + r.n - 1 : r.first_seq, what })
    if (r.first_seq > total + 1) {
      damage({ from: total + 1, to: r.first_seq - 1, what: 'transitions are missing (no chunk holds them)' })
      digestOk = false
      state = null
    } else if (r.first_seq <= total) {
      damage(range(`the chunk overlaps the previous one (it starts at ${r.first_seq}, not ${total + 1})`))
      digestOk = false
      continue
    }
    let problem: string | null = null
    let ts: Transition[] | null = null
    if (!sane) problem = `the chunk claims ${r.n} transitions`
    else if (checksums && r.crc !== chunkRowCrc(r.first_seq, r.n, r.first_op, r.last_op, r.kinds, r.data_crc!, r.summary)) {
      problem = "the chunk row's checksum does not match"
    } else {
      const data = getData.get(r.first_seq) as Uint8Array | undefined
      if (!data) problem = 'the chunk_data row is missing'
      else if (checksums && dataCrc(data) !== r.data_crc) problem = 'the checksum does not match'
      else {
        try {
          ts = decodeChunk(data, r.first_seq, r.first_op, r.n, texts)
        } catch (e) {
          problem = `the transitions cannot be decoded: ${(e as Error).message}`
        }
      }
    }
    total = sane ? r.first_seq + r.n - 1 : r.first_seq
    if (ts && ts[ts.length - 1]!.op !== r.last_op) problem = `the chunk row says its last op is ${r.last_op}, its transitions say ${ts[ts.length - 1]!.op}`
    if (problem || !ts) {
      damage(range(problem ?? 'unreadable'))
      digestOk = false
      state = null
      for (const x of [zaps, findings, memslots]) x.dropThrough(total)
      checkpointsThrough(total)
      continue
    }
    // Summary, ops, index tables, digest and replay, transition by transition.
    let opProblem: number | null = null
    for (const t of ts) {
      const k = KIND_INDEX[t.kind]!
      summaryBuilder.add(t, k)
      while (opCursor < opEnds.length && opEnds[opCursor]![1] < t.seq) opCursor++
      if (opProblem === null && t.op !== opCursor && !(opsDamaged.length && opUnknown(t.seq))) opProblem = t.seq
      if (t.kind === 'kvm_mmu_prepare_zap_page') {
        if (is_root_zap(t)) zaps.expect([t.seq, t.vcpu, t.sp, t.gfn])
      } else if (t.kind === 'finding') findings.expect([t.seq, t.vcpu, t.rule, t.sp, t.slot, t.message])
      else if (t.kind === 'kvm_arch_flush_shadow_memslot') memslots.expect([t.seq, t.action])
      canonicalEncode(t, canonical)
      if (state) {
        try {
          apply_transition(state, t)
        } catch (e) {
          damage({ from: t.seq, to: t.seq, what: `the transition cannot be replayed: ${(e as Error).message}` })
          state = null
        }
      }
      if (ck < ckptRows.length && ckptRows[ck]!.seq === t.seq) checkpointsThrough(t.seq)
    }
    transitions += ts.length
    hash.update(canonical.buf.subarray(0, canonical.len))
    canonical.len = 0
    const kinds = summaryBuilder.kinds
    const summary = summaryBuilder.take()
    summaries++
    if (kinds !== r.kinds || !Buffer.from(summary).equals(Buffer.from(r.summary))) damage(range('the chunk summary does not match its transitions'))
    if (opProblem !== null) damage(range(`transition ${opProblem} is not in the seq range its operation claims`))
  }
  if (lastSeq !== total) {
    if (lastSeq > total) damage({ from: total + 1, to: lastSeq, what: 'transitions are missing (the operations go on past the last chunk)' })
    else damage({ from: lastSeq + 1, to: total, what: 'transitions past the end of the last operation' })
    digestOk = false
  }
  for (const x of [zaps, findings, memslots]) x.finish()
  checkpointsThrough(Infinity)
  if (ckptRows.length && ckptRows[ckptRows.length - 1]!.seq > total) {
    const s = ckptRows[ckptRows.length - 1]!.seq
    damage({ from: s, to: s, what: `a checkpoint at seq ${s}, past the last transition (${total})` })
  }

  const digest = digestOk ? hash.digest('hex') : null
  const stored = meta.get('digest') ?? null
  if (complete) {
    if (digest !== null && stored !== digest) damage({ from: 1, to: total, what: `the recomputed digest ${digest.slice(0, 12)}… differs from the stored ${String(stored).slice(0, 12)}…` })
    const summaryText = meta.get('summary')
    if (summaryText && state) {
      try {
        const s = JSON.parse(summaryText) as { stats?: unknown }
        if (!isDeepStrictEqual(s.stats, { ...(state as kvm).stat })) damage({ from: total, to: total, what: 'the final stats in meta differ from the replayed state' })
      } catch {
        damage({ from: total, to: total, what: 'the final summary in meta is not JSON' })
      }
    }
  }
  damaged.sort((a, b) => a.from - b.from || a.to - b.to)
  o.onProgress?.(1)
  return {
    ok: damaged.length === 0,
    digest,
    checked: {
      schema_version: version, checksums, chunks: chunkRows.length, transitions, summaries, operations: opEnds.length,
      index_rows: zaps.rows + findings.rows + memslots.rows, checkpoints: checkedCkpts, digest: complete && digest !== null, complete,
    },
    damaged,
  }
}
