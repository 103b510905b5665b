/**
 * Built into the sandbox's bundle by Stryker's buildCommand (stryker.config.mjs), never into
 * dist/: in a worker thread started under a mutate run, every mutant the instrumented code
 * covers is written to the shared bytes the test process handed down (HITS_KEY), where
 * test/mutant-workers.ts charges it to the test that is running. Instrumented code counts
 * coverage into `__stryker__.mutantCoverage.static` outside a test, which a worker always is.
 */
import { getEnvironmentData, isMainThread } from 'node:worker_threads';
import { HITS_KEY, HIT_ANY, HIT_IDS } from './mutant-hits.mjs';

const shared = isMainThread ? undefined : getEnvironmentData(HITS_KEY);
if (shared instanceof SharedArrayBuffer) {
  const hits = new Uint8Array(shared);
  const mark = (id) => {
    const i = Number(id);
    if (i >= 0 && i < HIT_IDS) hits[i] = hits[HIT_ANY] = 1;
  };
  const ns = (globalThis.__stryker__ ??= {});
  const cov = (ns.mutantCoverage ??= { static: {}, perTest: {} });
  Object.keys(cov.static).forEach(mark);
  cov.static = new Proxy({}, { get: () => undefined, set: (_, id) => (mark(id), true) });
}
