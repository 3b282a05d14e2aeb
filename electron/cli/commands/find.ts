/**
 * rootlab find: the next (or previous) moment a watched value changes or a condition holds —
 * the debugger's continue / reverse-continue to a watch, from the command line.
 */
import { resolve } from 'node:path'
import { openSession, type Session } from '../../session/index'
import { hostWhereStarter } from '../../service/where-search'
import { createSqlHosts } from '../../sqlhost/hosts'
import { SqlHostError } from '../../sqlhost/types'
import { watchLabel } from '../../session/watch-plan'
import type { Watch } from '../../session/watch-types'
import { PAGE_FIELDS } from '../../session/watch-types'
import { intFlag, parse, seqFlag } from '../args'
import { num } from '../format'
import { CliFailure, UsageError, type Io } from '../io'
import { ProgressBar } from '../progress'
import { eventJson } from './events'

export const help = `Usage: rootlab find FILE (--slot V:root | --slot V:prev_roots[I] | --page SP [--field F] | --where EXPR)
                    [--from SEQ] [--backward] [--json]

Finds the first transition after SEQ (with --backward: the last one before SEQ) at which the
watched value changes, or the condition holds.
  --slot V:root, --slot V:prev_roots[I]
                 vCPU V's current root or cached root I (0..2): its {pgd, hpa}
  --page SP      shadow page SP: whether it exists, root_count, invalid, obsolete,
                 write_flooding_count, on active_mmu_pages, child links
  --field F      with --page: only field F (${PAGE_FIELDS.join(', ')})
  --requests V   vCPU V's pending requests (vcpu->requests)
  --where EXPR   an SQL expression over the transitions table, e.g.
                 "kind = 'kvm_mmu_free_roots' AND vcpu = 2"
  --from SEQ     where to start (default: 0, or past the last transition with --backward)
  --backward     search backward (reverse-continue)
  --json         {"seq": N}, or {"seq": null} when there is none (exit status 0 either way)
`

const SLOT = /^(\d+):(?:(root)|prev_roots\[(\d+)\])$/

/** The watch the flags name (exactly one of --slot, --page, --requests, --where). */
function watchOf(values: Record<string, string | boolean | undefined>): Watch {
  const given = ['slot', 'page', 'requests', 'where'].filter((k) => values[k] !== undefined)
  if (values.field !== undefined && values.page === undefined) throw new UsageError('--field needs --page SP')
  if (given.length === 0) throw new UsageError('give what to watch: --slot V:root, --slot V:prev_roots[I], --page SP or --where EXPR')
  if (given.length > 1) throw new UsageError(`give one of --slot, --page, --requests or --where, not ${given.map((g) => `--${g}`).join(' and ')}`)
  if (values.slot !== undefined) {
    const text = String(values.slot)
    const m = SLOT.exec(text)
    const i = m?.[3] === undefined ? 0 : Number(m[3])
    if (!m || i > 2) throw new UsageError(`--slot must be V:root or V:prev_roots[I] with I from 0 to 2, got "${text}"`)
    return { type: 'slot', vcpu: Number(m[1]), slot: m[2] ? 0 : i + 1 }
  }
  if (values.page !== undefined) {
    const sp = intFlag(values, 'page', 1, Number.MAX_SAFE_INTEGER)!
    if (values.field === undefined) return { type: 'page', sp }
    const field = String(values.field)
    if (!(PAGE_FIELDS as readonly string[]).includes(field)) {
      throw new UsageError(`--field must be one of ${PAGE_FIELDS.join(', ')}, got "${field}"`)
    }
    return { type: 'page', sp, field: field as (typeof PAGE_FIELDS)[number] }
  }
  if (values.requests !== undefined) return { type: 'requests', vcpu: intFlag(values, 'requests', 0, 63)! }
  const expr = String(values.where).trim()
  if (!expr) throw new UsageError('--where needs an SQL expression')
  return { type: 'where', expr }
}

/**
 * Continues to the watch, with a progress bar on a terminal. A condition runs in an SQL host
 * process (as in the debugger), stopped with the command.
 */
async function search(s: Session, w: Watch, from: number, direction: 'next' | 'prev', io: Io): Promise<number | null> {
  const span = direction === 'next' ? s.total - from : from - 1
  const bar = io.errIsTTY ? new ProgressBar(io, 'searching') : null
  const sql = w.type === 'where' ? createSqlHosts() : null
  try {
    const r = await s.findWatches([w], from, direction, {
      onProgress: (at) => bar?.update(span > 0 ? Math.abs(at - from) / span : 1, `seq ${num(at)}`),
      ...(sql ? { where: hostWhereStarter(sql, resolve(s.path)) } : {}),
    })
    return r.seq
  } catch (e) {
    if (e instanceof SqlHostError) throw new CliFailure(e.message)
    throw e
  } finally {
    bar?.done()
    await sql?.close()
  }
}

export async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    slot: { type: 'string' }, page: { type: 'string' }, field: { type: 'string' }, requests: { type: 'string' },
    where: { type: 'string' }, from: { type: 'string' }, backward: { type: 'boolean' }, json: { type: 'boolean' },
  }, { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const w = watchOf(values)
  const fromFlag = seqFlag(values, 'from', false) as number | undefined
  const direction = values.backward ? 'prev' : 'next'
  const s = openSession(positionals[0]!)
  try {
    if (fromFlag !== undefined && fromFlag > s.total) {
      throw new CliFailure(`--from ${fromFlag} is past the end of ${positionals[0]} (it has ${s.total} transitions)`)
    }
    const from = fromFlag ?? (direction === 'next' ? 0 : s.total + 1)
    const seq = await search(s, w, from, direction, io)
    if (values.json) {
      io.out(`${JSON.stringify({ seq })}\n`)
      return 0
    }
    const what = watchLabel(w)
    const where = direction === 'next' ? `after seq ${from}` : from > s.total ? 'in the session' : `before seq ${from}`
    if (seq === null) {
      io.out(`${w.type === 'where' ? 'no transition matches' : 'no change of'} ${what} ${where}\n`)
      return 0
    }
    const t = s.transitionAt(seq)
    const row = eventJson(t)
    const fields = Object.entries(row).filter(([k]) => !['seq', 'op', 'kind', 'vcpu'].includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(' ')
    const head = `seq ${seq}  op ${t.op}  ${t.vcpu === null ? '' : `vCPU ${t.vcpu}  `}${t.kind}${fields ? `  ${fields}` : ''}`
    if (w.type === 'where') {
      io.out(`${head}\n`)
      return 0
    }
    const c = s.fieldChanges(w, seq - 1, seq, 1).changes[0]
    io.out(`${head}\n  ${what}: ${c ? `${c.before} -> ${c.after}` : 'changed'}\n`)
    return 0
  } finally {
    s.close()
  }
}
