import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/plainSummaryReporter.ts'],
    // The browser tests (test/e2e) need renderer/dist; this builds it when it is missing or stale.
    globalSetup: ['test/e2e/buildUi.ts'],
  },
});
