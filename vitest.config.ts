import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-worker stress tests fight for the same 2 cores: one file at a time keeps a
    // broken variant's race reachable and a correct one inside its time budget.
    fileParallelism: false,
  },
});
