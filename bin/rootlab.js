#!/usr/bin/env node
// The `rootlab` command. The CLI is built to out/cli/main.js by `npm run build` (run by npm's
// "prepare" on `npm ci` / `npm install`), so a fresh clone needs no extra step.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const built = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'cli', 'main.js')
if (!existsSync(built)) {
  process.stderr.write('rootlab: the CLI is not built (out/cli/main.js is missing); run npm run build\n')
  process.exit(1)
}
const { main } = await import(pathToFileURL(built).href)
process.exitCode = await main(process.argv.slice(2))
