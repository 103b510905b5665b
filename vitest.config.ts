import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // Stryker's sandbox copy of the tree (npm run mutate) holds the same test files.
    exclude: [...configDefaults.exclude, '.stryker-tmp/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Real-worker stress tests fight for the same 2 cores: one file at a time keeps a
    // broken variant's race reachable and a correct one inside its time budget.
    fileParallelism: false,
  },
});
