import { availableParallelism } from 'node:os';
import { defineScenario } from 'memrace';

// multithreading reads navigator.hardwareConcurrency when loaded; Node 20 has no navigator.
globalThis.navigator ??= { hardwareConcurrency: availableParallelism() };
const { Mutex } = await import('multithreading');

/**
 * The Mutex of the 'multithreading' package (npm), unmodified, guarding a counter in the
 * image: its lock word lives in its own SharedArrayBuffer, and its compareExchange, wait
 * and notify are what the explorer schedules. 'unlocked' skips the mutex, to show the
 * race the mutex is there to prevent.
 */
export default defineScenario({
  name: 'multithreading-mutex',
  summary: "the 'multithreading' package's Mutex guards a read-modify-write",
  subsystem: 'examples',
  variants: [
    { name: 'correct', summary: 'blockingLock() around the read and the write' },
    { name: 'unlocked', summary: 'the read and the write without the mutex' },
  ],
  outcomes: [
    { id: 'exact', grade: 'ACCEPTABLE', description: 'every increment counted' },
    { id: 'lost-update', grade: 'FORBIDDEN', description: 'an increment was lost' },
  ],
  counters: ['adds'],
  actors: (p) => Array.from({ length: p.workers }, () => 'incr'),
  setup: (arena) => ({ lock: new SharedArrayBuffer(4), count: arena.allocWords('count', 1) }),
  roles: {
    incr(ctx) {
      const mutex = new Mutex(undefined, ctx.state.lock);
      const { count } = ctx.state;
      const i32 = ctx.i32;
      const locked = ctx.params.variant !== 'unlocked';
      while (!ctx.stopped()) {
        const guard = locked ? mutex.blockingLock() : null;
        Atomics.store(i32, count, Atomics.load(i32, count) + 1);
        guard?.dispose();
        ctx.count(0);
        ctx.done(1);
      }
    },
  },
  check({ mem, state, roles, counter }) {
    const expected = roles.reduce((sum, _, a) => sum + counter(a, 'adds'), 0);
    const got = mem.load(state.count);
    const lost = got !== expected;
    return {
      oracles: [{ name: 'count', violations: lost ? [{ message: `count is ${got}, the actors added ${expected}` }] : [] }],
      outcomes: { [lost ? 'lost-update' : 'exact']: 1 },
    };
  },
});
