import { describe, expect, it } from 'vitest';
import { Arena, LINE_WORDS } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { Shootdown, VARIANT_NO_SHOOTDOWN, createShootdown } from '../src/paging/shootdown.js';
import { Tlb, createTlbs } from '../src/paging/tlb.js';

/**
 * The TLB shootdown's protocol (src/paging/shootdown.ts) driven step by step on one thread:
 * the initiator posts a request and rings the target's doorbell, the target (served here
 * after the initiator returns) flushes the posted range and acknowledges. The initiator
 * waits for that ack, so each test posts its ack first and clears it before the target
 * serves: the request words are what the initiator published, the ack what the target wrote.
 */
const HIGH = 2 ** 32 + 3;

function machine(cpus: number, variant = 0) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const tref = createTlbs(arena, mem, cpus, 32);
  const ref = createShootdown(arena, cpus);
  const tlbs = Array.from({ length: cpus }, (_, c) => new Tlb(mem, tref, c));
  const sds = tlbs.map((t, c) => new Shootdown(mem, ref, c, t, variant));
  for (const t of tlbs) {
    for (let v = 0; v < 10; v++) t.insert(1, v, 0x1000 + v);
    t.insert(2, 3, 0x2003);
    t.insert(1, HIGH, 0x3000);
  }
  const request = (src: number, dst: number) => ref.requests + (src * cpus + dst) * LINE_WORDS;
  const words = (src: number, dst: number) => [...mem.i32.subarray(request(src, dst), request(src, dst) + 6)];
  const bell = (c: number) => mem.load(ref.doorbells + c * LINE_WORDS);
  const ack = (src: number, dst: number, v: number) => mem.store(request(src, dst) + 1, v);
  const cached = (t: Tlb) => [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].filter((v) => t.lookup(1, v) !== 0);
  return { mem, tlbs, sds, words, bell, ack, cached };
}

describe('TLB shootdown protocol', () => {
  it('posts seq, asid, range and page count to each CPU of the mask but itself, rings only their doorbells, and the target flushes just that range', () => {
    const { tlbs, sds, words, bell, ack, cached } = machine(3);
    ack(0, 1, 1);
    sds[0].flush(1, 3, 2, 0b011);
    expect(cached(tlbs[0])).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
    // [seq, ack, asid, start lo, start hi, pages]
    expect(words(0, 1)).toEqual([1, 1, 1, 3, 0, 2]);
    expect(words(0, 2)).toEqual([0, 0, 0, 0, 0, 0]);
    expect([bell(0), bell(1), bell(2)]).toEqual([0, 1, 0]);
    expect(sds[0].stats).toMatchObject({ initiated: 1, sent: 1 });
    ack(0, 1, 0);
    sds[2].serve();
    sds[1].serve();
    expect(words(0, 1)[1]).toBe(1);
    expect(cached(tlbs[1])).toEqual([0, 1, 2, 5, 6, 7, 8, 9]);
    expect(tlbs[1].lookup(2, 3)).toBe(0x2003);
    expect(cached(tlbs[2])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([sds[1].stats.served, sds[2].stats.served]).toEqual([1, 0]);
    sds[1].serve();
    expect(sds[1].stats.served).toBe(1);
  });

  it('numbers each request, carries a start above 2^32 in two words, and serves only what is not yet acknowledged', () => {
    const { tlbs, sds, words, ack } = machine(2);
    ack(0, 1, 1);
    sds[0].flush(1, 0, 1, 0b11);
    ack(0, 1, 2);
    sds[0].flush(1, HIGH, 1, 0b11);
    expect(words(0, 1)).toEqual([2, 2, 1, 3, 1, 1]);
    ack(0, 1, 1);
    sds[1].serve();
    expect(tlbs[1].lookup(1, HIGH)).toBe(0);
    expect(tlbs[1].lookup(1, 0)).toBe(0x1000);
    expect(words(0, 1)[1]).toBe(2);
  });

  it('sends nothing when the mask holds only itself, or in the no-shootdown variant, and still flushes its own TLB', () => {
    for (const [variant, mask] of [
      [0, 0b01],
      [VARIANT_NO_SHOOTDOWN, 0b11],
    ]) {
      const { tlbs, sds, words, bell, cached } = machine(2, variant);
      sds[0].flush(1, 0, 2, mask);
      expect(cached(tlbs[0])).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      expect(words(0, 1)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(bell(1)).toBe(0);
      expect(sds[0].stats).toMatchObject({ initiated: 0, sent: 0 });
    }
  });

  it('drains: counts itself done and returns once every CPU has', () => {
    const { mem, sds } = machine(2);
    const done = mem.i32.length - 1;
    mem.store(done, 1);
    sds[1].drain(done, 2);
    expect(mem.load(done)).toBe(2);
  });
});
