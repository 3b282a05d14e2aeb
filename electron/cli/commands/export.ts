/** rootlab export: a copy of the session, or a Chrome/Perfetto trace. */
import { openSession, type Session } from '../../session/index'
import { parse } from '../args'
import { num } from '../format'
import { UsageError, type Io } from '../io'
import { ProgressBar } from '../progress'
import { clip } from '../../../sim/quote'

export const help = `Usage: rootlab export FILE --format db|perfetto|flat --out OUT [--force]

  --format db        a consistent single-file copy of the session (works while it is being recorded)
  --format perfetto  a Chrome/Perfetto trace-event JSON (open it at https://ui.perfetto.dev):
                     a track per vCPU with its roots as slices, zaps and findings as instants,
                     stats as counters; 1 transition = 1 microsecond
  --format flat      a plain SQLite database for sqlite3, Datasette or DuckDB: a real
                     \`transitions\` table (the SQL console's columns) and the session's other
                     tables (operations, findings, root_zaps, meta, ...); not a session file
  --out OUT          the file to write
  --force            replace OUT if it is a regular file (a failed export leaves it as it was)
`

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { format: { type: 'string' }, out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const format = values.format as string | undefined
  if (format === undefined) throw new UsageError('--format db|perfetto|flat is required')
  if (format !== 'db' && format !== 'perfetto' && format !== 'flat') throw new UsageError(`unknown format "${clip(format)}" (allowed: db, perfetto, flat)`)
  const out = values.out as string | undefined
  if (!out) throw new UsageError('--out OUT is required')
  const s = openSession(positionals[0]!)
  try {
    const replace = { replace: Boolean(values.force) }
    const r = format === 'db' ? s.exportDb(out, replace) : format === 'flat' ? exportFlat(s, out, replace.replace, io) : s.exportPerfetto(out, replace)
    io.out(`Wrote ${r.out} (${num(r.bytes)} bytes)\n`)
    return 0
  } finally {
    s.close()
  }
}

/** The flat export, with a progress bar on a terminal (10M transitions take a while). */
function exportFlat(s: Session, out: string, replace: boolean, io: Io): { out: string; bytes: number } {
  const bar = io.errIsTTY ? new ProgressBar(io, 'export') : null
  try {
    return s.exportFlat(out, { replace, ...(bar ? { onProgress: (d, t) => bar.update(t ? d / t : 1, `${num(d)} / ${num(t)} transitions`) } : {}) })
  } finally {
    bar?.done()
  }
}
