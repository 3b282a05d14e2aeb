/**
 * The bad-input corpus (electron/cli/testing/bad-inputs.ts), every case run as a user runs
 * `rootlab` — a child process of the built CLI — and held to the contract:
 *  - exactly one line on stderr, starting `rootlab: `, with no control character in it, and what
 *    the case expects it to say (never an engine's text, never "internal error");
 *  - the exit status of a bad file (1), nothing on stdout (no half-written output);
 *  - no hang: killed after CASE_TIMEOUT_MS;
 *  - bounded memory: the child's peak RSS stays under PEAK_RSS_LIMIT_MB. Measured twice: VmHWM
 *    from /proc/PID/status, polled, so that a child is killed as soon as it passes the limit; and
 *    the child's own getrusage() maximum (ru_maxrss), written by the launcher as it exits, which
 *    also catches a child that ends between two polls.
 *
 * The CLI is built into out/corpus-cli (not out/cli, which cli.test.ts rebuilds concurrently).
 * ROOTLAB_CORPUS_SEED varies the random cases (the seed is in every failing case's title).
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../session/testing/fixtures'
import { argumentCases, makeBase, scriptCases, sessionCases, traceCases, type BadInputCase, type CorpusBase } from './testing/bad-inputs'

const ROOT = join(import.meta.dirname, '..', '..')
const CLI_DIR = join(ROOT, 'out', 'corpus-cli')
const LAUNCHER = join(CLI_DIR, 'rootlab.mjs')
const SEED = Number(process.env.ROOTLAB_CORPUS_SEED ?? 9)
const CASE_TIMEOUT_MS = 30_000
const PEAK_RSS_LIMIT_MB = 400
/** Children run at once (the machine has two cores; other test files run beside this one). */
const PARALLEL = 2

/** Texts of the JavaScript engine or of a crash, which must never reach a user. */
const ENGINE_TEXT = /is not iterable|is not a function|Cannot read propert|Cannot convert|Unexpected token|Unexpected end of JSON|Expected property name|in JSON at position|Maximum call stack|Invalid array length|Invalid string length|out of memory|internal error|\bundefined\b|\bNaN\b|\[object Object\]|^\s+at /

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  peakMb: number
  ms: number
  killed: 'timeout' | 'memory' | null
}

/** The peak RSS of a live process in MB (VmHWM), or null once it has gone. */
function peakRssMb(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : null
  } catch {
    return null
  }
}

/** The peak RSS in MB that the launcher wrote as the child exited (getrusage), or 0. */
function reportedPeakMb(file: string): number {
  try {
    return Number(readFileSync(file, 'utf8')) / 1024
  } catch {
    return 0
  } finally {
    rmSync(file, { force: true })
  }
}

function runCli(argv: string[], cwd: string): Promise<Outcome> {
  return new Promise((done) => {
    const t0 = Date.now()
    const rssFile = join(cwd, '.peak-rss')
    const child = spawn(process.execPath, [LAUNCHER, ...argv], {
      cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ROOTLAB_DEBUG: '', ROOTLAB_CORPUS_RSS_FILE: rssFile },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => void (stdout.length < 1 << 20 && (stdout += c.toString())))
    child.stderr.on('data', (c: Buffer) => void (stderr.length < 1 << 20 && (stderr += c.toString())))
    let peakMb = 0
    let killed: Outcome['killed'] = null
    const poll = setInterval(() => {
      const p = child.pid === undefined ? null : peakRssMb(child.pid)
      if (p !== null) peakMb = Math.max(peakMb, p)
      if (peakMb > PEAK_RSS_LIMIT_MB && !killed) {
        killed = 'memory'
        child.kill('SIGKILL')
      }
    }, 5)
    const timer = setTimeout(() => {
      killed ??= 'timeout'
      child.kill('SIGKILL')
    }, CASE_TIMEOUT_MS)
    child.on('close', (code, signal) => {
      clearInterval(poll)
      clearTimeout(timer)
      done({ code, signal, stdout, stderr, peakMb: Math.max(peakMb, reportedPeakMb(rssFile)), ms: Date.now() - t0, killed })
    })
  })
}

