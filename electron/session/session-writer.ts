/**
 * The recorder's write side: everything between a sealed chunk and the file. It reads each
 * chunk it is sent (chunk-digest.ts) to count its summary, hash its canonical stream (the
 * digest) and find its index rows (root zaps, findings, memslot updates), deflates and
 * checksums checkpoints, and
 * writes it all in the recorder's transactions. The recorder (the model's thread) only runs the
 * model, encodes chunks and checkpoint bodies, and sends them here.
 *
 * Runs on a second thread (session-writer-worker.ts, fed by writer-thread.ts) so the model
 * never waits for encoding, hashing or SQLite; or inline on the recorder's thread (tests run
 * from source, where no built worker exists). Messages are handled strictly in order, each as
 * it arrives: a `commit` ends a transaction holding whole operations, as before (crash safety
 * unchanged).
 */
import { createHash } from 'node:crypto'
import Database from 'better-sqlite3'
import { is_root_zap } from '../../sim/transitions'
import { CheckpointAssembler, packCheckpoint, type CheckpointDelta } from './checkpoint-codec'
import { checkpointCrc, chunkRowCrc, dataCrc, opBlockCrc } from './checksum'
import { ChunkDigester } from './chunk-digest'
import { writeMeta, type MetaKey } from './meta'
import { encodeOpBlock } from './op-blocks'
import { APPLICATION_ID, SCHEMA_SQL, SCHEMA_VERSION } from './schema'

export type WriterMessage =
  | { t: 'strings'; list: [number, string][] }
  | { t: 'chunk'; firstSeq: number; n: number; firstOp: number; lastOp: number; data: Uint8Array }
  /** Operations from index `first`: 4 numbers each (op-blocks.ts OP_CODES index, vcpu or -1, pgd/gva/gfn/action, last_seq). */
  | { t: 'ops'; first: number; rows: Float64Array }
  /** A checkpoint as what changed since the previous one; the writer stores it whole. */
  | { t: 'checkpoint'; seq: number; op: number; delta: CheckpointDelta }
  | { t: 'commit' }
  /** The last commit: meta of the finished (or cancelled) recording; the digest is added here. */
  | { t: 'finish'; cancelled: boolean; meta: Partial<Record<MetaKey, string | number | null>> }

/** What a new session file starts with (recorder.ts): its meta and the initial state's checkpoint. */
export interface SessionHeader {
  meta: Partial<Record<MetaKey, string | number | null>>
  /** encodeCheckpoint() of the state before the first transition (seq 0, op -1). */
  initial: Uint8Array
}

/**
 * The header, in rollback-journal mode, so that it is in the main file (not only in the WAL)
 * from the first moment: a file killed before its first commit is still recognised.
 */
function writeHeader(db: Database.Database, h: SessionHeader): void {
  db.pragma(`application_id = ${APPLICATION_ID}`)
  db.pragma(`user_version = ${SCHEMA_VERSION}`)
  db.transaction(() => {
    db.exec(SCHEMA_SQL)
    writeMeta(db, h.meta)
    db.prepare('INSERT INTO checkpoints (seq, op, state, crc) VALUES (0, -1, ?, ?)').run(h.initial, checkpointCrc(0, -1, h.initial))
  })()
}

export class SessionWriter {
  private readonly db: Database.Database
  private readonly digester = new ChunkDigester()
  private readonly hash = createHash('sha256')
  private readonly ins: Record<'chunk' | 'data' | 'string' | 'ckpt' | 'opBlock' | 'zap' | 'finding' | 'memslot', Database.Statement>
  /** The write transaction: begun by the first message after a commit, ended by `commit`. */
  private readonly begin: Database.Statement
  private readonly commitTx: Database.Statement
  private digestHex: string | null = null
  private readonly checkpoints = new CheckpointAssembler()

