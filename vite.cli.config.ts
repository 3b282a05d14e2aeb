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
    ssr: resolve(root, 'electron/cli/main.ts'),
    outDir: resolve(root, 'out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      external: ['better-sqlite3', 'electron', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)],
      output: { format: 'es', entryFileNames: 'main.js', codeSplitting: false },
    },
  },
  ssr: { noExternal: true, external: ['better-sqlite3'] },
})
