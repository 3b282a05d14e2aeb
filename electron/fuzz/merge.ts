/**
 * `fuzz merge`: the folders of shards of one run (same seed, policy, oracle, script shape and
 * shard count) -> one folder, as one process over the union of their scripts would have written
 * it: per failure signature the reproducer of the smallest run index and the sum of the failing
 * runs, de-duplicated by script, the smallest first. The reproducers' files are copied (a session
 * file is self-contained), so a merge needs neither the kernel nor the model's policy again.
 */
import { copyFileSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse_script, ScriptError } from '../../sim/script'
import { clearFuzzOutput } from './output'
import { FuzzFolderError, readSummary, SUMMARY_FILE, summaryText, type FuzzSummary, type SummaryFailure } from './summary'

interface Candidate {
  dir: string
  failure: SummaryFailure
  /** The script's canonical text, for de-duplication. */
  key: string
}

const SAME_RUN = ['seed', 'policy', 'against', 'vcpus', 'ops'] as const

function canonicalScript(dir: string, f: SummaryFailure): string {
  const file = join(dir, f.script)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    throw new FuzzFolderError(`cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  try {
    return JSON.stringify(parse_script(text))
  } catch (e) {
    if (e instanceof ScriptError) throw new FuzzFolderError(`${file}: ${e.message}`)
    throw e
  }
}

/** Merges the fuzz folders `dirs` into `out` (created; emptied of fuzz files first). Throws FuzzFolderError. */
export function mergeFuzzFolders(dirs: readonly string[], out: string): FuzzSummary {
  const summaries = dirs.map((d) => ({ dir: d, s: readSummary(d) }))
  const first = summaries[0]!
  for (const { dir, s } of summaries.slice(1)) {
    for (const key of SAME_RUN) {
      if (s[key] !== first.s[key]) {
        throw new FuzzFolderError(`${dir} is not a shard of the same run as ${first.dir}: ${key} ${JSON.stringify(s[key])} vs ${JSON.stringify(first.s[key])}`)
      }
    }
    if (s.shards.count !== first.s.shards.count) {
      throw new FuzzFolderError(`${dir} splits the seed space into ${s.shards.count} shards, ${first.dir} into ${first.s.shards.count}`)
    }
  }
  const done = new Map<number, string>()
  for (const { dir, s } of summaries) {
    for (const i of s.shards.done) {
      if (done.has(i)) throw new FuzzFolderError(`shard ${i}/${s.shards.count} is in both ${done.get(i)} and ${dir}: a merge would count its runs twice`)
      done.set(i, dir)
    }
  }
  const outReal = resolve(out)
  for (const { dir } of summaries) {
    let real: string
    try {
      real = realpathSync(dir)
    } catch {
      real = resolve(dir)
    }
    if (real === outReal) throw new FuzzFolderError(`--out ${out} is one of the folders being merged; choose a new folder`)
  }

  // Per signature: the reproducer of the smallest run index, and the failing runs of every shard.
  const bySignature = new Map<string, { c: Candidate; failing: number }>()
  for (const { dir, s } of summaries) {
    for (const f of s.failures) {
      const prev = bySignature.get(f.failure)
      const c: Candidate = { dir, failure: f, key: '' }
      if (!prev) bySignature.set(f.failure, { c, failing: f.failing_runs })
      else {
        prev.failing += f.failing_runs
        if (f.run < prev.c.failure.run) prev.c = c
      }
    }
  }
  const byScript = new Map<string, { c: Candidate; failing: number }>()
  for (const e of bySignature.values()) {
    e.c.key = canonicalScript(e.c.dir, e.c.failure)
    const prev = byScript.get(e.c.key)
    if (!prev) byScript.set(e.c.key, e)
    else {
      prev.failing += e.failing
      if (e.c.failure.run < prev.c.failure.run) prev.c = e.c
    }
  }
  const chosen = [...byScript.values()].sort((a, b) => a.c.failure.ops - b.c.failure.ops || a.c.failure.run - b.c.failure.run)

  mkdirSync(out, { recursive: true })
  clearFuzzOutput(out)
  const failures: SummaryFailure[] = chosen.map(({ c, failing }, i) => {
    const id = i + 1
    const script = `fail-${id}.script.json`
    const session = `fail-${id}.rootlab`
    copyFileSync(join(c.dir, c.failure.script), join(out, script))
    copyFileSync(join(c.dir, c.failure.session), join(out, session))
    return { ...c.failure, id, script, session, failing_runs: failing }
  })
  const summary: FuzzSummary = {
    runs: summaries.reduce((n, { s }) => n + s.runs, 0),
    // Shards run side by side: the merged run took as long as its longest shard.
    seconds: Math.max(...summaries.map(({ s }) => s.seconds)),
    seed: first.s.seed, policy: first.s.policy, against: first.s.against, vcpus: first.s.vcpus, ops: first.s.ops,
    shards: { count: first.s.shards.count, done: [...done.keys()].sort((a, b) => a - b) },
    failures,
  }
  writeFileSync(join(out, SUMMARY_FILE), summaryText(summary))
  return summary
}