  /**
   * Opens the session file the recorder created, empty, and writes its header: application id,
   * schema version, tables, meta and the initial checkpoint (`header`; without it the file must
   * hold them already). Done here rather than on the recorder's thread, which then runs the model
   * while this thread loads SQLite and writes the header (15-30 ms of the model thread's start).
   */
  constructor(file: string, nativeBinding?: string, header?: SessionHeader) {
    const db = new Database(file, { fileMustExist: true, ...(nativeBinding ? { nativeBinding } : {}) })
    this.db = db
    if (header) {
      try {
        writeHeader(db, header)
      } catch (e) {
        db.close()
        throw e
      }
    }
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = NORMAL')
    this.ins = {
      chunk: db.prepare('INSERT INTO chunks (first_seq, n, first_op, last_op, kinds, summary, data_crc, crc) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      data: db.prepare('INSERT INTO chunk_data (first_seq, data) VALUES (?, ?)'),
      string: db.prepare('INSERT INTO strings (id, text) VALUES (?, ?)'),
      ckpt: db.prepare('INSERT INTO checkpoints (seq, op, state, crc) VALUES (?, ?, ?, ?)'),
      opBlock: db.prepare('INSERT INTO op_blocks (first_idx, n, last_seq, data, crc) VALUES (?, ?, ?, ?, ?)'),
      zap: db.prepare('INSERT INTO root_zaps (seq, vcpu, sp, gfn) VALUES (?, ?, ?, ?)'),
      finding: db.prepare('INSERT INTO findings (seq, vcpu, rule, sp, slot, message) VALUES (?, ?, ?, ?, ?, ?)'),
      memslot: db.prepare('INSERT INTO memslots (seq, action) VALUES (?, ?)'),
    }
    this.begin = db.prepare('BEGIN')
    this.commitTx = db.prepare('COMMIT')
  }

  /**
   * Handles one message. Throws (SqliteError, with its code) if the file cannot be written; the
   * open transaction is then rolled back by abort().
   *
   * Each message is read and written as it arrives, inside a transaction that only `commit`
   * ends (so what is committed still ends at an operation boundary). Keeping them until the
   * commit made the writer idle for a batch and then busy with all of it: the last batch, up to
   * 200 ms of the model's output, was still being written after the model had finished (57-94 ms
   * of a 1M recording's wall time, docs/benchmarks.md).
   */
  handle(m: WriterMessage): void {
    if (m.t === 'commit') {
      if (this.db.inTransaction) this.commitTx.run()
      return
    }
    if (m.t === 'finish') {
      this.finish(m)
      return
    }
    if (!this.db.inTransaction) this.begin.run()
    this.write(m)
  }

  /** The digest of every chunk written (after finish). */
  get digest(): string | null {
    return this.digestHex
  }

  private write(m: WriterMessage): void {
    switch (m.t) {
      case 'strings':
        // Needed to read the chunks that follow.
        this.digester.addStrings(m.list)
        for (const [id, text] of m.list) this.ins.string.run(id, text)
        return
      case 'chunk':
        this.writeChunk(m)
        return
      case 'ops': {
        // One op_blocks row per commit (op-blocks.ts): a row per operation was ~200k inserts
        // per million transitions.
        const n = m.rows.length / 4
        if (n === 0) return
        const lastSeq = m.rows[m.rows.length - 1]!
        const data = encodeOpBlock(m.rows)
        this.ins.opBlock.run(m.first, n, lastSeq, data, opBlockCrc(m.first, n, lastSeq, data))
        return
      }
      case 'checkpoint': {
        const { format, body } = this.checkpoints.assemble(m.delta)
        const blob = packCheckpoint(format, body)
        this.ins.ckpt.run(m.seq, m.op, blob, checkpointCrc(m.seq, m.op, blob))
        return
      }
      default:
        throw new Error(`the session writer cannot write a "${m.t}" message`)
    }
  }

  private writeChunk(m: Extract<WriterMessage, { t: 'chunk' }>): void {
    const d = this.digester
    for (const t of d.add(m.data, m.firstSeq, m.firstOp, m.n)) {
      if (t.kind === 'kvm_mmu_prepare_zap_page') {
        if (is_root_zap(t)) this.ins.zap.run(t.seq, t.vcpu, t.sp, t.gfn)
      } else if (t.kind === 'finding') this.ins.finding.run(t.seq, t.vcpu, t.rule, t.sp, t.slot, t.message)
      else if (t.kind === 'kvm_arch_flush_shadow_memslot') this.ins.memslot.run(t.seq, t.action)
    }
    this.hash.update(d.canonical)
    d.clearCanonical()
    const kinds = d.kinds
    const summary = d.takeSummary()
    const dc = dataCrc(m.data)
    this.ins.chunk.run(m.firstSeq, m.n, m.firstOp, m.lastOp, kinds, summary, dc, chunkRowCrc(m.firstSeq, m.n, m.firstOp, m.lastOp, kinds, dc, summary))
    this.ins.data.run(m.firstSeq, m.data)
  }

  private finish(m: Extract<WriterMessage, { t: 'finish' }>): void {
    const db = this.db
    if (!db.inTransaction) this.begin.run()
    const digest = this.hash.digest('hex')
    this.digestHex = digest
    writeMeta(db, { ...m.meta, digest: m.cancelled ? null : digest })
    this.commitTx.run()
    // A finished session is one self-contained file: fold the WAL in and leave WAL mode.
    db.pragma('wal_checkpoint(TRUNCATE)')
    db.pragma('journal_mode = DELETE')
    db.close()
  }

  /** After a failure: undo the open transaction and close (the committed prefix stays). */
  abort(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      this.db.close()
    } catch {
      // the failure being reported matters more
    }
  }
}
