/**
 * Reading the kernel's events of a session (the tables `kernel_events`, `kernel_groups`,
 * `kernel_trace` that `rootlab import` / `rootlab capture` write beside the model's transitions;
 * electron/kvm/kernel-events-store.ts). A session without them (every recorded one) has no
 * kernel summary and no kernel events: both are answered, never an error.
 *
 * Rows are keyed by op group and session op index (`op_first`..`op_last`), never by seq; the
 * debugger places them on the timeline with the operations' seqs.
 */
import type Database from 'better-sqlite3'
import type {
  KernelAgreement, KernelEventRow, KernelGroupRow, KernelSummary,
} from './results'
import { SessionError } from './errors'

/** The three tables, all needed for a session to count as having kernel events. */
const KERNEL_TABLES = ['kernel_events', 'kernel_groups', 'kernel_trace'] as const

/** Default and largest page of kernelEvents(). */
export const KERNEL_EVENTS_DEFAULT_LIMIT = 10_000
export const KERNEL_EVENTS_MAX_LIMIT = 100_000

const AGREEMENTS: readonly KernelAgreement[] = ['agree', 'host-difference', 'disagree']

/** The op range of a kernelEvents query (session op indexes, both inclusive). */
export interface KernelEventQuery {
  fromOp?: number
  toOp?: number
  limit?: number
}

/** Does the file have the kernel tables? */
export function hasKernelTables(db: Database.Database): boolean {
  const n = db.prepare(`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (${KERNEL_TABLES.map(() => '?').join(', ')})`)
    .pluck().get(...KERNEL_TABLES) as number
  return n === KERNEL_TABLES.length
}

function agreement(v: unknown): KernelAgreement {
  return (AGREEMENTS as readonly unknown[]).includes(v) ? (v as KernelAgreement) : 'disagree'
}

function json(text: string | undefined): unknown {
  if (text === undefined) return null
  try {
    return JSON.parse(text) as unknown
  } catch {
    return null
  }
}

function checkOp(v: number | undefined, what: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) throw new SessionError(`${what} must be an integer >= 0, got ${v}`)
}

interface RawEvent {
  id: number
  op_group: number
  op_first: number | null
  op_last: number | null
  vcpu: number | null
  kind: string
  gfn: number
  level: number
  gen: number
  root_count: number
  invalid: number
  created: number | null
  line: number
  model_seq: number | null
  agreement: string
  classification: string | null
}

/**
 * The kernel's events of the op groups that overlap [fromOp, toOp], in trace order, at most
 * `limit` (default 10,000). The teardown's events (op group -1, after the last op) are included
 * unless `toOp` is given. Empty when the file has no kernel tables.
 */
export function kernelEvents(db: Database.Database, q: KernelEventQuery = {}): KernelEventRow[] {
  checkOp(q.fromOp, 'fromOp')
  checkOp(q.toOp, 'toOp')
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 1)) {
    throw new SessionError(`limit must be an integer >= 1, got ${q.limit}`)
  }
  if (!hasKernelTables(db)) return []
  const limit = Math.min(q.limit ?? KERNEL_EVENTS_DEFAULT_LIMIT, KERNEL_EVENTS_MAX_LIMIT)
  const where: string[] = []
  const args: number[] = []
  if (q.fromOp !== undefined) {
    where.push('(e.op_last IS NULL OR e.op_last >= ?)')
    args.push(q.fromOp)
  }
  if (q.toOp !== undefined) {
    where.push('e.op_first IS NOT NULL AND e.op_first <= ?')
    args.push(q.toOp)
  }
  const rows = db.prepare(`SELECT e.id, e.op_group, e.op_first, e.op_last, e.vcpu, e.kind, e.gfn, e.level, e.gen,
      e.root_count, e.invalid, e.created, e.line, e.model_seq, e.agreement, g.classification
    FROM kernel_events e LEFT JOIN kernel_groups g ON g.op_group = e.op_group
    ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY e.id LIMIT ?`).all(...args, limit) as RawEvent[]
  return rows.map((r) => ({
    id: r.id,
    op_group: r.op_group,
    op_first: r.op_first,
    op_last: r.op_last,
    vcpu: r.vcpu,
    kind: r.kind,
    gfn: r.gfn,
    level: r.level,
    gen: r.gen,
    root_count: r.root_count,
    invalid: r.invalid !== 0,
    created: r.created === null ? null : r.created !== 0,
    line: r.line,
    model_seq: r.model_seq,
    agreement: agreement(r.agreement),
    classification: agreement(r.classification ?? r.agreement),
  }))
}

/**
 * Where the kernel's events came from and how they compare with the model: counts per
 * classification, the host, the trace, and every op group with its classification. Null when the
 * file has no kernel tables.
 */
export function kernelSummary(db: Database.Database): KernelSummary | null {
  if (!hasKernelTables(db)) return null
  const meta = new Map((db.prepare('SELECT key, value FROM kernel_trace').all() as { key: string; value: string }[]).map((r) => [r.key, r.value]))
  const groups = (db.prepare(`SELECT op_group, op_first, op_last, vcpu, label, classification, first_diff, kernel_events,
      model_events FROM kernel_groups ORDER BY op_group < 0, op_group`).all() as (Omit<KernelGroupRow, 'classification'> & { classification: string })[])
    .map((g) => ({ ...g, classification: agreement(g.classification) }))
  const groupCounts: Record<KernelAgreement, number> = { agree: 0, 'host-difference': 0, disagree: 0 }
  for (const g of groups) groupCounts[g.classification]++
  const eventCounts: Record<KernelAgreement, number> = { agree: 0, 'host-difference': 0, disagree: 0 }
  for (const r of db.prepare('SELECT agreement, count(*) AS n FROM kernel_events GROUP BY agreement').all() as { agreement: string; n: number }[]) {
    eventCounts[agreement(r.agreement)] += r.n
  }
  const hd = json(meta.get('host_difference')) as { names?: unknown; cause?: unknown; firstGroup?: unknown } | null
  const disagreements = json(meta.get('disagreements'))
  const num = (k: string): number => {
    const n = Number(meta.get(k) ?? 0)
    return Number.isFinite(n) ? n : 0
  }
  return {
    source: meta.get('source') ?? '',
    file: meta.get('file') ?? '',
    host: meta.get('host') ?? '',
    alignment: meta.get('alignment') ?? '',
    agree: meta.get('agree') === 'true',
    explained: meta.get('explained') === 'true',
    events: Object.values(eventCounts).reduce((a, b) => a + b, 0),
    model_events: groups.reduce((a, g) => a + g.model_events, 0),
    groups: groupCounts,
    event_agreement: eventCounts,
    host_difference: hd && typeof hd === 'object'
      ? {
        names: Array.isArray(hd.names) ? hd.names.map(String) : [],
        cause: typeof hd.cause === 'string' ? hd.cause : '',
        first_group: typeof hd.firstGroup === 'number' ? hd.firstGroup : null,
      }
      : null,
    disagreements: Array.isArray(disagreements) ? disagreements.filter((g): g is number => typeof g === 'number') : [],
    unknown_lines: num('unknown_lines'),
    lost_events: num('lost_events'),
    op_groups: groups,
  }
}
