/**
 * Playwright config for the renderer benchmarks under e2e/bench (excluded from the default run
 * by playwright.config.ts): `npx playwright test --config e2e/bench/playwright.config.ts`.
 * Same browser and build as the e2e run; one worker, long timeouts, output printed as it comes.
 */
import { defineConfig } from '@playwright/test'
import base from '../../playwright.config'

export default defineConfig({
  ...base,
  testDir: '.',
  testMatch: '**/*.spec.ts',
  testIgnore: [],
  globalSetup: '../global-setup.ts',
  outputDir: '../../test-results/bench',
  timeout: 900_000,
  // no trace: recording DOM snapshots and network slows the page being measured
  use: { ...base.use, trace: 'off', actionTimeout: 30_000, navigationTimeout: 60_000 },
})
