/**
 * Benchmark of SQL over the session (issue 10 part 1). Run: npm run bench -- sql (node
 * bench/run.js sql), or standalone: npx tsx bench/sql.ts [--sizes 100000,1000000,10000000].
 *
 * Sessions: process-churn, 4 vCPUs, seed 1, free-obsolete, recorded once per size into
 * .bench/sql-<size>.rootlab (gitignored) and reused. For each size, on the SQL console's
 * connection (the engine the SQL host runs, in this process, no deadline), the median of 3 runs
 * after one warm-up (one run for the full scans at 10M) of:
 *   zap       the example: kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1
 *             (kind pushed: chunks without that kind skipped, the others decoded building only
 *             zaps); with the share of chunks it decoded
 *   alloc     vcpu = 2 AND kind = 'mmu_alloc_root', the last one (vcpu and kind pushed)
 *   sp        sp = S, every transition naming one shadow page from the middle (bloom filter)
 *   range     transitions_in(mid, mid + 10,000): aggregate over a seq range
 *   join      root_zaps joined to transitions on seq, 100 rows (seq pushed per row)
 *   roots     roots_at(mid)
 *   scan      kind, count(*) GROUP BY kind: every transition through SQLite (nothing to push)
 *   find      findWhere forward from 0 for a kind this workload never has (every chunk
 *             skipped by its summary), and backward from the end for `level = 4 AND
 *             root_count > 100`, which never holds (evaluated on every transition: a full scan)
 * and once per size the round trip of a small query through a warm SQL host process.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openSession, recordSession, type Session } from '../electron/session/index'
import { createSqlHosts } from '../electron/sqlhost/hosts'

/** The repository (this file runs from bench/ under tsx, or bundled from out/bench/). */
const ROOT = ((here: string) => (existsSync(join(here, '..', 'package.json')) ? join(here, '..') : join(here, '..', '..')))(dirname(fileURLToPath(import.meta.url)))
const TRANSITIONS_PER_STEP = 13.1

function sizesArg(): number[] {
  const i = process.argv.indexOf('--sizes')
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : [100_000, 1_000_000, 10_000_000]
}

/** The cached session of about `size` transitions (recorded if missing or incomplete). */
function session(size: number): string {
  const dir = join(ROOT, '.bench')
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `sql-${size}.rootlab`)
  if (existsSync(file)) {
    try {
      const s = openSession(file)
      const ok = s.info().complete && s.total >= size * 0.95
      s.close()
      if (ok) return file
    } catch {
      // An older schema or a damaged file: record it again.
    }
  }
  const t0 = performance.now()
  recordSession({
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: Math.ceil(size / TRANSITIONS_PER_STEP), seed: 1 },
    policy: 'free-obsolete', out: file, force: true,
  })
  console.log(`  recorded ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
  return file
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Median ms of `runs` runs after a warm-up (one run, no warm-up, for the full scans at 10M). */
function time(fn: () => unknown, runs = 3): { ms: number; value: unknown } {
  let value = runs > 1 ? fn() : undefined
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    value = fn()
    ms.push(performance.now() - t0)
  }
  return { ms: median(ms), value }
}

/** Chunks decoded by `fn`, of all, counted on a fresh session (empty chunk cache). */
function chunksDecoded(file: string, sql: string): string {
  const s = openSession(file)
  try {
    const seen = new Set<number>()
    const decode = s.store.decode.bind(s.store)
    const decodeWhere = s.store.decodeWhere.bind(s.store)
    s.store.decode = (i) => (seen.add(i), decode(i))
    s.store.decodeWhere = (i, keep) => (seen.add(i), decodeWhere(i, keep))
    s.sql(sql, 1000, Infinity)
    return `${seen.size} of ${s.store.chunks.length}`
  } finally {
    s.close()
  }
}

const ZAP = "SELECT count(*) FROM transitions WHERE kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1"

function queries(s: Session): [string, string][] {
  const mid = Math.floor(s.total / 2)
  const sp = s.sql(`SELECT sp FROM transitions_in(${mid}, ${mid + 5000}, 'kvm_mmu_get_page') LIMIT 1`, 1, Infinity).rows[0]?.[0] ?? 1
  return [
    ['zap', ZAP],
    ['alloc', "SELECT max(seq) FROM transitions WHERE vcpu = 2 AND kind = 'mmu_alloc_root'"],
    ['sp', `SELECT seq, kind FROM transitions WHERE sp = ${sp}`],
    ['range', `SELECT count(*), sum(root_count) FROM transitions_in(${mid}, ${mid + 10_000})`],
    ['join', 'SELECT z.seq, t.kind, t.root_count FROM root_zaps z JOIN transitions t ON t.seq = z.seq LIMIT 100'],
    ['roots', `SELECT * FROM roots_at(${mid})`],
    ['scan', 'SELECT kind, count(*) FROM transitions GROUP BY kind'],
  ]
}

export async function benchSql(): Promise<Record<string, Record<string, number | string>>> {
  const out: Record<string, Record<string, number | string>> = {}
  for (const size of sizesArg()) {
    const file = session(size)
    const s = openSession(file)
    const row: Record<string, number | string> = { transitions: s.total, chunks: s.store.chunks.length }
    try {
      const runs = (name: string) => (name.startsWith('scan') || name === 'findScan') && s.total > 5_000_000 ? 1 : 3
      for (const [name, sql] of queries(s)) row[name] = Math.round(time(() => s.sql(sql, 1000, Infinity), runs(name)).ms * 10) / 10
      row.zapChunks = chunksDecoded(file, ZAP)
      const c = s.sqlConsole()
      row.findRare = Math.round(time(() => c.findWhere({ where: "kind = 'kvm_mmu_zap_all_fast'", from: 0 })).ms * 10) / 10
      row.findScan = Math.round(time(() => c.findWhere({ where: 'level = 4 AND root_count > 100', from: s.total + 1, backward: true }), runs('findScan')).ms * 10) / 10
    } finally {
      s.close()
    }
    // Through a warm SQL host (child process): the round trip the console and `rootlab sql` add.
    const hosts = createSqlHosts()
    try {
      await hosts.query({ path: file, sql: 'SELECT 1' })
      const ms: number[] = []
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now()
        await hosts.query({ path: file, sql: 'SELECT count(*) FROM findings' })
        ms.push(performance.now() - t0)
      }
      row.hostRoundTrip = Math.round(median(ms) * 10) / 10
    } finally {
      await hosts.close()
    }
    out[String(size)] = row
    console.log(`sql ${size}: ${JSON.stringify(row)}`)
  }
  return out
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await benchSql()
