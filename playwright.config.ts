/**
 * E2E tests: Debian's Chromium (/usr/bin/chromium, installed by `apt-get install -y chromium`;
 * override with CHROMIUM_PATH) drives the built renderer through `rootlab serve`
 * (e2e/helpers/lab.ts). e2e/electron.spec.ts drives the real app where an Electron binary
 * exists and is skipped with one reason line elsewhere.
 *
 * The renderer is built once before the run (e2e/global-setup.ts; ROOTLAB_E2E_SKIP_BUILD=1 to
 * reuse out/). One worker: the machines this runs on have 2 cores.
 */
import { defineConfig } from '@playwright/test'

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  // e2e/bench: long benchmarks with their own config (e2e/bench/playwright.config.ts, npm run bench:ui)
  testIgnore: '**/bench/**',
  globalSetup: './e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  forbidOnly: !!process.env.CI,
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
  },
})
