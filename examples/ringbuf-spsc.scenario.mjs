import { RingBuffer } from 'ringbuf.js';
import { defineScenario } from 'memrace';

/**
 * ringbuf.js's wait-free single-producer single-consumer ring, unmodified: its own
 * Atomics calls on its own SharedArrayBuffer are what the explorer schedules. Each
 * producer pushes (producer, sequence) one element at a time; the consumer pops and checks
 * that every producer's sequence arrives whole and in order. 'two-producers' breaks the
 * ring's contract on purpose: it is single-producer.
 */
const IN_ORDER = 0;
const LOST_OR_REORDERED = 1;
const SEQ_BITS = 20;

export default defineScenario({
  name: 'ringbuf-spsc',
  summary: "ringbuf.js's SPSC ring: every element arrives once and in order",
  subsystem: 'examples',
  params: [{ name: 'capacity', type: 'int', default: 4, min: 1, max: 1 << 16, help: 'ring capacity in elements' }],
  omit: ['workers'],
  variants: [
    { name: 'correct', summary: 'one producer, one consumer, as the ring requires' },
    { name: 'two-producers', summary: 'two producers push into the single-producer ring' },
  ],
  outcomes: [
    { id: 'in-order', grade: 'ACCEPTABLE', description: 'an element arrived in its producer\'s order' },
    { id: 'lost-or-reordered', grade: 'FORBIDDEN', description: 'an element arrived out of its producer\'s order (one was lost or overwritten)' },
  ],
  counters: ['pushed'],
  actors: (p) => (p.variant === 'two-producers' ? ['producer', 'producer', 'consumer'] : ['producer', 'consumer']),
  setup: (arena, _mem, p, roles) => ({
    ring: RingBuffer.getStorageForCapacity(p.capacity, Int32Array),
    done: arena.allocWords('producers.done', 1),
    producers: roles.filter((r) => r === 'producer').length,
  }),
  roles: {
    producer(ctx) {
      const ring = new RingBuffer(ctx.state.ring, Int32Array);
      const one = new Int32Array(1);
      let seq = 0;
      while (!ctx.stopped()) {
        one[0] = (ctx.actor << SEQ_BITS) | seq;
        if (ring.push(one) === 1) {
          seq++;
          ctx.count(0);
          ctx.done(1);
        }
      }
      Atomics.add(ctx.i32, ctx.state.done, 1);
    },
    consumer(ctx) {
      const ring = new RingBuffer(ctx.state.ring, Int32Array);
      const one = new Int32Array(1);
      const expect = new Map();
      for (;;) {
        if (ring.pop(one) === 1) {
          const from = one[0] >> SEQ_BITS;
          const seq = one[0] & ((1 << SEQ_BITS) - 1);
          const want = expect.get(from) ?? 0;
          ctx.outcome(seq === want ? IN_ORDER : LOST_OR_REORDERED);
          expect.set(from, seq + 1);
          ctx.done(1);
        } else if (Atomics.load(ctx.i32, ctx.state.done) === ctx.state.producers && ring.empty()) {
          return Object.fromEntries(expect);
        }
      }
    },
  },
  check({ state, results, roles, counter }) {
    const got = results[roles.indexOf('consumer')] ?? {};
    const violations = [];
    roles.forEach((r, a) => {
      if (r !== 'producer') return;
      const pushed = counter(a, 'pushed');
      if ((got[a] ?? 0) !== pushed) violations.push({ message: `producer ${a} pushed ${pushed} elements, the consumer received ${got[a] ?? 0} of them` });
    });
    return { oracles: [{ name: 'every element delivered', violations }], notes: [`ring of ${state.ring.byteLength} bytes`] };
  },
});
