/**
 * electron-vite build of the desktop app: main (ESM, plus the recording worker as a second
 * entry), preload (CommonJS: a sandboxed preload cannot be an ES module), renderer (renderer/ ->
 * out/renderer, which `rootlab serve` also serves). better-sqlite3 is in "dependencies", so it
 * is left external (loaded at run time, with an Electron-ABI binding; see
 * electron/main/native-binding.ts).
 */
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import vue from '@vitejs/plugin-vue'

const here = import.meta.dirname

/**
 * Puts the `boot` entry (renderer/src/boot.ts: the token out of the address bar, the boot's
 * requests sent) first in the built index.html, before the app's script, so that it runs as soon
 * as it has loaded instead of after the app's much larger script. The dev server has no bundle:
 * main.ts then does the same itself.
 */
function bootFirst(): Plugin {
  return {
    name: 'rootlab-boot-first',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const boot = Object.values(ctx.bundle ?? {}).find((c) => c.type === 'chunk' && c.isEntry && c.name === 'boot')
        if (!boot) return html
        // first of the head's scripts (module scripts run in document order)
        const tag = `<script type="module" crossorigin src="./${boot.fileName}"></script>`
        return html.replace(/(\s*)<script type="module"/, `$1${tag}$1<script type="module"`)
      },
    },
  }
}

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
    plugins: [vue(), bootFirst()],
    // Every component is a <script setup>: Vue's Options API support (data(), mixins...) is left
    // out of the bundle, and so are the production devtools hooks.
    define: {
      __VUE_OPTIONS_API__: 'false',
      __VUE_PROD_DEVTOOLS__: 'false',
      __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    },
    build: {
      outDir: resolve(here, 'out/renderer'),
      rollupOptions: { input: { index: resolve(here, 'renderer/index.html'), boot: resolve(here, 'renderer/src/boot.ts') } },
      // electron-vite leaves the renderer unminified; minified it is half the bytes to load and
      // parse before the first frame (the browser viewer loads it over HTTP)
      minify: true,
    },
  },
})
