import { ConfigError } from '../errors.js';
import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { SpinLock } from '../shm/spinlock.js';

/**
 * Tiny hand-made roles that pin the deterministic engine's verdicts (hidden from `memrace
 * list`): a counter bumped under two locks. `lost-update` increments with a load and a
 * store, `abba` takes the locks in opposite orders on odd actors (a deadlock under some
 * schedules), `stale` leaves the last actor spinning on a flag nobody sets, `crash` throws,
 * `circular-wait` has every actor wait, untimed, for the next one.
 */
interface ProbeState {
  counter: number;
  lockA: number;
  lockB: number;
  flag: number;
}

type P = Params & { workers: number; ops: number; variant: string };

function bumper(ctx: ActorContext<P, ProbeState>): void {
  const { mem, state: s, params: p } = ctx;
  const a = new SpinLock(mem, s.lockA);
  const b = new SpinLock(mem, s.lockB);
  if (p.variant === 'stale' && ctx.actor === p.workers - 1) {
    while (mem.load(s.flag) === 0);
  }
  if (p.variant === 'starve') {
    // The last actor spins, with no pause, until actor 0 raises the flag: a strategy that
    // keeps the spinner on top starves actor 0, a fair schedule does not.
    if (ctx.actor === p.workers - 1) while (mem.load(s.flag) === 0);
    else if (ctx.actor === 0) mem.store(s.flag, 1);
  }
  if (p.variant === 'circular-wait') {
    // Each waits, with no timeout, for the next actor's flag before raising its own.
    const next = s.flag + ((ctx.actor + 1) % p.workers);
    while (mem.load(next) === 0) mem.wait(next, 0, Infinity);
    mem.store(s.flag + ctx.actor, 1);
    mem.notify(s.flag + ctx.actor, 1);
  }
  const [first, second] = p.variant === 'abba' && ctx.actor % 2 === 1 ? [b, a] : [a, b];
  while (!ctx.stopped()) {
    if (p.variant === 'lost-update') {
      mem.store(s.counter, mem.load(s.counter) + 1);
    } else {
      first.lock(ctx.actor);
      second.lock(ctx.actor);
      mem.add(s.counter, 1);
      second.unlock();
      first.unlock();
    }
    ctx.done(1);
    if (p.variant === 'crash' && ctx.actor === 0) throw new Error('bumper 0 gives up');
  }
}

export const schedProbe = defineScenario<P, ProbeState>({
  name: 'sched-probe',
  summary: 'a counter bumped under two locks: the deterministic engine test bench',
  subsystem: 'lab',
  hidden: true,
  params: [{ name: 'workers', type: 'int', default: 2, min: 1, max: 8, help: 'actors' }],
  variants: [
    { name: 'correct', summary: 'atomic add under two locks taken in one order' },
    { name: 'lost-update', summary: 'increment with a load and a store' },
    { name: 'abba', summary: 'odd actors take the locks in the opposite order' },
    { name: 'stale', summary: 'the last actor spins on a flag nobody sets' },
    { name: 'starve', summary: 'the last actor spins, without a pause, on a flag actor 0 sets' },
    { name: 'crash', summary: 'actor 0 throws after its first increment' },
    { name: 'circular-wait', summary: "each actor waits, untimed, for the next one's flag first" },
  ],
  outcomes: [
    { id: 'exact', grade: 'ACCEPTABLE', description: 'the counter holds every increment' },
    { id: 'lost-update', grade: 'FORBIDDEN', description: 'an increment was lost' },
  ],
  counters: [],
  opNames: ['start'],
  validate(p) {
    // The oracle counts workers x ops increments: a duration would leave nothing to compare with.
    if (p.ops < 1) throw new ConfigError('--ops', 'the probe checks a fixed number of increments per actor', 'an op budget of 1 or more (--ops 4)');
  },
  imageBytes: () => 5 * 64,
  actors: (p) => Array<string>(p.workers).fill('bumper'),
  setup: (arena) => ({
    counter: arena.allocWords('probe.counter', 1),
    lockA: arena.allocWords('probe.lockA', 1),
    lockB: arena.allocWords('probe.lockB', 1),
    flag: arena.allocWords('probe.flag', 8),
  }),
  roles: { bumper },
  check({ mem, state: s, params: p }) {
    const want = p.workers * p.ops;
    const got = mem.load(s.counter);
    const exact = got === want;
    return {
      oracles: [{ name: 'counter', violations: exact ? [] : [{ message: `counter is ${got}, expected ${want}`, where: 'probe.counter' }] }],
      outcomes: { [exact ? 'exact' : 'lost-update']: 1 } as Record<string, number>,
    };
  },
});
