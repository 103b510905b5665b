import { defineScenario } from 'memrace';

/**
 * A ticket lock in raw Atomics: take a ticket with a fetch-and-add, sleep (Atomics.wait)
 * until it is served, serve the next on unlock. 'load-store-ticket' takes the ticket with
 * a load and a store: two threads can draw the same ticket and enter together, and the
 * ticket they skip is never served.
 */
const ALONE = 0;
const BOTH_INSIDE = 1;

export default defineScenario({
  name: 'ticket-lock',
  summary: 'a ticket lock with Atomics.wait/notify',
  subsystem: 'examples',
  params: [{ name: 'threads', type: 'int', default: 3, min: 1, max: 16, help: 'threads contending for the lock' }],
  omit: ['workers'],
  actorParam: 'threads',
  variants: [
    { name: 'correct', summary: 'Atomics.add draws the ticket' },
    { name: 'load-store-ticket', summary: 'Atomics.load, then Atomics.store of one more, draws the ticket' },
  ],
  outcomes: [
    { id: 'alone', grade: 'ACCEPTABLE', description: 'a thread was alone in its critical section' },
    { id: 'both-inside', grade: 'FORBIDDEN', description: 'two threads were in the critical section at once' },
  ],
  actors: (p) => Array.from({ length: p.threads }, () => 'thread'),
  setup: (arena) => ({ next: arena.allocWords('next', 1), serving: arena.allocWords('serving', 1), inside: arena.allocWords('inside', 1) }),
  roles: {
    thread(ctx) {
      const { next, serving, inside } = ctx.state;
      const i32 = ctx.i32;
      while (!ctx.stopped()) {
        let ticket;
        if (ctx.params.variant === 'load-store-ticket') {
          ticket = Atomics.load(i32, next);
          Atomics.store(i32, next, ticket + 1);
        } else {
          ticket = Atomics.add(i32, next, 1);
        }
        // A timed wait: a thread stopped mid-run must not sleep on a ticket nobody will serve.
        for (let now; (now = Atomics.load(i32, serving)) !== ticket;) {
          if (ctx.stopFlag()) return;
          Atomics.wait(i32, serving, now, 100);
        }
        ctx.outcome(Atomics.add(i32, inside, 1) === 0 ? ALONE : BOTH_INSIDE);
        Atomics.sub(i32, inside, 1);
        Atomics.add(i32, serving, 1);
        Atomics.notify(i32, serving);
        ctx.done(1);
      }
    },
  },
});
