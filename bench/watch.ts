/**
 * Benchmark of continue / reverse-continue to a watch (issue 10 part 2). Run: npm run bench --
 * watch (node bench/run.js watch), or standalone: npx tsx bench/watch.ts [--sizes
 * 100000,1000000,10000000] [--samples 200].
 *
 * Sessions: process-churn, 4 vCPUs, seed 1, free-obsolete (~13 transitions per step), recorded
 * once into .bench/watch-<size>.rootlab and reused. For each size, `samples` continues per watch
 * kind from random seqs, half forward, half backward, each timed from the call to its answer
 * (Session.findWatches, in process; the service adds one HTTP or IPC round trip):
 *
 *   slot       vcpu V prev_roots[I], V and I random      (chunk summaries: slot kinds of vCPU V)
 *   page       sp S, S random among the pages created   (the chunks' sp bloom filters)
 *   requests   vcpu V requests                          (request kinds of V, all-CPU requests)
 *   where      kind = 'kvm_mmu_free_roots' AND vcpu = V (kind / vCPU pushed to the summaries;
 *              the condition runs on the SQL console's connection, as in the SQL host)
 *   several    a slot, a page and a where at once
 *
 * and the cases the summaries cannot shorten, timed once each from seq 0 (they show progress and
 * can be cancelled in the debugger): conditions that never hold, one with nothing to push to the
 * summaries (`level = 9`: every transition read) and one with a kind (`kind = ... AND root_count
 * > 1000`: every chunk with a zap read).
 * Percentiles are the best of ROUNDS rounds (the machine is shared).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { openSession, recordSession, type Session } from '../electron/session/index'
import type { Watch } from '../electron/session/watch-types'
import { hostWhereStarter } from '../electron/service/where-search'
import { createSqlHosts } from '../electron/sqlhost/hosts'
import { mulberry32 } from '../electron/session/testing/random-ops'

const TRANSITIONS_PER_STEP = 13.1
const ROUNDS = 3

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!
}

function arg(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1]!.split(',').map(Number) : fallback
}

/** A session of about `size` transitions, recorded once (in a child process) and reused. */
function session(dir: string, size: number): string {
  const file = join(dir, `watch-${size}.rootlab`)
  if (existsSync(file)) return file
  const steps = Math.round(size / TRANSITIONS_PER_STEP)
  const self = fileURLToPath(import.meta.url)
  const args = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self]
  execFileSync(process.execPath, [...args, '--child', `${file}.tmp`, String(steps)], { stdio: 'inherit' })
  renameSync(`${file}.tmp`, file)
  return file
}

interface Stats { p50: number; p99: number; max: number; hits: number }

async function time(s: Session, make: (r: () => number) => Watch[], samples: number): Promise<Stats> {
  const where = s.whereInProcess()
  const best: Stats = { p50: Infinity, p99: Infinity, max: Infinity, hits: 0 }
  for (let round = 0; round < ROUNDS; round++) {
    const r = mulberry32(7 + round)
    const ms: number[] = []
    let hits = 0
    for (let i = 0; i < samples; i++) {
      const ws = make(r)
      const from = Math.floor(r() * (s.total + 1))
      const t0 = performance.now()
      const res = await s.findWatches(ws, from, i % 2 ? 'prev' : 'next', { where })
      ms.push(performance.now() - t0)
      if (res.seq !== null) hits++
    }
    best.p50 = Math.min(best.p50, percentile(ms, 50))
    best.p99 = Math.min(best.p99, percentile(ms, 99))
    best.max = Math.min(best.max, Math.max(...ms))
    best.hits = hits
  }
  return best
}

