import { describe, expect, it } from 'vitest';
import { Ring } from '../src/dpdk/ring.js';
import { HT_HEAD, RING_F_EXACT_SZ, R_CONS, R_PROD, VARIANT_NO_TAIL_WAIT, VARIANT_PLAIN_TAIL, ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem, type Mem } from '../src/shm/mem.js';
import { Rng } from '../src/runtime/rng.js';

/**
 * An SP/SC, MP/MC or mixed ring on a raw port takes the straight path (ring_straight.ts); on
 * any other port it goes through HeadTail and the port's methods. The two must be
 * indistinguishable: the same counts, the same free_space/available, the same objects out,
 * and the same words in the image after every call.
 */
function pair(count: number, flags: number, variant = 0) {
  const make = (raw: boolean) => {
    const arena = Arena.create(1 << 16);
    const atomics = new AtomicsMem(arena.sab);
    // The same port with `raw` hidden: every access through its methods.
    const mem: Mem = raw ? atomics : Object.create(atomics, { raw: { value: undefined } });
    const ring = Ring.create(arena, mem, 't', count, flags, { variant });
    const base = ring.ref.base;
    return { ring, words: () => Array.from(atomics.i32.subarray(base, base + Ring.memsize(count, flags) / 4)) };
  };
  return [make(true), make(false)] as const;
}

