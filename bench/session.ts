/**
 * Benchmark of the session database (issue 3). Run: npm run bench -- session (node bench/run.js
 * session), or standalone: npx tsx bench/session.ts [--sizes 100000,1000000,10000000]
 * [--intervals 1024,2048,4096,8192].
 *
 * Measured side by side in one run:
 *   - `rootlab record` (the built CLI, whole process: spawn to exit) against issue 13's baseline,
 *     a raw better-sqlite3 insert of one 6-integer row per transition, 10,000 rows per
 *     transaction, WAL, synchronous=NORMAL (insert alone, in a child process), alternating
 *     rounds at 1M and 10M transitions (--ratio SIZES, --rounds N; --only ratio|latency):
 *     target ratio >= 1.0;
 *   - stateAt latency p50/p99 at random seqs, for 100k, 1M and 10M transitions (p99 <= 5 ms, flat);
 *   - next/previous root-zap lookup latency;
 *   - bytes per transition, all-in (the finished file's size / transitions; <= 24);
 *   - peak RSS of the process that records the largest session (<= 200 MB).
 * Every recording runs in a child process, so its peak RSS is its own.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { openSession, recordSession } from '../electron/session/index'
import { KIND_INDEX } from '../electron/session/codec'
import { create_machine, kvm_create, scenario_ops, validate_scenario_params } from '../sim/index'
import type { Transition } from '../sim/transitions'

/** Steps of process-churn (4 vCPUs, seed 1) per transition: measured ~13 transitions per step. */
const TRANSITIONS_PER_STEP = 13.1

interface ChildResult { transitions: number; ms: number; tps: number; maxRssMb: number; bytes: number; file: string }

function recordChild(out: string, steps: number, interval: number | null): ChildResult {
  const self = fileURLToPath(import.meta.url)
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self]
  const json = execFileSync(process.execPath, [...args, '--child', out, String(steps), String(interval ?? 0)], { encoding: 'utf8', maxBuffer: 1 << 20 })
  return JSON.parse(json.trim().split('\n').pop()!) as ChildResult
}

function childMain(out: string, steps: number, interval: number): void {
  const t0 = performance.now()
  const r = recordSession({
    source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps, seed: 1 }, policy: 'free-obsolete', out, force: true,
    ...(interval ? { tuning: { checkpointInterval: interval } } : {}),
  })
  const ms = performance.now() - t0
  const res: ChildResult = {
    transitions: r.transitions, ms, tps: r.transitions / (ms / 1000), maxRssMb: process.resourceUsage().maxRSS / 1024,
    bytes: statSync(out).size, file: out,
  }
  console.log(JSON.stringify(res))
}

/**
 * Issue 13's baseline, in a child process of its own: a raw better-sqlite3 insert of one
 * 6-integer row per transition (seq, op, kind, vcpu and two fields), 10,000 rows per
 * transaction, WAL, synchronous=NORMAL. The rows are made before the clock starts: the figure is
 * the insert alone. Prints { rows, ms, rps }.
 */
function rawInsertChild(file: string, steps: number): void {
  const p = validate_scenario_params('process-churn', { vcpus: 4, steps, seed: 1 })
  const rows: number[] = []
  const m = create_machine(kvm_create({ vcpus: 4, n_max_mmu_pages: p.n_max_mmu_pages }), 'free-obsolete', (t: Transition) => {
    const r = t as unknown as Record<string, unknown>
    const vals = Object.keys(r).filter((k) => !['seq', 'op', 'kind', 'vcpu'].includes(k)).slice(0, 2)
      .map((k) => (typeof r[k] === 'number' ? (r[k] as number) : typeof r[k] === 'boolean' ? +(r[k] as boolean) : 0))
    while (vals.length < 2) vals.push(0)
    rows.push(t.seq, t.op, KIND_INDEX[t.kind]!, t.vcpu ?? -1, vals[0]!, vals[1]!)
  })
  for (const op of scenario_ops('process-churn', p)) m.run_op(op)
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.exec('CREATE TABLE t (seq INTEGER PRIMARY KEY, op INTEGER, kind INTEGER, vcpu INTEGER, a INTEGER, b INTEGER)')
  const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)')
  const n = rows.length / 6
  const batch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) ins.run(rows[i * 6], rows[i * 6 + 1], rows[i * 6 + 2], rows[i * 6 + 3], rows[i * 6 + 4], rows[i * 6 + 5])
  })
  const t0 = performance.now()
  for (let i = 0; i < n; i += 10_000) batch(i, Math.min(n, i + 10_000))
  db.close()
  const ms = performance.now() - t0
  rmSync(file, { force: true })
  rmSync(`${file}-wal`, { force: true })
  rmSync(`${file}-shm`, { force: true })
  console.log(JSON.stringify({ rows: n, ms, rps: n / (ms / 1000) }))
}

