/**
 * Benchmark of `rootlab import` (issue 9: a 200 MB trace took > 300 s and 2.9 GiB; 16k op groups
 * 2 s, 64k 13 s). Run: npm run bench -- import (node bench/run.js import), or standalone:
 * npx tsx bench/import.ts [--groups 16000,64000] [--mb 200].
 *
 * Traces are made by electron/kvm/testing/synthetic-trace.ts from capture-like scripts (2 vCPUs),
 * with the model's own events, so kernel and model agree. Each import runs the built CLI in a
 * child process (its peak RSS is its own: getrusage at exit). Measured side by side in one run:
 *   - time per op group at N and 4N groups, for both alignments (`--host vmx` and `--host pvm`,
 *     the latter searching the two executions of every pt_write): the 4N/N ratio is ~4 when the
 *     import is linear (it was 6.5 for 16k -> 64k before);
 *   - a trace of about 200 MB (10 kvm_emulate_insn lines per op, as a PVM host's trace has):
 *     wall time, MB/s and peak RSS.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { packageRoot } from '../electron/server/app-dirs'
import { captureLikeScript, syntheticTrace } from '../electron/kvm/testing/synthetic-trace'
import { format_op } from '../sim/script'

/** The package folder (this file runs from bench/ or bundled into out/bench/). */
const ROOT = packageRoot(import.meta.url)

interface ImportRun { ms: number; rssMb: number; mb: number }

/** Imports `trace` with the built CLI in a child process; wall time and the child's peak RSS. */
function importChild(dir: string, trace: string, script: string, host: 'vmx' | 'pvm'): ImportRun {
  const launcher = join(dir, 'launch.mjs')
  writeFileSync(launcher, [
    "import { writeSync } from 'node:fs'",
    `import { main } from ${JSON.stringify(join(ROOT, 'out', 'cli', 'main.js'))}`,
    "process.on('exit', () => writeSync(2, `\\nmaxrss ${process.resourceUsage().maxRSS}\\n`))",
    'process.exitCode = await main(process.argv.slice(2))',
  ].join('\n'))
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [launcher, 'import', trace, '--script', script, '--host', host, '--out', join(dir, 'out.rootlab'), '--force'], { encoding: 'utf8', maxBuffer: 1 << 24 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`import failed: ${r.stderr}`)
  const rss = Number(/maxrss (\d+)/.exec(r.stderr)?.[1] ?? 0) / 1024
  return { ms, rssMb: rss, mb: statSync(trace).size / 1e6 }
}

function makeTrace(dir: string, name: string, groups: number, noise: number): { trace: string; script: string } {
  const s = captureLikeScript(2, groups, 11)
  const trace = join(dir, `${name}.trace.txt`)
  const script = join(dir, `${name}.script.json`)
  writeFileSync(trace, syntheticTrace(s, 'reentry', noise))
  writeFileSync(script, JSON.stringify({ vcpus: s.vcpus, ops: s.ops.map(format_op) }))
  return { trace, script }
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : def
}

export function benchImport(): void {
  const build = spawnSync('npm', ['run', '--silent', 'build:cli'], { cwd: ROOT, encoding: 'utf8' })
  if (build.status !== 0) throw new Error(`npm run build:cli failed: ${build.stderr}`)
  const dir = mkdtempSync(join(tmpdir(), 'rootlab-bench-import-'))
  try {
    const [n, n4] = arg('groups', '16000,64000').split(',').map(Number) as [number, number]
    const small = makeTrace(dir, 'n', n, 0)
    const large = makeTrace(dir, 'n4', n4, 0)
    for (const host of ['vmx', 'pvm'] as const) {
      // Alternate the sizes, best of two each: a shared machine preempts.
      const a: number[] = []
      const b: number[] = []
      for (let round = 0; round < 2; round++) {
        a.push(importChild(dir, small.trace, small.script, host).ms)
        b.push(importChild(dir, large.trace, large.script, host).ms)
      }
      const ta = Math.min(...a)
      const tb = Math.min(...b)
      console.log(`import --host ${host}: ${n} groups ${(ta / 1000).toFixed(1)} s, ${n4} groups ${(tb / 1000).toFixed(1)} s; ` +
        `ratio ${(tb / ta).toFixed(2)} for ${(n4 / n).toFixed(0)}x the groups (${(tb / n4 * 1000).toFixed(0)} µs per group)`)
    }
    const mb = Number(arg('mb', '200'))
    // ~1,070 bytes per op with 10 noise lines (measured on this generator).
    const groups = Math.round((mb * 1e6) / 1070)
    const big = makeTrace(dir, 'big', groups, 10)
    const r = importChild(dir, big.trace, big.script, 'pvm')
    console.log(`import of a ${r.mb.toFixed(0)} MB trace (${groups} op groups, --host pvm): ${(r.ms / 1000).toFixed(1)} s, ` +
      `${(r.mb / (r.ms / 1000)).toFixed(1)} MB/s, peak RSS ${r.rssMb.toFixed(0)} MB`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) benchImport()
