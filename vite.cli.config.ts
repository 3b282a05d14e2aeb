/**
 * Build of the `rootlab` CLI: electron/cli/main.ts -> out/cli/main.js, one ESM file for Node 20.
 * better-sqlite3 (native) and Node builtins stay external; everything else (sim/, the session
 * layer, the server) is bundled, so bin/rootlab.js runs right after `npm ci` (prepare builds it).
 */
import { builtinModules } from 'node:module'
import { resolve } from 'node:path'
import { defineConfig } from 'vite'

const root = import.meta.dirname

export default defineConfig({
  root,
  build: {
    ssr: true,
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      external: ['better-sqlite3', 'electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
      // The recording worker is its own entry: the service starts it with new Worker() next to
      // the bundle (electron/service/worker-script.ts), so `rootlab serve` records off the main thread.
      input: {
        main: resolve(root, 'electron/cli/main.ts'),
        'recording-worker': resolve(root, 'electron/service/recording-worker.ts'),
        // The fuzzer's worker threads (electron/fuzz/pool.ts), found the same way.
        'fuzz-worker': resolve(root, 'electron/fuzz/fuzz-worker.ts'),
        // The SQL host: forked per session (electron/sqlhost/node-launcher.ts), killed at a query's deadline.
        'sql-host': resolve(root, 'electron/sqlhost/host-entry.ts'),
        // The recorder's writer thread (electron/session/writer-thread.ts), found the same way.
        'session-writer': resolve(root, 'electron/session/session-writer-worker.ts'),
      },
      output: { format: 'es', entryFileNames: '[name].js' },
    },
  },
  ssr: { noExternal: true, external: ['better-sqlite3'] },
})
