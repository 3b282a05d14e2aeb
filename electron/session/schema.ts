/**
 * The session file's schema. A session is one SQLite database:
 *
 *   meta          key/value text: app and model version, policy, scenario, seed, vcpus, params
 *                 (JSON), complete (0/1), cancelled, started/finished (ISO 8601), digest.
 *   strings       id -> text of every string field value (request names, reasons, messages).
 *   chunks        one row per run of consecutive transitions (first_seq .. first_seq + n - 1):
 *                 first_op/last_op, a bitmask of the kinds present, and `summary` (per-chunk
 *                 counts by (vcpu, kind) and a bloom filter of the shadow-page ids it names).
 *                 Queries read this small table to skip chunks that cannot match.
 *                 Schema 2: `data_crc` = crc32 of the chunk's chunk_data blob, `crc` = crc32 of
 *                 the row itself (checksum.ts), checked on open (crc) and on decode (data_crc).
 *   chunk_data    first_seq -> the chunk's transitions, binary (codec.ts). Append-only.
 *   checkpoints   seq -> full model state after transition seq (checkpoint-codec.ts: format 4 stored, older deflated);
 *                 seq 0 is the initial state. Schema 2: `crc` of (seq, op, state).
 *   op_blocks     (schema 3) the operations that drove the run, packed, one row per commit
 *                 (op-blocks.ts); read through op-log.ts. Each: op, vcpu, pgd | gva | gfn |
 *                 action, and last_seq, the seq of its last transition: enough to re-run it.
 *   operations    (schemas 1-2) the same, one row per operation (idx, op, vcpu, pgd, gva, gfn,
 *                 action, last_seq). The SQL console shows this table for every schema.
 *   root_zaps     seq of every root zap (sim is_root_zap), with vcpu, sp and gfn.
 *   findings      seq, vcpu, rule, sp, slot, message of every finding transition.
 *   memslots      seq and action of every memslot update.
 *   bookmarks     id, seq, note, created: the user's marks (kept in the file, exported with it).
 *   watches       id, watch (JSON), enabled, created: the user's watchpoints (like bookmarks;
 *                 created on first use in files older than the table).
 *
 * Index tables hold only what a query needs (sparse lists of seqs); the transitions themselves
 * live only in chunk_data. `PRAGMA application_id` marks the file as Root Lab's, and
 * `PRAGMA user_version` is SCHEMA_VERSION.
 */

import { KERNEL_TABLE_DOCS } from './kernel-schema'

/** 'RtLb' as a big-endian 32-bit integer: marks a SQLite file as a Root Lab session. */
export const APPLICATION_ID = 0x52744c62

/**
 * Version of the layout below. A reader refuses files with a larger version and reads every
 * older one (schema-check.ts keeps the DDL of each).
 *   1  no checksums (verified by digest only)
 *   2  crc32 per chunk row, per chunk blob and per checkpoint
 *   3  operations packed in op_blocks (one row per commit) instead of a row each in operations;
 *      the SQL console and flat export still show them as the `operations` table
 */
export const SCHEMA_VERSION = 3

/**
 * The user's watches (watch-store.ts), kept in the file like bookmarks: `watch` is the JSON of a
 * Watch (watch-types.ts). Files written before the table existed get it on the first write
 * (schema-check.ts CREATED_ON_FIRST_WRITE), with this same DDL.
 */
export const WATCHES_SQL = `CREATE TABLE IF NOT EXISTS watches (
  id INTEGER PRIMARY KEY AUTOINCREMENT, watch TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1, created TEXT NOT NULL
);`

