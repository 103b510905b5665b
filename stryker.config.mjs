/**
 * Mutation testing (StrykerJS + its vitest runner): `npm run mutate -- <folder or file>`.
 * Not part of `npm test`. Incremental: results are kept in reports/stryker-incremental.json,
 * so a rerun tests only the mutants whose code or covering tests changed. See docs/testing.md.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  plugins: ['@stryker-mutator/vitest-runner'],
  // related: false, or the runner keeps only the tests whose imports reach a mutated file, and a
  // test that reaches it only through a worker (unit-det-workers and port.ts) never ran against it.
  vitest: { configFile: 'vitest.mutate.config.ts', related: false },
  coverageAnalysis: 'perTest',
  checkers: [],
  // Worker threads run dist/ (Node 20 cannot start a .ts worker): the sandbox builds its own
  // from the instrumented source, with a hook that reports what workers cover
  // (tools/mutant-worker-hook.mjs, test/mutant-workers.ts; docs/testing.md).
  buildCommand: 'npx tsup --silent --inject tools/mutant-worker-hook.mjs',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  mutate: ['src/dpdk/**/*.ts', 'src/kernel/**/*.ts', 'src/paging/**/*.ts', 'src/ruby/**/*.ts', 'src/lab/det/**/*.ts'],
  ignorePatterns: ['dist', 'failures', 'reports', '.stryker-tmp'],
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  // A mutant times out after 1.5 x its covering tests' net time + timeoutMS + the dry run's
  // overhead (Stryker adds it whole: 4-9 s with isolate: false, 21 s without). 10 s on top of
  // that made each true timeout (an infinite loop) cost 15-30 s of a runner; 3 s timed out
  // live mutants when the overhead was per-file re-imports (isolate on, load 13).
  timeoutMS: 5_000,
  // The dry run (every covering test, with per-test coverage) took over Stryker's default 5 min at load 40.
  dryRunTimeoutMinutes: 30,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
