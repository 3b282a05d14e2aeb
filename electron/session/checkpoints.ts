/**
 * Reading checkpoints (full model states) of an open session: the nearest one at or before a
 * seq, checked (crc32 of schema 2, checksum.ts) and inflated with a cap on its output
 * (checkpoint-codec.ts checkpointCap), so a damaged checkpoint is reported naming its seq and a
 * blob that inflates to gigabytes is refused at once.
 */
import type Database from 'better-sqlite3'
import type { kvm } from '../../sim/types'
import { checkpointCap, decodeCheckpoint } from './checkpoint-codec'
import { checkpointCrc } from './checksum'
import { SessionError } from './errors'

interface CheckpointRow {
  seq: number
  op: number
  state: Uint8Array
  crc?: number
}

export class CheckpointReader {
  private readonly getAtOrBefore: Database.Statement
  private readonly getSeqAtOrBefore: Database.Statement
  readonly cap: number

  constructor(db: Database.Database, private readonly label: string, readonly checksums: boolean, nMaxMmuPages: number) {
    this.cap = checkpointCap(nMaxMmuPages)
    this.getAtOrBefore = db.prepare(
      `SELECT seq, op, state${checksums ? ', crc' : ''} FROM checkpoints WHERE seq <= ? ORDER BY seq DESC LIMIT 1`)
    this.getSeqAtOrBefore = db.prepare('SELECT max(seq) FROM checkpoints WHERE seq <= ?').pluck()
  }

  /** seq of the nearest checkpoint at or before `seq` (0 if none). */
  seqAtOrBefore(seq: number): number {
    return (this.getSeqAtOrBefore.get(seq) as number | null) ?? 0
  }

  /** The nearest checkpoint at or before `seq`, decoded (a fresh state the caller owns). */
  atOrBefore(seq: number): { seq: number; state: kvm } {
    const row = this.getAtOrBefore.get(seq) as CheckpointRow | undefined
    if (!row) throw new SessionError(`${this.label} is damaged (no checkpoint at or before seq ${seq})`)
    return { seq: row.seq, state: this.decode(row) }
  }

  /** Checks and decodes one checkpoint row. Throws SessionError naming the file and the seq. */
  decode(row: CheckpointRow): kvm {
    if (this.checksums && row.crc !== checkpointCrc(row.seq, row.op, row.state)) {
      throw new SessionError(`${this.label} is damaged (the checkpoint at seq ${row.seq}: the checksum does not match)`)
    }
    try {
      return decodeCheckpoint(row.state, this.cap)
    } catch (e) {
      throw new SessionError(`${this.label} is damaged (the checkpoint at seq ${row.seq} cannot be read: ${(e as Error).message})`)
    }
  }
}
