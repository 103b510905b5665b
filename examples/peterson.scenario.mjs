import { defineScenario } from 'memrace';

/**
 * Peterson's lock for two threads, in raw Atomics on ctx.i32 (sequentially consistent, as
 * Peterson needs). 'turn-first' gives the turn away before raising its flag: both threads
 * can then read the other's flag as down and enter together.
 */
const ALONE = 0;
const BOTH_INSIDE = 1;

export default defineScenario({
  name: 'peterson',
  summary: "Peterson's two-thread lock in raw Atomics",
  subsystem: 'examples',
  variants: [
    { name: 'correct', summary: 'flag[me] = 1, then turn = other, then wait while flag[other] && turn == other' },
    { name: 'turn-first', summary: 'turn = other before flag[me] = 1' },
  ],
  outcomes: [
    { id: 'alone', grade: 'ACCEPTABLE', description: 'a thread was alone in its critical section' },
    { id: 'both-inside', grade: 'FORBIDDEN', description: 'both threads were in the critical section at once' },
  ],
  omit: ['workers'],
  actors: () => ['t0', 't1'],
  setup: (arena) => ({ flag: arena.allocWords('flag', 2), turn: arena.allocWords('turn', 1), inside: arena.allocWords('inside', 1) }),
  roles: { t0: thread, t1: thread },
});

function thread(ctx) {
  const { flag, turn, inside } = ctx.state;
  const i32 = ctx.i32;
  const me = ctx.actor;
  const other = 1 - me;
  while (!ctx.stopped()) {
    if (ctx.params.variant === 'turn-first') {
      Atomics.store(i32, turn, other);
      Atomics.store(i32, flag + me, 1);
    } else {
      Atomics.store(i32, flag + me, 1);
      Atomics.store(i32, turn, other);
    }
    while (Atomics.load(i32, flag + other) === 1 && Atomics.load(i32, turn) === other);
    ctx.outcome(Atomics.add(i32, inside, 1) === 0 ? ALONE : BOTH_INSIDE);
    Atomics.sub(i32, inside, 1);
    Atomics.store(i32, flag + me, 0);
    ctx.done(1);
  }
}
