/** rootlab inspect: the state after one transition. */
import type { SlotView, StateView } from '../../../sim/view'
import { openSession } from '../../session/index'
import { parse, seqFlag } from '../args'
import { keyValues, num, table } from '../format'
import { UsageError, type Io } from '../io'

export const help = `Usage: rootlab inspect FILE --at SEQ|end [--json]

Shows the state after transition SEQ (0 = the initial state, end = the final state): each
vCPU's current root and cached prev_roots, pending requests, the shadow pages, the stats.
  --json   the state as one JSON object (seq, mmu_valid_gen, vcpus, shadow_pages, stats, ...)
`

function slot(s: SlotView): string {
  if (s.hpa === null) return s.pgd === null ? '(empty)' : `(empty, stale pgd ${s.pgd})`
  return `sp ${s.sp}  pgd ${s.pgd}`
}

/** Human rendering of a state view. */
export function renderState(v: StateView): string {
  const pages = new Map(v.shadow_pages.map((p) => [p.sp, p]))
  const flags = (s: SlotView): string => {
    if (s.sp === null) return ''
    const p = pages.get(s.sp)
    if (!p) return 'FREED'
    return [p.invalid ? 'invalid' : '', p.obsolete && !p.invalid ? 'obsolete' : '', `root_count ${p.root_count}`].filter(Boolean).join(', ')
  }
  let out = `State after seq ${num(v.seq)}${v.seq === 0 ? ' (initial state)' : ''}: mmu_valid_gen ${v.mmu_valid_gen}, ` +
    `${num(v.n_used_mmu_pages)} of ${num(v.n_max_mmu_pages)} shadow pages used, ${v.findings} finding(s)\n\n`
  for (const c of v.vcpus) {
    out += `vCPU ${c.id}  ${c.in_guest ? 'in guest' : 'out of guest'}  cr3 ${c.cr3}` +
      `${c.requests.length ? `  requests: ${c.requests.join(', ')}` : ''}\n`
    const rows = [['root', slot(c.root), flags(c.root)], ...c.prev_roots.map((r, i) => [`prev_roots[${i}]`, slot(r), flags(r)])]
    out += table(null, rows, '  ') + '\n'
  }
  const roots = v.shadow_pages.filter((p) => p.level === 4 || p.root_count > 0)
  out += `Root shadow pages (${roots.length} of ${v.shadow_pages.length} pages):\n`
  out += roots.length
    ? table(['sp', 'gfn', 'level', 'root_count', 'invalid', 'obsolete', 'gen', 'held by'],
      roots.map((p) => [p.sp, p.gfn, p.level, p.root_count, p.invalid ? 'yes' : 'no', p.obsolete ? 'yes' : 'no', p.mmu_valid_gen,
        p.held_by.map((h) => { const [vc, sl] = h.split(':'); return `vCPU ${vc} ${sl === '0' ? 'root' : `prev[${Number(sl) - 1}]`}` }).join(', ') || '-']), '  ')
    : '  (none)\n'
  out += '\nStats:\n' + keyValues(Object.entries(v.stats).map(([k, n]) => [k, num(n)]), '  ')
  out += '\nCounters:\n' + keyValues(Object.entries(v.counters).map(([k, n]) => [k, num(n as number)]), '  ')
  return out
}

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { at: { type: 'string' }, json: { type: 'boolean' } }, { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const at = seqFlag(values, 'at', true)
  if (at === undefined) throw new UsageError('--at SEQ|end is required')
  const s = openSession(positionals[0]!)
  try {
    const seq = at === 'end' ? s.total : at
    const v = s.view(seq)
    io.out(values.json ? JSON.stringify(v) + '\n' : renderState(v))
    return 0
  } finally {
    s.close()
  }
}