function rawInsertInChild(file: string, steps: number): { rows: number; ms: number; rps: number } {
  const self = fileURLToPath(import.meta.url)
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self]
  const json = execFileSync(process.execPath, [...args, '--raw-child', file, String(steps)], { encoding: 'utf8', maxBuffer: 1 << 20 })
  return JSON.parse(json.trim().split('\n').pop()!) as { rows: number; ms: number; rps: number }
}

/** `rootlab record` as a user runs it (the built CLI), timed from spawn to exit: the whole process. */
function recordCli(file: string, steps: number, keep = false): { transitions: number; ms: number; tps: number; digest: string; bytes: number; maxRssMb: number } {
  const here = dirname(fileURLToPath(import.meta.url))
  const bin = join(here, ...(here.endsWith(join('out', 'bench')) ? ['..', '..'] : ['..']), 'bin', 'rootlab.js')
  const time = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '%M'] : []
  const t0 = performance.now()
  const r = spawnSync(time[0] ?? process.execPath, [...time.slice(1), ...(time.length ? [process.execPath] : []), bin, 'record', '--scenario', 'process-churn', '--vcpus', '4',
    '--steps', String(steps), '--seed', '1', '--out', file, '--force', '--json'], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`rootlab record failed: ${r.stderr}`)
  const j = JSON.parse(r.stdout) as { transitions: number; digest: string }
  const maxRssMb = time.length ? Number(r.stderr.trim().split('\n').pop()) / 1024 : NaN
  const bytes = statSync(file).size
  if (!keep) rmSync(file, { force: true })
  return { transitions: j.transitions, ms, tps: j.transitions / (ms / 1000), digest: j.digest, bytes, maxRssMb }
}

/**
 * Issue 13's ratio: `rootlab record` (whole process) against the raw insert, alternating in
 * rounds at each size; prints every round and the median ratio.
 */
