/**
 * The kernel tables of sessions made by `rootlab import` / `rootlab capture` (written by
 * electron/kvm/kernel-events-store.ts after recordSession() has closed the file). Their DDL and
 * docs live here, in the session layer, because the session layer validates every table of a
 * file it opens (schema-check.ts) and documents them for the SQL console; electron/kvm/ depends
 * on the session layer, never the other way round.
 */

/** Column documentation, for the session layer's TABLE_DOCS and the SQL console. */
export const KERNEL_TABLE_DOCS: Record<string, string> = {
  kernel_events:
    'id, op_group, op_first, op_last, vcpu, kind, gfn, level, gen, root_count, invalid, created, line, ts, pid, cpu, ' +
    'model_seq, agreement: the kernel\'s kvmmmu events per op group (op_group -1 = VM teardown); agreement is ' +
    'agree | host-difference | disagree; model_seq is the equal model transition, or NULL',
  kernel_groups:
    'op_group, op_first, op_last, vcpu, label, classification, first_diff, kernel_events, model_events: one row per ' +
    'operation of the imported or captured trace (op_group -1 = teardown)',
  kernel_trace: 'key, value: source, host, alignment, agree, explained, host_difference, disagreements, unknown_lines, lost_events, counts',
}

export const KERNEL_TABLES_SQL = `
CREATE TABLE IF NOT EXISTS kernel_events (
  id INTEGER PRIMARY KEY,
  op_group INTEGER NOT NULL,
  op_first INTEGER,
  op_last INTEGER,
  vcpu INTEGER,
  kind TEXT NOT NULL,
  gfn INTEGER NOT NULL,
  level INTEGER NOT NULL,
  gen INTEGER NOT NULL,
  root_count INTEGER NOT NULL,
  invalid INTEGER NOT NULL,
  created INTEGER,
  line INTEGER NOT NULL,
  ts REAL NOT NULL,
  pid INTEGER NOT NULL,
  cpu INTEGER NOT NULL,
  model_seq INTEGER,
  agreement TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kernel_events_op ON kernel_events (op_first, op_last);
CREATE INDEX IF NOT EXISTS kernel_events_group ON kernel_events (op_group);
CREATE TABLE IF NOT EXISTS kernel_groups (
  op_group INTEGER PRIMARY KEY,
  op_first INTEGER,
  op_last INTEGER,
  vcpu INTEGER,
  label TEXT NOT NULL,
  classification TEXT NOT NULL,
  first_diff INTEGER,
  kernel_events INTEGER NOT NULL,
  model_events INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kernel_trace (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
`