/** At most PARALLEL children at once. */
const queue: (() => void)[] = []
let running = 0
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((r) => queue.push(r))
  running++
  try {
    return await fn()
  } finally {
    running--
    queue.shift()?.()
  }
}

const tmp = tempDir()
let base: CorpusBase
const results: { name: string; peakMb: number; ms: number }[] = []

beforeAll(() => {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js')
  const b = spawnSync(process.execPath, [vite, 'build', '--config', 'vite.cli.config.ts', '--outDir', CLI_DIR, '--logLevel', 'error'], { cwd: ROOT, encoding: 'utf8' })
  if (b.status !== 0) throw new Error(`building the CLI failed: ${b.stderr}`)
  // The CLI as bin/rootlab.js runs it, plus the process's own peak RSS written on exit.
  writeFileSync(LAUNCHER, [
    "import { writeFileSync } from 'node:fs'",
    "import { main } from './main.js'",
    'const rss = process.env.ROOTLAB_CORPUS_RSS_FILE',
    "if (rss) process.on('exit', () => writeFileSync(rss, String(process.resourceUsage().maxRSS)))",
    'process.exitCode = await main(process.argv.slice(2))',
    '',
  ].join('\n'))
  base = makeBase(join(tmp.dir, 'base'), (argv) => {
    const r = spawnSync(process.execPath, [LAUNCHER, ...argv], { encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`rootlab ${argv.join(' ')}: ${r.stderr}`)
  })
}, 120_000)

afterAll(() => {
  if (results.length) {
    const peak = results.reduce((a, b) => (b.peakMb > a.peakMb ? b : a))
    const slow = results.reduce((a, b) => (b.ms > a.ms ? b : a))
    console.log(`bad-input corpus (seed ${SEED}): ${results.length} cases; highest peak RSS ${peak.peakMb.toFixed(0)} MB (${peak.name}); slowest ${slow.ms} ms (${slow.name})`)
  }
  tmp.cleanup()
})

const cases: BadInputCase[] = [...scriptCases(SEED), ...traceCases(SEED), ...sessionCases(SEED), ...argumentCases()]

describe.concurrent(`the bad-input corpus (seed ${SEED})`, () => {
  let n = 0
  for (const c of cases) {
    const id = n++
    it(c.name, async () => {
      const dir = join(tmp.dir, `case-${id}`)
      mkdirSync(dir)
      c.setup?.(dir, base)
      const r = await limited(() => runCli(c.argv, dir))
      results.push({ name: c.name, peakMb: r.peakMb, ms: r.ms })
      const line = r.stderr.replace(/\n$/, '')
      expect(r.killed, `${r.killed === 'memory' ? `peak RSS over ${PEAK_RSS_LIMIT_MB} MB` : `no exit within ${CASE_TIMEOUT_MS} ms`}; stderr: ${r.stderr.slice(0, 300)}`).toBeNull()
      expect(r.signal).toBeNull()
      expect(r.stderr.endsWith('\n') && !line.includes('\n'), `one line on stderr, got: ${JSON.stringify(r.stderr.slice(0, 500))}`).toBe(true)
      expect(line).toMatch(/^rootlab: /)
      expect([...line].every((ch) => ch.charCodeAt(0) >= 0x20 && !(ch.charCodeAt(0) >= 0x7f && ch.charCodeAt(0) <= 0x9f))).toBe(true)
      expect(line.length).toBeLessThan(1100)
      expect(line).not.toMatch(ENGINE_TEXT)
      if (c.message) expect(line).toMatch(c.message)
      expect(r.code).toBe(c.exit ?? 1)
      expect(r.stdout, 'nothing on stdout').toBe('')
      expect(r.peakMb).toBeGreaterThan(0)
      expect(r.peakMb).toBeLessThan(PEAK_RSS_LIMIT_MB)
      expect(existsSync(join(dir, 'out.rootlab')) || existsSync(join(dir, 'o.rootlab')), 'no output file left behind').toBe(false)
    }, CASE_TIMEOUT_MS * 3)
  }
})
