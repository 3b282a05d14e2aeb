/** rootlab export: a copy of the session, or a Chrome/Perfetto trace. */
import { openSession } from '../../session/index'
import { parse } from '../args'
import { num } from '../format'
import { UsageError, type Io } from '../io'

export const help = `Usage: rootlab export FILE --format db|perfetto --out OUT [--force]

  --format db        a consistent single-file copy of the session (works while it is being recorded)
  --format perfetto  a Chrome/Perfetto trace-event JSON (open it at https://ui.perfetto.dev):
                     a track per vCPU with its roots as slices, zaps and findings as instants,
                     stats as counters; 1 transition = 1 microsecond
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
  if (format === undefined) throw new UsageError('--format db|perfetto is required')
  if (format !== 'db' && format !== 'perfetto') throw new UsageError(`unknown format "${format}" (allowed: db, perfetto)`)
  const out = values.out as string | undefined
  if (!out) throw new UsageError('--out OUT is required')
  const s = openSession(positionals[0]!)
  try {
    const replace = { replace: Boolean(values.force) }
    const r = format === 'db' ? s.exportDb(out, replace) : s.exportPerfetto(out, replace)
    io.out(`Wrote ${r.out} (${num(r.bytes)} bytes)\n`)
    return 0
  } finally {
    s.close()
  }
}
