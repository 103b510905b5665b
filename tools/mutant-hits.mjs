/**
 * What the test process and its worker threads share under `npm run mutate`, so a mutant
 * that only a worker runs is both covered and switched on there (docs/testing.md, "Mutants
 * in worker threads"). Stryker's instrumented code keeps its state on `globalThis.__stryker__`
 * (each thread has its own) and, when no mutant is set there, takes it from this variable.
 */
export const ACTIVE_MUTANT_ENV = '__STRYKER_ACTIVE_MUTANT__';
/** The active mutant's hit limit (Stryker's: 100 x its hits in the dry run), for a worker to stop an endless loop at. */
export const HIT_LIMIT_ENV = 'MEMRACE_MUTANT_HIT_LIMIT';
/** worker_threads environment data: a SharedArrayBuffer of one Int32 hit count per mutant id. */
export const HITS_KEY = 'memrace:mutant-hits';
/** Mutant ids a worker can report (Stryker numbers them from 0 over one run; the five folders hold about 20,000). */
export const HIT_IDS = 1 << 18;
/** The word after the ids: set when a worker reported anything since the last read. */
export const HIT_ANY = HIT_IDS;
