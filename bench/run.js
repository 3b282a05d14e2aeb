#!/usr/bin/env node
/**
 * npm run bench: bundles the TypeScript benchmarks with esbuild (as the app's own build does,
 * so constants and imports are compiled the same way) and runs them. `npm run bench -- NAME ...`
 * passes its arguments here (the script is this file alone, so they reach no other command).
 *   node bench/run.js          all benchmarks, then the debugger's (ui)
 *   node bench/run.js sim      the model alone (npm run bench:sim)
 *   node bench/run.js session  the session database
 *   node bench/run.js sql      SQL over the session (query latencies at 100k / 1M / 10M)
 *   node bench/run.js fuzz     rootlab fuzz (npm run bench:fuzz; needs npm run build)
 *   node bench/run.js import   rootlab import of large traces (builds the CLI)
 *   node bench/run.js watch    watchpoints over the session
 *   node bench/run.js ui       the debugger on a 10M session in Chromium (npm run bench:ui)
 */
import { spawnSync } from 'node:child_process'
import { build } from 'esbuild'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const outdir = join(root, 'out', 'bench')
mkdirSync(outdir, { recursive: true })

const suites = {
  sim: { entry: 'bench/sim.ts', fn: 'benchSim' },
  session: { entry: 'bench/session.ts', fn: 'benchSession' },
  fuzz: { entry: 'bench/fuzz.ts', fn: 'benchFuzz' },
  sql: { entry: 'bench/sql.ts', fn: 'benchSql' },
  import: { entry: 'bench/import.ts', fn: 'benchImport' },
  watch: { entry: 'bench/watch.ts', fn: 'benchWatch' },
}
const named = process.argv[2] && !process.argv[2].startsWith('-') ? process.argv[2] : null
const wanted = named ? [named] : [...Object.keys(suites), 'ui']
for (const name of wanted) {
  if (name === 'ui') {
    console.log('== ui ==')
    // Playwright's own runner (a config of its own, e2e/bench/playwright.config.ts).
    const cli = join(root, 'node_modules', '@playwright', 'test', 'cli.js')
    const run = spawnSync(process.execPath, [cli, 'test', '--config', 'e2e/bench/playwright.config.ts'],
      { cwd: root, stdio: 'inherit' })
    if (run.status !== 0) process.exit(run.status ?? 1)
    continue
  }
  const suite = suites[name]
  if (!suite) {
    console.error(`bench: unknown suite "${name}" (allowed: ${[...Object.keys(suites), 'ui'].join(', ')})`)
    process.exit(2)
  }
  const outfile = join(outdir, `${name}.mjs`)
  await build({
    entryPoints: [join(root, suite.entry)], outfile, bundle: true, platform: 'node', format: 'esm',
    target: 'node20', packages: 'external', logLevel: 'error',
  })
  const mod = await import(pathToFileURL(outfile).href)
  console.log(`== ${name} ==`)
  await mod[suite.fn]()
}
