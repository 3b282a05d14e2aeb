/**
 * `rootlab serve` from source, without the CLI bundle: `node --import tsx electron/server/serve-main.ts
 * [FILE] [--port N]`. Used by scripts/start.mjs and the e2e helper when bin/rootlab.js is absent.
 */
import { runServe } from './run-serve'

process.exitCode = await runServe(process.argv.slice(2))
