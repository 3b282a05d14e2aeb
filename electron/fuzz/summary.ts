/**
 * A fuzz folder's `summary.json` (cli-contract.md `fuzz`): its shape, writing it, and reading it
 * back with every field checked — `fuzz merge` reads folders from other machines, and the
 * debugger's Open dialog reads folders the renderer names, so nothing in it is trusted: a
 * reproducer's `script` and `session` must be plain file names inside the folder.
 */
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import * as v from 'valibot'
import { POLICIES, type Policy } from '../../sim/types'
import type { OracleName } from './model-oracles'

export const SUMMARY_FILE = 'summary.json'

/** One reproducer: the contract's fields, then this implementation's additions. */
export interface SummaryFailure {
  id: number
  oracle: OracleName
  /** Ops of the shrunk script. */
  ops: number
  /** The seq of the session's bookmark: the first finding, or the end of the op after which the kernels differ. */
  first_seq: number
  found_after_s: number
  /** Paths relative to the folder. */
  script: string
  session: string
  /** How it failed (the shrinker kept this unchanged). */
  failure: string
  /** The particulars of the shrunk script's failure (vCPU, slot, sp, pgd). */
  detail: string
  vcpus: number
  /** Index of the script in the run that failed first this way (its seed: sim/fuzz/generate.ts). */
  run: number
  /** Scripts of the run that failed this way. */
  failing_runs: number
}

export interface FuzzSummary {
  runs: number
  seconds: number
  seed: number
  policy: Policy
  against: Policy | 'kernel' | null
  /** vCPUs per script (null: 1-4 at random) and ops per script. */
  vcpus: number | null
  ops: number
  /** The seed space is split into `count` shards; `done` lists the shards this folder holds. */
  shards: { count: number; done: number[] }
  failures: SummaryFailure[]
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max))
const seconds = v.pipe(v.number(), v.minValue(0), v.maxValue(1e9))
/** A file name in the folder: no separators, no "..". */
const fileInFolder = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be a file name inside the folder'))
const policy = v.picklist(POLICIES as readonly Policy[])

const failureSchema = v.object({
  id: int(1, 1_000_000),
  oracle: v.picklist(['alone', 'against', 'kernel'] as const),
  ops: int(1, 10_000),
  first_seq: int(0),
  found_after_s: seconds,
  script: fileInFolder,
  session: fileInFolder,
  failure: v.pipe(v.string(), v.maxLength(2000)),
  detail: v.pipe(v.string(), v.maxLength(4000)),
  vcpus: int(1, 64),
  run: int(0),
  failing_runs: int(1),
})

export const summarySchema = v.object({
  runs: int(0),
  seconds,
  seed: int(0, 2 ** 32 - 1),
  policy,
  against: v.nullable(v.union([policy, v.literal('kernel')])),
  vcpus: v.nullable(int(1, 64)),
  ops: int(1, 10_000),
  shards: v.object({ count: int(1, 1_000_000), done: v.pipe(v.array(int(0, 999_999)), v.maxLength(1_000_000)) }),
  failures: v.pipe(v.array(failureSchema), v.maxLength(100_000)),
})

/** A fuzz folder that cannot be read; the message names the file and the problem. */
export class FuzzFolderError extends Error {
  override name = 'FuzzFolderError'
}

/** Largest summary.json read (a million runs' failures fit in far less). */
const MAX_SUMMARY_BYTES = 64 << 20

/** Reads and checks `dir`/summary.json. Throws FuzzFolderError. */
export function readSummary(dir: string): FuzzSummary {
  const file = join(dir, SUMMARY_FILE)
  let text: string
  try {
    const st = statSync(file)
    if (st.size > MAX_SUMMARY_BYTES) throw new FuzzFolderError(`${file} is too large (${st.size} bytes) to be a fuzz summary`)
    text = readFileSync(file, 'utf8')
  } catch (e) {
    if (e instanceof FuzzFolderError) throw e
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new FuzzFolderError(`${dir} is not a fuzz folder (no ${SUMMARY_FILE})`)
    throw new FuzzFolderError(`cannot read ${file} (${code ?? (e as Error).message})`)
  }
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (e) {
    throw new FuzzFolderError(`${file} is not valid JSON (${(e as Error).message})`)
  }
  const r = v.safeParse(summarySchema, doc)
  if (!r.success) {
    const issue = r.issues[0]
    const where = issue.path?.map((p) => String(p.key)).join('.') || 'the document'
    throw new FuzzFolderError(`${file}: ${where}: ${issue.message}`)
  }
  return r.output as FuzzSummary
}

/** summary.json's text: the contract's keys first, one failure per line. */
export function summaryText(s: FuzzSummary): string {
  const { failures, ...head } = s
  const lines = failures.map((f) => `    ${JSON.stringify(f)}`)
  const top = JSON.stringify(head).slice(1, -1)
  return `{ ${top},\n  "failures": [${lines.length ? `\n${lines.join(',\n')}\n  ` : ''}] }\n`
}
