/** rootlab verify: checks every chunk, checkpoint, summary and index of a session, and its digest. */
import { verifySession } from '../../session/verify'
import { parse } from '../args'
import { keyValues, num } from '../format'
import { CliFailure, type Io } from '../io'
import { ProgressBar } from '../progress'

export const help = `Usage: rootlab verify FILE [--json]

Checks the whole session file: every chunk (checksums, decoding) and checkpoint (checksum,
equal to the replayed state), the chunk summaries against their chunks, the sparse index tables
(root zaps, findings, memslots) and the operations against the transitions, and recomputes the
digest. Prints "verified" and exits 0 when all hold; names the first damaged seq range and exits
1 otherwise. Files written before checksums existed (schema 1) are verified by everything else.
  --json   one JSON object: { "ok", "digest", "checked": {...}, "damaged": [ { "from", "to", "what" } ] }
`

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const file = positionals[0]!
  const bar = io.errIsTTY ? new ProgressBar(io, 'verifying') : null
  let r
  try {
    r = verifySession(file, bar ? { onProgress: (f) => bar.update(f, '') } : {})
  } finally {
    bar?.done()
  }
  if (values.json) io.out(JSON.stringify(r) + '\n')
  else if (r.ok) {
    io.out(keyValues([
      ['file', file],
      ['transitions', num(r.checked.transitions)],
      ['chunks', `${num(r.checked.chunks)} (${r.checked.checksums ? 'checksums and ' : 'no checksums (schema 1): '}summaries checked)`],
      ['checkpoints', num(r.checked.checkpoints)],
      ['index rows', num(r.checked.index_rows)],
      ['digest', r.checked.digest ? `${r.digest} (matches)` : `${r.digest ?? '-'} (not stored: the recording is incomplete)`],
    ]))
    io.out('verified\n')
  }
  if (!r.ok) {
    const d = r.damaged[0]!
    const range = d.from === d.to ? `seq ${d.from}` : `transitions ${d.from} to ${d.to}`
    const more = r.damaged.length > 1 ? ` (and ${r.damaged.length - 1} more damaged range${r.damaged.length > 2 ? 's' : ''})` : ''
    throw new CliFailure(`${file} is damaged: ${range}: ${d.what}${more}`)
  }
  return 0
}