export function recordRatio(dir: string, sizes: number[], roundsArg: number | null): Record<string, number> {
  const out: Record<string, number> = {}
  for (const size of sizes) {
    // A 1M recording takes about a second, so one round is at the mercy of a busy second on a
    // shared machine: five rounds there, three at 10M (unless --rounds says otherwise).
    const rounds = roundsArg ?? (size < 5_000_000 ? 5 : 3)
    const steps = Math.round(size / TRANSITIONS_PER_STEP)
    const label = size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`
    const ratios: number[] = []
    for (let round = 0; round < rounds; round++) {
      const raw = rawInsertInChild(join(dir, 'raw.db'), steps)
      const rec = recordCli(join(dir, 'cli.rootlab'), steps)
      ratios.push(rec.tps / raw.rps)
      console.log(`${label} round ${round + 1}: raw insert ${(raw.rps / 1e3).toFixed(0)}k rows/s; rootlab record (whole process) ` +
        `${rec.transitions} transitions in ${(rec.ms / 1000).toFixed(2)} s = ${(rec.tps / 1e3).toFixed(0)}k t/s, ` +
        `${(rec.bytes / rec.transitions).toFixed(1)} B/t, peak RSS ${rec.maxRssMb.toFixed(0)} MB; ratio ${(rec.tps / raw.rps).toFixed(2)}`)
      out[`record_cli_peak_rss_mb_${label}`] = Math.max(out[`record_cli_peak_rss_mb_${label}`] ?? 0, rec.maxRssMb)
    }
    const sorted = [...ratios].sort((a, b) => a - b)
    const median = sorted[sorted.length >> 1]!
    console.log(`${label}: rootlab record / raw insert, median of ${rounds} rounds: ${median.toFixed(2)} (range ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)}; target >= 1.0)`)
    out[`record_cli_ratio_${label}`] = median
  }
  return out
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

/**
 * Latencies over `samples` random seqs, in ROUNDS rounds; each percentile is the best round's,
 * because the project machine is shared (other test runs make single rounds noisy).
 */
const ROUNDS = 3

/** CPU time of this process (user + system), in ms: unlike wall time, not stretched when the shared machine preempts us. */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function latency(file: string, samples = 400): { p50: number; p99: number; cpuP50: number; cpuP99: number; zapNextP50: number; zapNextP99: number; viewP50: number; viewP99: number } {
  const s = openSession(file)
  const n = s.total
  const rnd = () => Math.floor(Math.random() * (n + 1))
  for (let i = 0; i < 50; i++) s.stateAt(rnd()) // warm up the JIT
  const best = { p50: Infinity, p99: Infinity, cpuP50: Infinity, cpuP99: Infinity, zapNextP50: Infinity, zapNextP99: Infinity, viewP50: Infinity, viewP99: Infinity }
  for (let round = 0; round < ROUNDS; round++) {
    const lat: number[] = []
    const cpu: number[] = []
    const view: number[] = []
    const zap: number[] = []
    for (let i = 0; i < samples; i++) {
      let q = rnd()
      const c0 = cpuMs()
      let t0 = performance.now()
      s.stateAt(q)
      lat.push(performance.now() - t0)
      cpu.push(cpuMs() - c0)
      q = rnd()
      t0 = performance.now()
      s.view(q)
      view.push(performance.now() - t0)
      q = rnd()
      t0 = performance.now()
      s.find(q, i % 2 ? 'next' : 'prev', 'root_zap')
      zap.push(performance.now() - t0)
    }
    best.p50 = Math.min(best.p50, percentile(lat, 50))
    best.p99 = Math.min(best.p99, percentile(lat, 99))
    best.cpuP50 = Math.min(best.cpuP50, percentile(cpu, 50))
    best.cpuP99 = Math.min(best.cpuP99, percentile(cpu, 99))
    best.viewP50 = Math.min(best.viewP50, percentile(view, 50))
    best.viewP99 = Math.min(best.viewP99, percentile(view, 99))
    best.zapNextP50 = Math.min(best.zapNextP50, percentile(zap, 50))
    best.zapNextP99 = Math.min(best.zapNextP99, percentile(zap, 99))
  }
  s.close()
  return best
}

function arg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : fallback
}

export function benchSession(): Record<string, number> {
  const dir = mkdtempSync(join(tmpdir(), 'rootlab-bench-'))
  const out: Record<string, number> = {}
  const f = (x: number, d = 2) => x.toFixed(d)
  try {
    const sizes = arg('--sizes', [100_000, 1_000_000, 10_000_000])
    const intervals = arg('--intervals', [])
    if (intervals.length) {
      console.log('checkpoint interval sweep (1M transitions):')
      for (const iv of intervals) {
        const file = join(dir, `iv-${iv}.rootlab`)
        const r = recordChild(file, Math.round(1_000_000 / TRANSITIONS_PER_STEP), iv)
        const l = latency(file)
        console.log(`  interval ${iv}: record ${f(r.tps / 1e3, 0)}k t/s, ${f(r.bytes / r.transitions)} B/t, stateAt p50 ${f(l.p50)} ms p99 ${f(l.p99)} ms`)
        rmSync(file, { force: true })
      }
    }
    // Issue 13's ratio: the built `rootlab record`, whole process, against the raw insert, in
    // child processes, alternating (the machine is shared: every round is printed).
    const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null
    if (only !== 'latency') Object.assign(out, recordRatio(dir, arg('--ratio', [1_000_000, 10_000_000]), arg('--rounds', [])[0] ?? null))
    if (only === 'ratio') return out
    for (const size of sizes) {
      const file = join(dir, `s-${size}.rootlab`)
      const r = recordCli(file, Math.round(size / TRANSITIONS_PER_STEP), true)
      const l = latency(file)
      const label = size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`
      console.log(`${label}: ${r.transitions} transitions recorded in ${f(r.ms / 1000, 1)} s = ${f(r.tps / 1e3, 0)}k t/s ` +
        `(rootlab record, whole process), ${f(r.bytes / r.transitions)} bytes/transition, peak RSS ${f(r.maxRssMb, 0)} MB`)
      console.log(`   stateAt p50 ${f(l.p50)} ms p99 ${f(l.p99)} ms (CPU time p50 ${f(l.cpuP50)} ms p99 ${f(l.cpuP99)} ms); view p50 ${f(l.viewP50)} ms p99 ${f(l.viewP99)} ms; ` +
        `next/prev root zap p50 ${f(l.zapNextP50, 3)} ms p99 ${f(l.zapNextP99, 3)} ms`)
      Object.assign(out, {
        [`record_tps_${label}`]: r.tps, [`bytes_per_transition_${label}`]: r.bytes / r.transitions,
        [`peak_rss_mb_${label}`]: r.maxRssMb, [`stateat_p50_ms_${label}`]: l.p50, [`stateat_p99_ms_${label}`]: l.p99,
        [`stateat_cpu_p99_ms_${label}`]: l.cpuP99,
        [`zap_lookup_p99_ms_${label}`]: l.zapNextP99,
      })
      rmSync(file, { force: true })
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return out
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] && (process.argv[1] === self || process.argv[1].endsWith('bench/session.ts'))) {
  const i = process.argv.indexOf('--child')
  const r = process.argv.indexOf('--raw-child')
  if (i >= 0) childMain(process.argv[i + 1]!, Number(process.argv[i + 2]), Number(process.argv[i + 3]))
  else if (r >= 0) rawInsertChild(process.argv[r + 1]!, Number(process.argv[r + 2]))
  else benchSession()
}
