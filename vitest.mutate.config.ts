import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
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
// `sweep(` is the lab's sweep, not a method named sweep (the call-cache pool's `ccs.sweep()`).
const STARTS_WORKERS = /runStress\(|explore\(|await replay\(|runScheduled\(|new Worker\(|(?<![.\w])sweep\(|suite\.run\(|node:child_process/;
const SKIPS_THEM = /skipIf\(MUTATING\)/;
// Any line: the sandbox puts `// @ts-nocheck` first.
const OPTS_IN = /^\/\/ mutate-set: workers\b/m;

// Recursive: the conformance suites (test/conformance/<system>/) are in-process tests too.
const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => {
    const source = readFileSync(`test/${f}`, 'utf8');
    // Comments do not start workers (unit-det-schedule's header names explore()).
    const text = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    const workers = STARTS_WORKERS.test(text);
    return { file: `test/${f}`, workers, kept: OPTS_IN.test(source) || SKIPS_THEM.test(text) || !workers };
  })
  .filter((f) => f.kept);
const unitTests = files.map((f) => f.file);
const onWorkers = new Set(files.filter((f) => f.workers).map((f) => resolve(f.file)));

/**
 * The files that start workers run last: a mutant ends at its first failing test, and one an
 * in-process test kills then costs milliseconds, not an exploration's seconds.
 */
class InProcessFirst extends BaseSequencer {
  override async sort(specs: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(specs);
    return [...sorted.filter((s) => !onWorkers.has(s.moduleId)), ...sorted.filter((s) => onWorkers.has(s.moduleId))];
  }
}

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
    sequence: { sequencer: InProcessFirst },
  },
});
