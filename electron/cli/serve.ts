/**
 * The `serve` command of the rootlab CLI (the command table in electron/cli calls runServe):
 * the server's own entry (electron/server/run-serve.ts). The CLI depends on the server, never
 * the reverse.
 */
export { runServe } from '../server/run-serve'
