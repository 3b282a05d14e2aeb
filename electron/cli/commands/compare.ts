/** rootlab compare: two sessions of the same operations under different policies. */
import { compareSessions, openSession, type CompareResult } from '../../session/index'
import { parse } from '../args'
import { num, table } from '../format'
import type { Io } from '../io'

export const help = `Usage: rootlab compare FILE_A FILE_B [--json]

Compares two sessions recorded from the same operations (e.g. one scenario and seed under two
policies), aligned by operation index: the first operation after which their states differ
(roots per vCPU and shadow pages, compared without shadow-page ids), and the differences of
their stats and counters (B - A).
  --json   {a, b, diverged_at (seq in A), diverged_at_op, diverged_at_b (seq in B), stats_delta, counters_delta,
           diverged_at_transition: {a, b} (the first transition whose effect differs, in each)}
`

/** The `compare --json` object (cli-contract.md), from the session layer's result. */
export function compareJson(r: CompareResult, fileA: string, fileB: string): Record<string, unknown> {
  const summary = (x: CompareResult['a'], file: string) => {
    const { session: _s, ...rest } = x
    return { file, ...rest }
  }
  return {
    a: summary(r.a, fileA), b: summary(r.b, fileB), diverged_at: r.diverged_at?.a ?? null, diverged_at_op: r.diverged_at_op,
    diverged_at_b: r.diverged_at?.b ?? null, stats_delta: r.stats_delta, counters_delta: r.counters_delta,
    diverged_at_transition: r.diverged_at_transition ? { a: r.diverged_at_transition.a, b: r.diverged_at_transition.b } : null,
  }
}

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 2, max: 2, names: 'FILE_A and FILE_B' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const [fa, fb] = positionals as [string, string]
  const a = openSession(fa)
  try {
    const b = openSession(fb)
    try {
      const r = compareSessions(a, b)
      if (values.json) {
        io.out(JSON.stringify(compareJson(r, fa, fb)) + '\n')
        return 0
      }
      io.out(table(['', 'A', 'B'], [['file', fa, fb], ['policy', r.a.policy, r.b.policy], ['transitions', r.a.transitions, r.b.transitions],
        ['findings', r.a.findings, r.b.findings]]))
      io.out('\n')
      io.out(r.diverged_at_op === null
        ? 'The states never differ (compared after every operation).\n'
        : `The states first differ after operation ${num(r.diverged_at_op)}: seq ${num(r.diverged_at!.a)} in A, seq ${num(r.diverged_at!.b)} in B.\n` +
          (r.diverged_at_transition
            ? `The first transition whose effect differs: seq ${num(r.diverged_at_transition.a)} in A (${a.transitionAt(r.diverged_at_transition.a).kind}), ` +
              `seq ${num(r.diverged_at_transition.b)} in B (${b.transitionAt(r.diverged_at_transition.b).kind}).\n`
            : '') +
          `  rootlab inspect ${fa} --at ${r.diverged_at!.a}\n  rootlab inspect ${fb} --at ${r.diverged_at!.b}\n`)
      io.out('\n')
      const rows = (x: Record<string, number>, y: Record<string, number>, d: Record<string, number>) =>
        Object.keys(d).map((k) => [k, x[k] ?? 0, y[k] ?? 0, (d[k]! > 0 ? '+' : '') + num(d[k]!)])
      io.out(table(['stat', 'A', 'B', 'B - A'], rows(r.a.stats, r.b.stats, r.stats_delta)))
      io.out('\n')
      io.out(table(['counter', 'A', 'B', 'B - A'], rows({ ...r.a.counters, findings: r.a.findings }, { ...r.b.counters, findings: r.b.findings }, r.counters_delta)))
      return 0
    } finally {
      b.close()
    }
  } finally {
    a.close()
  }
}