/** Tables whose DDL is the same in every schema version (as first written: never edit). */
const TABLES_ALL_VERSIONS = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE chunk_data (first_seq INTEGER PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE root_zaps (seq INTEGER PRIMARY KEY, vcpu INTEGER, sp INTEGER NOT NULL, gfn INTEGER NOT NULL);
CREATE TABLE findings (
  seq INTEGER PRIMARY KEY, vcpu INTEGER, rule TEXT NOT NULL, sp INTEGER, slot INTEGER, message TEXT NOT NULL
);
CREATE TABLE memslots (seq INTEGER PRIMARY KEY, action TEXT NOT NULL);
CREATE TABLE bookmarks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, seq INTEGER NOT NULL, note TEXT NOT NULL, created TEXT NOT NULL
);
CREATE INDEX bookmarks_seq ON bookmarks (seq);
`

/** The operations, a row each: schemas 1 and 2 (schema 3 packs them in op_blocks). */
export const OPERATIONS_TABLE_SQL = `CREATE TABLE operations (
  idx INTEGER PRIMARY KEY,
  op TEXT NOT NULL,
  vcpu INTEGER,
  pgd INTEGER,
  gva INTEGER,
  gfn INTEGER,
  action TEXT,
  last_seq INTEGER NOT NULL
);`

const CHUNK_COLUMNS = `
  first_seq INTEGER PRIMARY KEY,
  n INTEGER NOT NULL,
  first_op INTEGER NOT NULL,
  last_op INTEGER NOT NULL,
  kinds INTEGER NOT NULL,
  summary BLOB NOT NULL`

/** The DDL of schema 1, frozen: files written by Root Lab 0.1 are validated against it. */
export const SCHEMA_SQL_V1 = `${TABLES_ALL_VERSIONS}
${OPERATIONS_TABLE_SQL}
CREATE TABLE chunks (${CHUNK_COLUMNS}
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, state BLOB NOT NULL);
`

/** Chunks and checkpoints with crc32s: schema 2 and later. */
const CHECKED_TABLES = `
CREATE TABLE chunks (${CHUNK_COLUMNS},
  data_crc INTEGER NOT NULL,
  crc INTEGER NOT NULL
);
CREATE TABLE checkpoints (seq INTEGER PRIMARY KEY, op INTEGER NOT NULL, state BLOB NOT NULL, crc INTEGER NOT NULL);
${WATCHES_SQL}
`

/** The DDL of schema 2, frozen: files written before op blocks are validated against it. */
export const SCHEMA_SQL_V2 = `${TABLES_ALL_VERSIONS}
${OPERATIONS_TABLE_SQL}
${CHECKED_TABLES}`

/**
 * The DDL of the current schema (SCHEMA_VERSION), as the recorder writes it. `op_blocks`: the
 * operations of one commit each (op-blocks.ts), from first_idx to first_idx + n - 1, the last
 * ending at last_seq; crc of the row (checksum.ts opBlockCrc).
 */
export const SCHEMA_SQL = `${TABLES_ALL_VERSIONS}
CREATE TABLE op_blocks (first_idx INTEGER PRIMARY KEY, n INTEGER NOT NULL, last_seq INTEGER NOT NULL, data BLOB NOT NULL, crc INTEGER NOT NULL);
${CHECKED_TABLES}`

/** The DDL of each schema version a reader accepts. */
export const SCHEMA_SQL_BY_VERSION: Readonly<Record<number, string>> = { 1: SCHEMA_SQL_V1, 2: SCHEMA_SQL_V2, 3: SCHEMA_SQL }

/** What the SQL console documents for users (tables, one line each). */
export const TABLE_DOCS: Record<string, string> = {
  meta: 'key/value: app_version, model_version, policy, scenario, seed, vcpus, params, complete, started, finished, digest',
  operations: 'idx, op, vcpu, pgd, gva, gfn, action, last_seq: the operations that drove the run',
  op_blocks: 'first_idx, n, last_seq, data, crc: the operations, packed (binary; read them as the operations table)',
  root_zaps: 'seq, vcpu, sp, gfn: every zap of a root in use',
  findings: 'seq, vcpu, rule, sp, slot, message: every finding',
  memslots: 'seq, action: every memslot update',
  bookmarks: 'id, seq, note, created',
  watches: 'id, watch (JSON: slot, page, requests or where), enabled, created: the debugger\'s watches',
  checkpoints: 'seq, op, state, crc: full state snapshots (binary: first byte the format, 4 = stored, older ones deflated; crc32 from schema 2)',
  chunks: 'first_seq, n, first_op, last_op, kinds, summary, data_crc, crc: one row per chunk of transitions',
  chunk_data: 'first_seq, data: the transitions, binary',
  strings: 'id, text: string field values',
  // Only in sessions made by `rootlab import` / `rootlab capture`.
  ...KERNEL_TABLE_DOCS,
}
