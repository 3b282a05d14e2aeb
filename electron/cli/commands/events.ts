/** rootlab events: the transitions of a session, filtered. */
import { fields_key_first, MASK_FIELDS } from '../../../sim/key_fields'
import { is_root_zap, TRANSITION_KINDS, type Transition } from '../../../sim/transitions'
import { openSession } from '../../session/index'
import { eventJson, HEX_FIELDS } from '../../session/transition-json'
import { intFlag, parse, seqFlag } from '../args'
import { hex, table } from '../format'
import { UsageError, type Io } from '../io'
import { clip } from '../../../sim/quote'

/** A transition as `events --json` prints it (the session layer's, shared with SQL's `fields`). */
export { eventJson }

export const help = `Usage: rootlab events FILE [--kind K[,K...]] [--vcpu N] [--from SEQ] [--to SEQ] [--limit N] [--json]

Lists transitions in seq order.
  --kind K,...   only these kinds (e.g. mmu_alloc_root,mmu_free_root_page,kvm_mmu_prepare_zap_page)
  --vcpu N       only transitions of vCPU N
  --from SEQ     first seq (default 1);  --to SEQ  last seq (default: the end)
  --root-zaps    only root zaps (kvm_mmu_prepare_zap_page of a root in use, as the debugger's
                 "next root zap" means it)
  --limit N      at most N transitions
  --json         a JSON array of {seq, op, kind, vcpu, ...fields}; gfn, pgd, gva, cr3 as hex strings
`

/** The fields as `name=value`, the kind's key fields first (sim/key_fields.ts); addresses and masks in hex. */
function fieldsText(t: Transition): string {
  const r = t as unknown as Record<string, unknown>
  const { key, rest } = fields_key_first(t.kind)
  return [...key, ...rest].map((f) => {
    const v = r[f]
    return `${f}=${HEX_FIELDS.has(f) || MASK_FIELDS.has(f) ? hex(v as number) : typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : String(v)}`
  }).join(' ')
}

/** Output kept in memory before it is printed: small outputs are printed whole, at once. */
const JSON_BUFFER_CHARS = 16 * 1024 * 1024

/**
 * Prints the matching transitions as one JSON array, never half of one: a damaged chunk found
 * midway would otherwise leave `[ ...rows` without its `]` on stdout, for a script to misread.
 * Up to JSON_BUFFER_CHARS the array is built in memory and printed when it is complete; past that
 * the rest of the range is read once first (a damage there fails before anything is printed) and
 * then read again as it is printed. `read(from)` iterates the filtered range from seq `from` on.
 */
export function printJsonArray(
  io: Io, read: (from: number) => Iterable<Transition>, wanted: (t: Transition) => boolean, limit: number,
  bufferChars = JSON_BUFFER_CHARS,
): void {
  const rows: string[] = []
  let size = 0
  let n = 0
  let next: number | null = null // seq to go on from when the buffer filled up
  for (const t of read(1)) {
    if (n >= limit) break
    if (!wanted(t)) continue
    const row = JSON.stringify(eventJson(t))
    rows.push(row)
    size += row.length
    n++
    if (size > bufferChars) {
      next = t.seq + 1
      break
    }
  }
  if (next !== null) {
    let left = limit - n
    for (const t of read(next)) {
      if (left <= 0) break
      if (wanted(t)) left--
    }
  }
  io.out(rows.length ? `[\n${rows.join(',\n')}` : '[')
  if (next !== null) {
    let chunk: string[] = []
    for (const t of read(next)) {
      if (n >= limit) break
      if (!wanted(t)) continue
      chunk.push(`,\n${JSON.stringify(eventJson(t))}`)
      n++
      if (chunk.length >= 1000) {
        io.out(chunk.join(''))
        chunk = []
      }
    }
    io.out(chunk.join(''))
  }
  io.out(`${n ? '\n' : ''}]\n`)
}

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, {
    kind: { type: 'string' }, vcpu: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' },
    json: { type: 'boolean' }, 'root-zaps': { type: 'boolean' },
  }, { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const rootZaps = Boolean(values['root-zaps'])
  if (rootZaps && values.kind !== undefined) throw new UsageError('give either --kind or --root-zaps, not both')
  const kinds = rootZaps ? ['kvm_mmu_prepare_zap_page'] : values.kind === undefined ? undefined : String(values.kind).split(',').map((k) => k.trim()).filter(Boolean)
  for (const k of kinds ?? []) {
    if (!(TRANSITION_KINDS as readonly string[]).includes(k)) throw new UsageError(`unknown kind "${clip(k)}" (allowed: ${TRANSITION_KINDS.join(', ')})`)
  }
  const vcpu = intFlag(values, 'vcpu', 0, 63)
  const from = seqFlag(values, 'from', false) as number | undefined
  const to = seqFlag(values, 'to', false) as number | undefined
  const limit = intFlag(values, 'limit', 0, Number.MAX_SAFE_INTEGER) ?? Infinity
  const s = openSession(positionals[0]!)
  try {
    const q = { ...(kinds ? { kinds } : {}), ...(vcpu !== undefined ? { vcpu } : {}), ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) }
    const wanted = (t: Transition) => !rootZaps || is_root_zap(t)
    let n = 0
    if (values.json) {
      printJsonArray(io, (from) => s.iterate({ ...q, ...(from > (q.from ?? 1) ? { from } : {}) }), wanted, limit)
      return 0
    }
    // Human: aligned pages of rows, streamed.
    let page: (string | number)[][] = []
    const flush = (head: boolean) => {
      if (page.length) io.out(table(head ? ['seq', 'op', 'vcpu', 'kind', 'fields'] : null, page))
      page = []
    }
    let first = true
    for (const t of s.iterate(q)) {
      if (n >= limit) break
      if (!wanted(t)) continue
      page.push([t.seq, t.op, t.vcpu === null ? '-' : t.vcpu, t.kind, fieldsText(t)])
      n++
      if (page.length >= 2000) {
        flush(first)
        first = false
      }
    }
    flush(first)
    if (n === 0) io.err('rootlab: no transitions match\n')
    return 0
  } finally {
    s.close()
  }
}
