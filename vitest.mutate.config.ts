import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The test set of `npm run mutate`: the in-process unit tests only. Stryker switches
 * mutants inside the test process; worker threads run the built bundle, which never sees
 * the active mutant, so a file that starts workers would only cost time. A test file is
 * left out when it starts workers (stress runs, explorations, sweeps, benchmarks, the CLI).
 */
const STARTS_WORKERS = /runStress\(|explore\(|replay\(|runScheduled\(|execFileSync|new Worker\(|sweep\(|suite\.run\(/;

const unitTests = readdirSync('test')
  .filter((f) => f.endsWith('.test.ts') && !STARTS_WORKERS.test(readFileSync(`test/${f}`, 'utf8')))
  .map((f) => `test/${f}`);

export default defineConfig({
  test: {
    include: unitTests,
    testTimeout: 20_000,
  },
});