describe('the straight path', () => {
  it('is taken only for a correct SP/SC, MP/MC or mixed ring of one-word elements on a raw port', () => {
    const straight = (r: Ring) => (r as unknown as { straight: unknown }).straight !== null;
    const [raw, ported] = pair(64, ringFlags('SP', 'SC'));
    expect(straight(raw.ring)).toBe(true);
    expect(straight(ported.ring)).toBe(false);
    expect(straight(pair(64, ringFlags('MP', 'SC'))[0].ring)).toBe(true);
    expect(straight(pair(64, ringFlags('SP', 'MC'))[0].ring)).toBe(true);
    expect(straight(pair(64, ringFlags('MP', 'MC'))[0].ring)).toBe(true);
    expect(straight(pair(64, ringFlags('MT_RTS', 'MC'))[0].ring)).toBe(false);
    expect(straight(pair(64, ringFlags('SP', 'MT_HTS'))[0].ring)).toBe(false);
    expect(straight(pair(64, ringFlags('SP', 'SC'), VARIANT_PLAIN_TAIL)[0].ring)).toBe(false);
    expect(straight(pair(64, ringFlags('MP', 'MC'), VARIANT_NO_TAIL_WAIT)[0].ring)).toBe(false);
    const arena = Arena.create(1 << 16);
    expect(straight(Ring.create(arena, new AtomicsMem(arena.sab), 'w', 64, ringFlags('SP', 'SC'), { esize: 8 }))).toBe(false);
  });

  for (const [count, flags, what] of [
    [16, ringFlags('SP', 'SC'), 'power-of-two SP/SC ring'],
    [13, ringFlags('SP', 'SC') | RING_F_EXACT_SZ, 'SP/SC ring with EXACT_SZ'],
    [16, ringFlags('MP', 'MC'), 'power-of-two MP/MC ring'],
    [13, ringFlags('MP', 'MC') | RING_F_EXACT_SZ, 'MP/MC ring with EXACT_SZ'],
    [16, ringFlags('MP', 'SC'), 'MP/SC ring'],
    [16, ringFlags('SP', 'MC'), 'SP/MC ring'],
  ] as const) {
    it(`matches the ported path call for call on a ${what} (bulk and burst, wrapping)`, () => {
      const [a, b] = pair(count, flags);
      const rng = new Rng(7);
      const objs = Int32Array.from({ length: 40 }, (_, i) => 1000 + i);
      const outA = new Int32Array(40);
      const outB = new Int32Array(40);
      for (let step = 0; step < 2000; step++) {
        const n = rng.below(20);
        const off = rng.below(8);
        const op = rng.below(4);
        let ga: number, gb: number;
        if (op === 0) { ga = a.ring.enqueue_bulk(objs, n, off); gb = b.ring.enqueue_bulk(objs, n, off); }
        else if (op === 1) { ga = a.ring.enqueue_burst(objs, n, off); gb = b.ring.enqueue_burst(objs, n, off); }
        else if (op === 2) { ga = a.ring.dequeue_bulk(outA, n, off); gb = b.ring.dequeue_bulk(outB, n, off); }
        else { ga = a.ring.dequeue_burst(outA, n, off); gb = b.ring.dequeue_burst(outB, n, off); }
        expect(ga, `step ${step}`).toBe(gb);
        expect([a.ring.free_space, a.ring.available]).toEqual([b.ring.free_space, b.ring.available]);
        expect(outA).toEqual(outB);
        expect(a.words()).toEqual(b.words());
        objs[rng.below(40)] = step;
      }
      expect(a.ring.count()).toBe(b.ring.count());
    });
  }

  it('leaves the other side\'s tail, as it read it, for the idle sleep', () => {
    const [a] = pair(16, ringFlags('SP', 'SC'));
    const one = Int32Array.of(5);
    a.ring.enqueue_burst(one, 1);
    expect(a.ring.dequeue_burst(one, 1)).toBe(1);
    expect(a.ring.dequeue_burst(one, 1)).toBe(0);
    expect(a.ring.cons.otherTailSeen).toBe(1);
    expect(a.ring.prod.otherTailSeen).toBe(0);
  });

  for (const side of ['MP', 'MC'] as const) {
    it(`${side}: reserves after an unpublished earlier reservation, copies, then waits for its tail before publishing`, () => {
      const arena = Arena.create(1 << 16);
      const mem = new AtomicsMem(arena.sab);
      const ring = Ring.create(arena, mem, 'w', 16, ringFlags('MP', 'MC'));
      expect(ring.enqueue_bulk(Int32Array.of(1, 2, 3, 4), 4)).toBe(4);
      // Thread A reserved two slots (its head CAS) and was preempted before its tail store.
      const headW = ring.ref.base + (side === 'MP' ? R_PROD : R_CONS) + HT_HEAD;
      Atomics.add(mem.i32, headW, 2);
      // B's waiting is HeadTail.waitTurn's: its first pause shows that B waits.
      class Waited extends Error {}
      const ht = side === 'MP' ? ring.prod : ring.cons;
      Object.assign(ht, { mem: Object.assign(Object.create(mem), { pause: () => { throw new Waited(); } }) });
      const before = [ring.count(), ring.free_count()];
      if (side === 'MP') expect(() => ring.enqueue_bulk(Int32Array.of(7, 8), 2)).toThrow(Waited);
      else expect(() => ring.dequeue_bulk(new Int32Array(2), 2)).toThrow(Waited);
      expect([ring.count(), ring.free_count()]).toEqual(before); // nothing published past A
      expect(Atomics.load(mem.i32, headW)).toBe(side === 'MP' ? 8 : 4); // B's CAS moved the head past A's
      expect(ht.stats.spins).toBe(1);
    });
  }

  it('MP: a producer that read the head before another producer\'s whole enqueue fails its CAS and takes the next slots', () => {
    const arena = Arena.create(1 << 16);
    const mem = new AtomicsMem(arena.sab);
    const ring = Ring.create(arena, mem, 'cas', 16, ringFlags('MP', 'MC'));
    const other = new Ring(new AtomicsMem(arena.sab), ring.ref);
    // A wait for the tail (a head taken twice) throws instead of sleeping for ever.
    Object.assign(ring.prod, { mem: Object.assign(Object.create(mem), { pause: () => { throw new Error('waited for a tail'); } }) });
    // The straight path's only call between its head read and its CAS is the Atomics.load of
    // the consumer tail: the other producer's whole enqueue runs there, once.
    const load = Atomics.load;
    let preempt: (() => void) | null = () => expect(other.enqueue_bulk(Int32Array.of(3, 4), 2)).toBe(2);
    Atomics.load = ((ta: Int32Array, i: number) => {
      const hook = preempt;
      preempt = null;
      hook?.();
      return load(ta, i);
    }) as typeof Atomics.load;
    try {
      expect(ring.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
    } finally {
      Atomics.load = load;
    }
    expect(ring.stats.casRetries).toBe(1);
    const out = new Int32Array(4);
    expect(ring.dequeue_bulk(out, 4)).toBe(4);
    expect(Array.from(out)).toEqual([3, 4, 1, 2]);
  });
});
