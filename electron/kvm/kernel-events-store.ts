/**
 * Kernel events in a session file: three tables written next to the session's own (after
 * recordSession() has closed the file), so that the debugger can show the kernel's events beside
 * the model's transitions. Seq-independent: rows are keyed by op group and by the session's op
 * indexes (`op_first`..`op_last`: the model ops the group ran as, op-groups.ts), never by seq;
 * `model_seq` only points at the model transition an event equals.
 *
 *   kernel_events  one row per compared kernel event (kvm_mmu_get_page, kvm_mmu_prepare_zap_page,
 *                  kvm_mmu_zap_all_fast), in trace order
 *   kernel_groups  one row per op group (and the teardown): its ops, classification, counts
 *   kernel_trace   key/value: where the trace came from and the comparison's summary
 *
 * Created with CREATE TABLE IF NOT EXISTS; a re-import replaces the rows. The session layer's
 * validation must tolerate these tables (it checks for its own, not for the absence of others).
 */
import Database from 'better-sqlite3'
import { KERNEL_TABLES_SQL } from '../session/kernel-schema'
import type { Comparison, GroupComparison } from './comparator'

export { KERNEL_TABLE_DOCS, KERNEL_TABLES_SQL } from '../session/kernel-schema'

/** What the trace was and how it was read, stored in kernel_trace. */
export interface KernelTraceInfo {
  /** 'capture' or 'import'. */
  source: 'capture' | 'import'
  /** The trace file (import) or the script (capture). */
  file: string
  /** Host description (capture: the paging mode; import: what the trace shows). */
  host: string
  unknownLines: number
  lostEvents: number
}

/**
 * The vCPU of a group's op, or null (memslot, teardown, derived groups without one). Looks only
 * at the group's own ops (op_first..op_last): a scan of every op per group made a 64k-group
 * import quadratic.
 */
function groupVcpu(c: Comparison, g: GroupComparison, opFirst: number | null, opLast: number | null): number | null {
  if (g.group < 0 || opFirst === null || opLast === null) return null
  for (let k = opFirst; k <= opLast; k++) {
    const op = c.model.ops[k]!
    if ('vcpu' in op) return op.vcpu
  }
  return null
}

/** Writes the comparison's kernel events into the session file at `path` (opened writable). */
export function storeKernelEvents(path: string, c: Comparison, info: KernelTraceInfo): void {
  const db = new Database(path, { fileMustExist: true })
  try {
    db.pragma('busy_timeout = 5000')
    db.exec(KERNEL_TABLES_SQL)
    // Session op index range of each group (from the flattened model ops).
    const first = new Map<number, number>()
    const last = new Map<number, number>()
    c.model.groupOf.forEach((g, op) => {
      if (!first.has(g)) first.set(g, op)
      last.set(g, op)
    })
    const insEvent = db.prepare(`INSERT INTO kernel_events (op_group, op_first, op_last, vcpu, kind, gfn, level, gen,
      root_count, invalid, created, line, ts, pid, cpu, model_seq, agreement)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const insGroup = db.prepare(`INSERT INTO kernel_groups (op_group, op_first, op_last, vcpu, label, classification,
      first_diff, kernel_events, model_events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    const insMeta = db.prepare('INSERT INTO kernel_trace (key, value) VALUES (?, ?)')
    const all = c.teardown ? [...c.groups, c.teardown] : c.groups
    db.transaction(() => {
      db.exec('DELETE FROM kernel_events; DELETE FROM kernel_groups; DELETE FROM kernel_trace;')
      all.forEach((g, i) => {
        const idx = g.group < 0 ? -1 : i
        const opFirst = idx < 0 ? null : first.get(i) ?? null
        const opLast = idx < 0 ? null : last.get(i) ?? null
        const vcpu = groupVcpu(c, g, opFirst, opLast)
        insGroup.run(g.group, opFirst, opLast, vcpu, g.label, g.classification, g.firstDiff, g.kernel.length, g.model.length)
        g.kernel.forEach((e, k) => {
          const equal = g.firstDiff === null || k < g.firstDiff
          const agreement = equal ? 'agree' : g.classification
          const seq = equal && g.model[k] && g.model[k]!.seq > 0 ? g.model[k]!.seq : null
          insEvent.run(g.group, opFirst, opLast, vcpu, e.kind, e.gfn, e.level, e.gen, e.root_count, e.invalid ? 1 : 0,
            e.created === null ? null : e.created ? 1 : 0, e.line, e.ts, e.pid, e.cpu, seq, agreement)
        })
      })
      const meta: Record<string, string> = {
        source: info.source,
        file: info.file,
        host: info.host,
        alignment: c.primary.alignment,
        agree: String(c.agree),
        explained: String(c.explained),
        host_difference: JSON.stringify(c.hostDifference),
        disagreements: JSON.stringify(c.disagreements.map((g) => g.group)),
        unknown_lines: String(info.unknownLines),
        lost_events: String(info.lostEvents),
        counts: JSON.stringify(c.counts),
      }
      for (const [k, v] of Object.entries(meta)) insMeta.run(k, v)
    })()
  } finally {
    db.close()
  }
}
