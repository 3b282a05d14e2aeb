import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['sim/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/**/*.test.ts', 'scripts/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
  },
})
