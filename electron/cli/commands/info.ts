/** rootlab info: a session's metadata. */
import { openSession } from '../../session/index'
import { parse } from '../args'
import { keyValues, num } from '../format'
import type { Io } from '../io'

export const help = `Usage: rootlab info FILE [--json]

Shows what a session file holds: policy, scenario, seed, vCPUs, transitions, whether the
recording completed, and its digest. Checks the file's structure first (SQLite's pages, the
schema, the chunk index and its checksums), not every transition: rootlab verify does that.
  --json   one JSON object: schema_version, app_version, policy, scenario, seed, vcpus,
           transitions, complete (and more fields)
`

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'FILE' })
  if (values.help) {
    io.out(help)
    return 0
  }
  const s = openSession(positionals[0]!, { verify: true })
  try {
    const i = s.info()
    if (values.json) {
      const { path: _p, ...rest } = i
      io.out(JSON.stringify({
        schema_version: rest.schema_version, app_version: rest.app_version, policy: rest.policy, scenario: rest.scenario,
        seed: rest.seed, vcpus: rest.vcpus, transitions: rest.transitions, complete: rest.complete,
        model_version: rest.model_version, operations: rest.operations, findings: rest.findings, root_zaps: rest.root_zaps,
        started: rest.started, finished: rest.finished, digest: rest.digest, params: rest.params,
        checked: 'structure',
      }) + '\n')
      return 0
    }
    io.out(keyValues([
      ['file', i.path],
      ['complete', i.complete ? 'yes' : 'NO (the recording was interrupted; every committed transition is readable)'],
      ['policy', i.policy],
      ['scenario', i.scenario],
      ['seed', i.seed],
      ['vCPUs', i.vcpus],
      ['parameters', Object.entries(i.params).map(([k, v]) => `${k}=${String(v)}`).join(' ')],
      ['transitions', num(i.transitions)],
      ['operations', num(i.operations)],
      ['root zaps', num(i.root_zaps)],
      ['findings', num(i.findings)],
      ['started', i.started],
      ['finished', i.finished],
      ['digest', i.digest],
      ['schema', `${i.schema_version} (app ${i.app_version}, model ${i.model_version})`],
      ['checked', 'structure only (pages, schema, chunk index); `rootlab verify` checks every transition and the digest'],
    ]))
    return 0
  } finally {
    s.close()
  }
}