export async function benchWatch(): Promise<Record<string, number>> {
  const root = join(dirname(fileURLToPath(import.meta.url)), ...(import.meta.url.includes('/out/bench/') ? ['..', '..'] : ['..']))
  const dir = join(root, '.bench')
  mkdirSync(dir, { recursive: true })
  const samples = arg('--samples', [200])[0]!
  const out: Record<string, number> = {}
  const f = (x: number) => x.toFixed(1)
  for (const size of arg('--sizes', [100_000, 1_000_000, 10_000_000])) {
    const label = size >= 1e6 ? `${size / 1e6}M` : `${size / 1e3}k`
    const s = openSession(session(dir, size), { verify: false })
    try {
      const pages = s.stateAt(s.total).next_sp - 1
      const vcpu = (r: () => number) => Math.floor(r() * s.vcpus)
      const kinds: [string, (r: () => number) => Watch[]][] = [
        ['slot', (r) => [{ type: 'slot', vcpu: vcpu(r), slot: 1 + Math.floor(r() * 3) }]],
        ['page', (r) => [{ type: 'page', sp: 1 + Math.floor(r() * pages) }]],
        ['requests', (r) => [{ type: 'requests', vcpu: vcpu(r) }]],
        ['where', (r) => [{ type: 'where', expr: `kind = 'kvm_mmu_free_roots' AND vcpu = ${vcpu(r)}` }]],
        ['several', (r) => [
          { type: 'slot', vcpu: vcpu(r), slot: 1 + Math.floor(r() * 3) }, { type: 'page', sp: 1 + Math.floor(r() * pages) },
          { type: 'where', expr: `kind = 'kvm_mmu_free_roots' AND vcpu = ${vcpu(r)}` },
        ]],
      ]
      await time(s, kinds[0]![1], 20) // warm up the JIT and the page cache
      const line: string[] = []
      for (const [name, make] of kinds) {
        const st = await time(s, make, samples)
        line.push(`${name} p50 ${f(st.p50)} / p99 ${f(st.p99)} / max ${f(st.max)} ms (${st.hits}/${samples} found)`)
        out[`continue_${name}_p50_ms_${label}`] = st.p50
        out[`continue_${name}_p99_ms_${label}`] = st.p99
      }
      // What the summaries cannot shorten: one whole-session scan each.
      const full: [string, Watch][] = [
        ['where level = 9 (no match; every transition read)', { type: 'where', expr: 'level = 9' }],
        ["where kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1000 (no match; the zap chunks read)",
          { type: 'where', expr: "kind = 'kvm_mmu_prepare_zap_page' AND root_count > 1000" }],
      ]
      for (const [name, w] of full) {
        let progress = 0
        const t0 = performance.now()
        await s.findWatches([w], 0, 'next', { where: s.whereInProcess(), onProgress: () => progress++ })
        const ms = performance.now() - t0
        line.push(`${name}: ${f(ms)} ms over the whole session (${progress} progress reports)`)
        out[`continue_full_${full.findIndex((x) => x[0] === name)}_ms_${label}`] = ms
      }
      // The same condition as the debugger runs it: in an SQL host process, reporting progress,
      // and cancelled after a second (how long the cancel takes to answer).
      const hosts = createSqlHosts()
      try {
        const where = hostWhereStarter(hosts, resolve(s.path))
        await s.findWatches([{ type: 'where', expr: 'level = 9' }], s.total, 'next', { where }) // start the host
        let reports = 0
        let t0 = performance.now()
        await s.findWatches([{ type: 'where', expr: 'level = 9' }], 0, 'next', { where, onProgress: () => reports++ })
        const whole = performance.now() - t0
        const stop = new AbortController()
        t0 = performance.now()
        const timer = setTimeout(() => stop.abort(), 1000)
        let aborted = 0
        stop.signal.addEventListener('abort', () => { aborted = performance.now() })
        const r = await s.findWatches([{ type: 'where', expr: 'level = 9' }], 0, 'next', { where, signal: stop.signal })
        clearTimeout(timer)
        const answered = performance.now()
        line.push(`where level = 9 in the SQL host: ${f(whole)} ms, ${reports} progress reports; cancelled after 1 s: ` +
          (r.done ? 'finished first' : `answered ${f(answered - aborted)} ms after the cancel, at seq ${r.reached.toLocaleString('en-US')}`))
        out[`continue_host_full_ms_${label}`] = whole
        if (!r.done) out[`continue_cancel_ms_${label}`] = answered - aborted
      } finally {
        await hosts.close()
      }
      console.log(`${label} (${s.total.toLocaleString('en-US')} transitions, ${pages.toLocaleString('en-US')} shadow pages):\n  ${line.join('\n  ')}`)
    } finally {
      s.close()
    }
  }
  return out
}

// Child: records one session.
if (process.argv[2] === '--child') {
  const [, , , out, steps] = process.argv
  recordSession({ source: { type: 'scenario', scenario: 'process-churn', vcpus: 4, steps: Number(steps), seed: 1 }, policy: 'free-obsolete', out: out!, force: true })
} else if (import.meta.url === `file://${process.argv[1]}`) {
  await benchWatch()
}
