/** rootlab fuzz merge DIR... --out DIR: the folders of the shards of one fuzz run -> one folder. */
import { FuzzFolderError } from '../../fuzz/summary'
import { mergeFuzzFolders } from '../../fuzz/merge'
import { outputProblem } from '../../fuzz/output'
import { parse } from '../args'
import { num } from '../format'
import { CliFailure, UsageError, type Io } from '../io'
import { finish } from './fuzz'

export const help = `Usage: rootlab fuzz merge DIR... --out DIR [--force] [--json]

Merges the folders of the shards of one fuzz run (same --seed, --policy, --against, --vcpus,
--ops and shard count N; see rootlab fuzz --shard I/N) into one folder, as if one process had
run the scripts of all of them. Exit status 0 when nothing failed, 1 when something did.
  --out DIR   the merged folder (refused if it holds fuzz results, unless --force)
  --json      print the merged summary.json on stdout
`

export function run(argv: string[], io: Io): number {
  const { values, positionals } = parse(argv, {
    out: { type: 'string', short: 'o' }, force: { type: 'boolean' }, json: { type: 'boolean' },
  }, { min: 0, max: 100_000, names: 'DIR' })
  if (values.help) {
    io.out(help)
    return 0
  }
  if (positionals.length === 0) throw new UsageError('fuzz merge needs at least one DIR to merge')
  const out = values.out as string | undefined
  if (!out) throw new UsageError('--out DIR is required')
  const problem = outputProblem(out, Boolean(values.force))
  if (problem) throw new CliFailure(problem)
  let summary
  try {
    summary = mergeFuzzFolders(positionals, out)
  } catch (e) {
    if (e instanceof FuzzFolderError) throw new CliFailure(e.message)
    throw e
  }
  if (values.json) io.out(JSON.stringify(summary) + '\n')
  else {
    io.out(`Merged ${positionals.length} folder${positionals.length === 1 ? '' : 's'} (shards ${summary.shards.done.join(', ')} of ${summary.shards.count}): ` +
      `${num(summary.runs)} scripts, ${summary.failures.length} reproducer${summary.failures.length === 1 ? '' : 's'} in ${out}\n`)
  }
  return finish(io, summary, out)
}
