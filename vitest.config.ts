import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/helpers/plainSummaryReporter.ts'],
    // Tests run the compiled build (dist/) and the built UI (renderer/dist): rebuilt here when stale.
    globalSetup: ['test/buildBeforeTests.ts'],
    // electron-store imports `electron`: run it through vitest so the main-process tests' mock reaches it.
    server: { deps: { inline: ['electron-store'] } },
  },
});
