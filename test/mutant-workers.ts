/**
 * Setup file of `npm run mutate` (vitest.mutate.config.ts): lets worker threads take part.
 * Before each test the active mutant and its hit limit go into process.env, which each new
 * worker copies (Stryker's preamble and tools/mutant-worker-hook.mjs read them there); after
 * each test of the dry run, the mutants the workers covered are added to that test's
 * coverage, so Stryker runs the test against them. See docs/testing.md, "Mutants in worker
 * threads".
 */
import { setEnvironmentData } from 'node:worker_threads';
import { afterEach, beforeEach } from 'vitest';
import { ACTIVE_MUTANT_ENV, HITS_KEY, HIT_ANY, HIT_IDS, HIT_LIMIT_ENV } from '../tools/mutant-hits.mjs';

interface StrykerState {
  activeMutant?: string;
  hitLimit?: number;
  currentTestId?: string;
  mutantCoverage?: { static: Record<string, number>; perTest: Record<string, Record<string, number>> };
}
const g = globalThis as { __stryker__?: StrykerState };
const ns = (g.__stryker__ ??= {});
const hits = new Int32Array(new SharedArrayBuffer((HIT_IDS + 1) * 4));
setEnvironmentData(HITS_KEY, hits.buffer);

const setEnv = (name: string, value: unknown) => {
  if (value === undefined) delete process.env[name];
  else process.env[name] = String(value);
};

let testId: string | undefined;
beforeEach(() => {
  setEnv(ACTIVE_MUTANT_ENV, ns.activeMutant);
  setEnv(HIT_LIMIT_ENV, ns.activeMutant === undefined ? undefined : ns.hitLimit);
  testId = ns.currentTestId;
  hits.fill(0);
});
afterEach(() => {
  if (testId === undefined || !Atomics.load(hits, HIT_ANY)) return;
  const cov = (ns.mutantCoverage ??= { static: {}, perTest: {} });
  const mine = (cov.perTest[testId] ??= {});
  for (let id = 0; id < HIT_IDS; id++) if (hits[id]) mine[id] = (mine[id] ?? 0) + hits[id];
});
