/** rootlab record: runs a scenario or a script under a policy and writes a session file. */
import { basename } from 'node:path'
import { ParamError, SCENARIOS, validate_scenario_params } from '../../../sim/scenarios/index'
import { POLICIES, type Policy } from '../../../sim/types'
import { recordSession } from '../../session/recorder'
import type { RecordSource } from '../../session/types'
import { intFlag, parse } from '../args'
import { num, table } from '../format'
import { readScriptFile } from '../input-file'
import { UsageError, type Io } from '../io'
import { ProgressBar } from '../progress'
import { clip } from '../../../sim/quote'

export const help = `Usage: rootlab record [--scenario NAME | --script FILE] [--policy P] [--vcpus N] [--steps N]
                      [--seed N] [--processes N] --out FILE [--force] [--json]

Records a session: runs the model on a scenario's or a script's operations and writes FILE.
  --scenario NAME   ${SCENARIOS.join(', ')} (default process-churn)
  --script FILE     a JSON script: {"vcpus": N, "ops": [...]} (see cli-contract.md)
  --policy P        ${POLICIES.join(', ')} (default free-obsolete)
  --vcpus N         vCPUs, 1-64 (scenario only; default 4)
  --steps N         scheduler steps, 1-10000000 (scenario only; default 2000)
  --seed N          PRNG seed, 0-4294967295 (scenario only; default 1)
  --processes N     live processes at most (scenario only; default 4 per vCPU)
  --out FILE        the session file to write
  --force           replace FILE if it is a regular file (written beside it, renamed over it
                    only when the recording completed)
  --json            print the summary as one JSON object on stdout
`

export function run(argv: string[], io: Io): number {
  const { values } = parse(argv, {
    scenario: { type: 'string' }, script: { type: 'string' }, policy: { type: 'string' }, vcpus: { type: 'string' },
    steps: { type: 'string' }, seed: { type: 'string' }, processes: { type: 'string' }, out: { type: 'string', short: 'o' },
    force: { type: 'boolean' }, json: { type: 'boolean' },
  }, { min: 0, max: 0, names: '' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const out = values.out as string | undefined
  if (!out) throw new UsageError('--out FILE is required')
  const policy = (values.policy as string | undefined) ?? 'free-obsolete'
  if (!(POLICIES as readonly string[]).includes(policy)) throw new UsageError(`unknown policy "${clip(policy)}" (allowed: ${POLICIES.join(', ')})`)
  if (values.scenario !== undefined && values.script !== undefined) throw new UsageError('give either --scenario or --script, not both')

  let source: RecordSource
  if (values.script !== undefined) {
    for (const f of ['vcpus', 'steps', 'seed', 'processes']) {
      if (values[f] !== undefined) throw new UsageError(`--${f} applies to --scenario only (a script sets its own vCPUs)`)
    }
    const file = values.script as string
    // A regular file of at most MAX_SCRIPT_BYTES (InputFileError names the file otherwise).
    source = { type: 'script', name: file, text: readScriptFile(file) }
  } else {
    const scenario = (values.scenario as string | undefined) ?? 'process-churn'
    try {
      const p = validate_scenario_params(scenario, {
        vcpus: intFlag(values, 'vcpus', -(2 ** 31), 2 ** 31), steps: intFlag(values, 'steps', -(2 ** 31), 2 ** 31),
        seed: intFlag(values, 'seed', -(2 ** 53), 2 ** 53), processes: intFlag(values, 'processes', -(2 ** 31), 2 ** 31),
      })
      source = { type: 'scenario', scenario, vcpus: p.vcpus, steps: p.steps, seed: p.seed, processes: p.processes }
    } catch (e) {
      if (e instanceof ParamError) throw new UsageError(e.message.replace(/^(vcpus|steps|seed|processes) /, '--$1 '))
      throw e
    }
  }

  // Progress goes to stderr, only on a terminal (stdout stays clean for --json).
  const bar = io.errIsTTY ? new ProgressBar(io, `recording ${basename(out)}`) : null
  let summary
  try {
    summary = recordSession({
      source, policy: policy as Policy, out, force: Boolean(values.force),
      ...(bar ? { onProgress: (p) => bar.update(p.fraction, `${num(p.transitions)} transitions`) } : {}),
    })
  } finally {
    bar?.done()
  }
  if (values.json) {
    const { ms: _ms, cancelled: _c, written: _w, ...rest } = summary
    io.out(JSON.stringify(rest) + '\n')
    return 0
  }
  io.out(`Recorded ${num(summary.transitions)} transitions from ${num(summary.operations)} operations into ${summary.file} ` +
    `in ${(summary.ms / 1000).toFixed(1)} s\n`)
  io.out(table(null, [
    ['policy', summary.policy], ['scenario', summary.scenario], ['seed', summary.seed ?? '-'], ['vCPUs', summary.vcpus],
    ['findings', summary.findings], ['digest', summary.digest ?? '-'],
  ], '  '))
  io.out('\n' + table(['stat', 'value'], Object.entries(summary.stats).map(([k, v]) => [k, v]), '  '))
  io.out('\n' + table(['counter', 'value'], Object.entries(summary.counters).map(([k, v]) => [k, v]), '  '))
  return 0
}
