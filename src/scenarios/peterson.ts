import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';

/**
 * Peterson's lock around a plain read-modify-write: the store-buffering litmus test (SB) in
 * a form that loses updates. Each of two actors raises its flag, yields the turn, and waits
 * while the other's flag is up and the turn is the other's; inside, it bumps a counter with
 * a plain load and a plain store. Correct under sequential consistency whatever the
 * accesses; on x86 (TSO) and Arm a store may wait in the store buffer while the load after
 * it reads memory, both actors see the other's flag down and enter together. The correct
 * variant yields the turn with an `Atomics.store` (sequentially consistent: a full fence in
 * JavaScript) and reads flag and turn with `Atomics.load`, and leaves with an
 * `Atomics.store`, which publishes the counter store before the flag (release).
 */
interface State {
  flags: number;
  turn: number;
  counter: number;
}

type P = Params & { variant: string };

/** The per-actor counter of entries into the critical section (the engine's, outside the image's store buffers). */
const K_ENTRIES = 0;

function contender(ctx: ActorContext<P, State>): void {
  const { mem, state: s, params: p } = ctx;
  const me = ctx.actor;
  const other = 1 - me;
  const plain = p.variant === 'plain-stores';
  while (!ctx.stopped()) {
    mem.write(s.flags + me, 1);
    if (plain) mem.write(s.turn, other);
    else mem.store(s.turn, other);
    let stopped = false;
    while (plain ? mem.read(s.flags + other) === 1 && mem.read(s.turn) === other : mem.load(s.flags + other) === 1 && mem.load(s.turn) === other) {
      mem.pause();
      if (ctx.stopFlag()) {
        stopped = true;
        break;
      }
    }
    if (!stopped) {
      mem.write(s.counter, mem.read(s.counter) + 1);
      ctx.count(K_ENTRIES);
    }
    if (plain) mem.write(s.flags + me, 0);
    else mem.store(s.flags + me, 0);
    if (stopped) break;
    ctx.done(1);
  }
}

export const peterson = defineScenario<P, State>({
  name: 'peterson',
  summary: "Peterson's lock around a plain increment: the store-buffering litmus test, right under SC, broken where stores wait in a buffer",
  subsystem: 'lab',
  omit: ['workers'],
  variants: [
    { name: 'correct', summary: 'the turn yielded and the flags read with Atomics (sequentially consistent, a full fence), the flag lowered with Atomics.store' },
    {
      name: 'plain-stores',
      summary: 'every access plain: right under sequential consistency, broken under TSO (a store passes no later load) and relaxed',
      // Real threads show it only while both actors run on the two cores at once, and only when
      // both come to the lock together: back to back, one always finds the other's flag up and
      // waits. A random pause of up to 512 iterations between entries (--spin) makes them arrive
      // together: at load 15-17, 2 s caught 1 of 6 runs without it and 8 of 10 with it, 6 s 17 of 20
      // without it.
      defaults: { duration: '6s', spin: 512 },
      // Under explore's default (sequential consistency) there is nothing to find; its actors
      // never pause (a pause is no scheduling point there).
      explore: { memory: 'tso', spin: 0 },
    },
  ],
  outcomes: [
    { id: 'exact', grade: 'ACCEPTABLE', description: 'the counter holds every entry into the critical section' },
    { id: 'lost-update', grade: 'FORBIDDEN', description: 'both actors were inside at once: an increment was lost' },
  ],
  counters: ['entries'],
  opNames: ['start'],
  imageBytes: () => 4 * 64,
  actors: () => ['contender', 'contender'],
  setup: (arena) => ({
    flags: arena.allocWords('peterson.flag', 2),
    turn: arena.allocWords('peterson.turn', 1),
    counter: arena.allocWords('peterson.counter', 1),
  }),
  wordName: (s, w) => (w === s.turn ? 'turn' : w === s.counter ? 'counter' : w === s.flags || w === s.flags + 1 ? `flag[${w - s.flags}]` : undefined),
  roles: { contender },
  check({ mem, state: s, roles, counter }) {
    const want = roles.reduce((n, _, a) => n + counter(a, 'entries'), 0);
    const got = mem.load(s.counter);
    const exact = got === want;
    return {
      oracles: [{ name: 'mutual exclusion', violations: exact ? [] : [{ message: `counter is ${got} after ${want} entries: both actors were inside at once`, where: 'peterson.counter' }] }],
      outcomes: { [exact ? 'exact' : 'lost-update']: 1 } as Record<string, number>,
    };
  },
});
