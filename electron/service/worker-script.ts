/**
 * Where the recording worker's code is. Built (electron-vite, the CLI bundle): a
 * `recording-worker.js` next to the bundle that imports this module. From source (vitest, tsx):
 * `recording-worker.ts`, started through tsx's loader, because Node 20 cannot run TypeScript
 * and a Worker does not inherit the parent's loader.
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { WorkerOptions } from 'node:worker_threads'

export interface WorkerScript {
  /** File (or, with eval, code) to pass to `new Worker`. */
  filename: string
  options: WorkerOptions
}

/** The worker script for code loaded from `fromUrl` (default: this module). */
export function resolveRecordingWorker(fromUrl: string = import.meta.url): WorkerScript {
  return resolveWorker('recording-worker', join('electron', 'service'), fromUrl)
}

/**
 * A worker entry `<name>.ts` of the source folder `sourceDir` (relative to the repository): the
 * built `<name>.js` next to the code loaded from `fromUrl` (or one folder up) when there is one,
 * else the source under tsx, found next to `fromUrl` or from the repository root.
 */
export function resolveWorker(name: string, sourceDir: string, fromUrl: string): WorkerScript {
  const here = dirname(fileURLToPath(fromUrl))
  for (const dir of [here, join(here, '..')]) {
    const built = join(dir, `${name}.js`)
    if (existsSync(built)) return { filename: built, options: {} }
  }
  const source = join(here, `${name}.ts`)
  if (existsSync(source)) return tsxWorker(source)
  const sourceFromRoot = join(here, '..', '..', sourceDir, `${name}.ts`)
  if (existsSync(sourceFromRoot)) return tsxWorker(sourceFromRoot)
  throw new Error(`${name} worker not found next to ${here}; run npm run build`)
}

function tsxWorker(source: string): WorkerScript {
  const require = createRequire(import.meta.url)
  const tsxApi = pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href
  const entry = pathToFileURL(source).href
  // An eval'd CommonJS bootstrap: register tsx's ESM hooks in this thread, then load the entry.
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}) })`
  return { filename: code, options: { eval: true } }
}
