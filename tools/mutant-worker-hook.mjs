/**
 * Built into the sandbox's bundle by Stryker's buildCommand (stryker.config.mjs), never into
 * dist/: in a worker thread started under a mutate run, the mutants the instrumented code
 * covered are added to the shared hit counts the test process handed down (HITS_KEY), where
 * test/mutant-workers.ts charges them to the test that is running; and the active mutant
 * (which Stryker's preamble takes from process.env) gets the test process's hit limit, so
 * an endless loop in a worker throws as it would there instead of running to a timeout.
 *
 * Instrumented code counts coverage into `__stryker__.mutantCoverage.static` outside a test,
 * which a worker always is. That object stays plain (a Proxy there made every covered block
 * of the scheduler's hot path a trap, and timed the dry run out); its counts go to the shared
 * words before each message the worker posts, so before each piscina task's result reaches
 * the test, and the next task starts from an empty one.
 */
import { MessagePort, getEnvironmentData, isMainThread } from 'node:worker_threads';
import { HITS_KEY, HIT_ANY, HIT_IDS, HIT_LIMIT_ENV } from './mutant-hits.mjs';

// Not in vitest's own worker (Stryker runs vitest with pool 'threads'): a test there that
// imports the bundle (a user scenario file's `import 'memrace'`) would swap that thread's
// `static` object for an empty one at vitest's next message, and every static mutant of the
// run read as not covered (DET_OPTIONS, dpor.ts's tables: 2026-12-06).
const inVitest = globalThis.__vitest_worker__ !== undefined;
const shared = isMainThread || inVitest ? undefined : getEnvironmentData(HITS_KEY);
if (shared instanceof SharedArrayBuffer) {
  const hits = new Int32Array(shared);
  const ns = (globalThis.__stryker__ ??= {});
  const cov = (ns.mutantCoverage ??= { static: {}, perTest: {} });
  const limit = Number(process.env[HIT_LIMIT_ENV]);
  if (limit > 0) {
    ns.hitCount = 0;
    ns.hitLimit = limit;
  }
  const flush = () => {
    let any = false;
    for (const id in cov.static) {
      const i = Number(id);
      if (i >= 0 && i < HIT_IDS) Atomics.add(hits, i, cov.static[id]);
      any = true;
    }
    if (any) Atomics.store(hits, HIT_ANY, 1);
    cov.static = {};
  };
  const post = MessagePort.prototype.postMessage;
  MessagePort.prototype.postMessage = function (...args) {
    flush();
    return post.apply(this, args);
  };
}
