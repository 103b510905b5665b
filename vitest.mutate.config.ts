import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

/**
 * The test set of `npm run mutate`. Stryker switches mutants inside the test process; worker
 * threads see them too (test/mutant-workers.ts, with the sandbox's bundle built from the
 * instrumented source by stryker.config.mjs's buildCommand), but a test on workers costs
 * seconds per mutant it covers, and a child process (the CLI) reports no coverage. So a file
 * that starts workers (stress runs, explorations, sweeps, benchmarks) or runs the CLI is left
 * out, unless it opts in: by skipping its slow or CLI tests here with `it.skipIf(MUTATING)`
 * (test/mutating.ts), or, for a file whose every worker test is fast enough to run against
 * each mutant it covers, with a line `// mutate-set: workers` (unit-det-workers).
 */
const STARTS_WORKERS = /runStress\(|explore\(|await replay\(|runScheduled\(|new Worker\(|sweep\(|suite\.run\(|node:child_process/;
const SKIPS_THEM = /skipIf\(MUTATING\)/;
// Any line: the sandbox puts `// @ts-nocheck` first.
const OPTS_IN = /^\/\/ mutate-set: workers\b/m;

// Recursive: the conformance suites (test/conformance/<system>/) are in-process tests too.
const unitTests = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .filter((f) => {
    // Comments do not start workers (unit-det-schedule's header names explore()).
    const source = readFileSync(`test/${f}`, 'utf8');
    const text = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    return OPTS_IN.test(source) || SKIPS_THEM.test(text) || !STARTS_WORKERS.test(text);
  })
  .map((f) => `test/${f}`);

export default defineConfig({
  test: {
    include: unitTests,
    env: { MEMRACE_MUTATE: '1' },
    // Hands the active mutant to worker threads and their coverage back to the test.
    setupFiles: ['test/mutant-workers.ts'],
    // 20 s timed out det-explore's first exploration (500 PCT runs and a replay, 3 s in npm
    // test) in the dry run: the workers' bundle carries every mutant's switch.
    testTimeout: 60_000,
    // Within one run the files share one worker and one module graph instead of a fresh
    // one per file: the dry run of tlb.ts's related tests went from 33 s to 10 s. Each run
    // (each mutant) still gets a fresh worker, so a static mutant still applies at import.
    isolate: false,
  },
});
