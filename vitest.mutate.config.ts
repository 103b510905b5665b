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

// Recursive: the conformance suites (test/conformance/<system>/) are in-process tests too.
const unitTests = readdirSync('test', { recursive: true, encoding: 'utf8' })
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
    // Within one run the files share one worker and one module graph instead of a fresh
    // one per file: the dry run of tlb.ts's related tests went from 33 s to 10 s. Each run
    // (each mutant) still gets a fresh worker, so a static mutant still applies at import.
    isolate: false,
  },
});
