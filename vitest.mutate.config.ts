import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The test set of `npm run mutate`: the in-process unit tests only. Stryker switches
 * mutants inside the test process; worker threads and child processes run the built
 * bundle, which never sees the active mutant, so a file that starts them would only cost
 * time. A test file is left out when it starts workers (stress runs, explorations, sweeps,
 * benchmarks) or runs the CLI, unless it skips those tests here with
 * `describe.skipIf(MUTATING)` (test/mutating.ts).
 */
const STARTS_WORKERS = /runStress\(|explore\(|await replay\(|runScheduled\(|new Worker\(|sweep\(|suite\.run\(|node:child_process/;
const SKIPS_THEM = /skipIf\(MUTATING\)/;

const unitTests = readdirSync('test')
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => {
    const text = readFileSync(`test/${f}`, 'utf8');
    return SKIPS_THEM.test(text) || !STARTS_WORKERS.test(text);
  })
  .map((f) => `test/${f}`);

export default defineConfig({
  test: {
    include: unitTests,
    env: { MEMRACE_MUTATE: '1' },
    testTimeout: 20_000,
  },
});
