/**
 * Setup file of `npm run mutate` (vitest.mutate.config.ts): lets worker threads take part.
 * Before each test the active mutant goes into process.env, which each new worker copies, and
 * Stryker's preamble there reads it; after each test of the dry run, the mutants the workers
 * covered (tools/mutant-worker-hook.mjs) are added to that test's coverage, so Stryker runs
 * the test against them. See docs/testing.md, "Mutants in worker threads".
 */
import { setEnvironmentData } from 'node:worker_threads';
import { afterEach, beforeEach } from 'vitest';
import { ACTIVE_MUTANT_ENV, HITS_KEY, HIT_ANY, HIT_IDS } from '../tools/mutant-hits.mjs';

interface StrykerState {
  activeMutant?: string;
  currentTestId?: string;
  mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}
const g = globalThis as { __stryker__?: StrykerState };
const ns = (g.__stryker__ ??= {});
const hits = new Uint8Array(new SharedArrayBuffer(HIT_IDS + 1));
setEnvironmentData(HITS_KEY, hits.buffer);

let testId: string | undefined;
beforeEach(() => {
  if (ns.activeMutant === undefined) delete process.env[ACTIVE_MUTANT_ENV];
  else process.env[ACTIVE_MUTANT_ENV] = ns.activeMutant;
  testId = ns.currentTestId;
  hits.fill(0);
});
afterEach(() => {
  if (testId === undefined || !hits[HIT_ANY]) return;
  const cov = (ns.mutantCoverage ??= { static: {}, perTest: {} });
  const mine = (cov.perTest[testId] ??= {});
  for (let id = 0; id < HIT_IDS; id++) if (hits[id]) mine[id] = (mine[id] ?? 0) + 1;
});
