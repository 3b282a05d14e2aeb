/**
 * electron-vite build of the desktop app: main (ESM, plus the recording worker as a second
 * entry), preload (CommonJS: a sandboxed preload cannot be an ES module), renderer (renderer/ ->
 * out/renderer, which `rootlab serve` also serves). better-sqlite3 is in "dependencies", so it
 * is left external (loaded at run time, with an Electron-ABI binding; see
 * electron/main/native-binding.ts).
 */
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const here = import.meta.dirname

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: {
        entry: {
          main: resolve(here, 'electron/main/main.ts'),
          // Started with new Worker(); found next to main.js (electron/service/worker-script.ts).
          'recording-worker': resolve(here, 'electron/service/recording-worker.ts'),
          // Started with utilityProcess.fork (electron/main/sql-host-launcher.ts), killed at a query's deadline.
          'sql-host': resolve(here, 'electron/sqlhost/host-entry.ts'),
          // The recorder's writer thread (electron/session/writer-thread.ts).
          'session-writer': resolve(here, 'electron/session/session-writer-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: { preload: resolve(here, 'electron/preload/preload.ts') }, formats: ['cjs'] },
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(here, 'renderer'),
    plugins: [vue()],
    build: {
      outDir: resolve(here, 'out/renderer'),
      rollupOptions: { input: resolve(here, 'renderer/index.html') },
      // electron-vite leaves the renderer unminified; minified it is half the bytes to load and
      // parse before the first frame (the browser viewer loads it over HTTP)
      minify: true,
    },
  },
})
