import { describe, expect, it } from 'vitest';
import { ENOBUFS, ENOENT } from '../src/errors.js';
import { Ring, RingZcData } from '../src/dpdk/ring.js';
import { CONS_MODES, PROD_MODES, RING_F_EXACT_SZ, ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

function makeRing(count: number, flags: number, esize = 4) {
  const arena = Arena.create(1 << 20);
  const mem = new AtomicsMem(arena.sab);
  return Ring.create(arena, mem, 't', count, flags, { esize });
}

const seq = (n: number, from = 1) => Int32Array.from({ length: n }, (_, i) => from + i);

describe('rte_ring sizes', () => {
  it('has capacity count - 1 without EXACT_SZ (DPDK: one slot stays empty)', () => {
    const r = makeRing(1024, 0);
    expect(r.get_size()).toBe(1024);
    expect(r.get_capacity()).toBe(1023);
    expect(r.enqueue_bulk(seq(1023), 1023)).toBe(1023);
    expect(r.full()).toBe(true);
    expect(r.enqueue(7)).toBe(-ENOBUFS);
  });

  it('rounds the storage up to align32pow2(count + 1) and holds exactly count with EXACT_SZ', () => {
    const r = makeRing(1000, RING_F_EXACT_SZ);
    expect(r.get_size()).toBe(1024);
    expect(r.get_capacity()).toBe(1000);
    expect(r.enqueue_burst(seq(1200), 1200)).toBe(1000);
    expect(r.count()).toBe(1000);
    const r2 = makeRing(1024, RING_F_EXACT_SZ);
    expect(r2.get_size()).toBe(2048);
    expect(r2.get_capacity()).toBe(1024);
  });

  it('takes what rte_ring_get_memsize_elem says: sizeof(struct rte_ring), six lines, then the slots', () => {
    // lib/ring/rte_ring_core.h: the constants' line, a guard line, prod, a guard, cons, a guard
    // (RTE_CACHE_GUARD_LINES 1, 64-byte lines): 384 bytes before ring[0] on x86-64.
    expect(Ring.memsize(1024, 0)).toBe(384 + 4 * 1024);
    expect(Ring.memsize(1024, 0, 16)).toBe(384 + 16 * 1024);
    expect(Ring.memsize(1000, RING_F_EXACT_SZ)).toBe(384 + 4 * 1024);
  });

  it('rejects counts that rte_ring_init rejects, naming the field', () => {
    expect(() => Ring.checkCount(1000, 0, '--count')).toThrow(/--count: 1000 is not a power of two/);
    expect(() => Ring.checkCount(0, 0, '--count')).toThrow(/--count/);
    expect(() => Ring.checkCount(2 ** 31, 0, '--count')).toThrow(/--count/);
    expect(() => Ring.checkCount(1000, RING_F_EXACT_SZ)).not.toThrow();
    expect(() => Ring.checkCount(8, 0, 'count', 6)).toThrow(/esize/);
  });
});

describe.each(PROD_MODES.flatMap((p) => CONS_MODES.map((c) => [p, c] as const)))('rte_ring %s/%s', (prod, cons) => {
  it('is FIFO; bulk is all-or-nothing, burst takes what fits, with free_space and available', () => {
    const r = makeRing(16, ringFlags(prod, cons));
    expect(r.empty()).toBe(true);
    expect(r.enqueue_bulk(seq(10), 10)).toBe(10);
    expect(r.free_space).toBe(5);
    expect(r.enqueue_bulk(seq(6, 100), 6)).toBe(0);
    expect(r.free_space).toBe(5);
    expect(r.enqueue_burst(seq(6, 100), 6)).toBe(5);
    expect(r.free_space).toBe(0);
    expect(r.count()).toBe(15);
    const out = new Int32Array(32);
    expect(r.dequeue_bulk(out, 20)).toBe(0);
    expect(r.dequeue_bulk(out, 4)).toBe(4);
    expect(r.available).toBe(11);
    expect([...out.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
    expect(r.dequeue_burst(out, 32)).toBe(11);
    expect([...out.subarray(0, 11)]).toEqual([5, 6, 7, 8, 9, 10, 100, 101, 102, 103, 104]);
    expect(r.dequeue(out)).toBe(-ENOENT);
    expect(r.audit()).toEqual([]);
  });

  it('wraps its unsigned 32-bit indices (starting just below 2^32)', () => {
    const r = makeRing(8, ringFlags(prod, cons));
    r.reset(0xffff_fffa);
    const out = new Int32Array(8);
    let next = 0;
    let expectNext = 0;
    for (let round = 0; round < 10; round++) {
      const batch = Int32Array.from({ length: 5 }, () => next++);
      expect(r.enqueue_bulk(batch, 5)).toBe(5);
      expect(r.count()).toBe(5);
      expect(r.dequeue_bulk(out, 5)).toBe(5);
      for (let i = 0; i < 5; i++) expect(out[i]).toBe(expectNext++);
    }
    expect(r.prod.tail()).toBe((0xffff_fffa + 50) >>> 0);
    expect(r.audit()).toEqual([]);
  });
});

describe('rte_ring elements and peek', () => {
  it('copies multi-word elements (esize 8) whole', () => {
    const r = makeRing(8, ringFlags('MP', 'MC'), 8);
    expect(r.enqueue_bulk(Int32Array.of(1, -1, 2, -2, 3, -3), 3)).toBe(3);
    const out = new Int32Array(6);
    expect(r.dequeue_bulk(out, 3)).toBe(3);
    expect([...out]).toEqual([1, -1, 2, -2, 3, -3]);
  });

  it('peeks with dequeue_bulk_start and puts back what dequeue_finish does not take (SC and HTS)', () => {
    for (const cons of ['SC', 'MT_HTS'] as const) {
      const r = makeRing(8, ringFlags('SP', cons));
      r.enqueue_bulk(seq(4), 4);
      const out = new Int32Array(4);
      expect(r.dequeue_bulk_start(out, 3)).toBe(3);
      expect([...out.subarray(0, 3)]).toEqual([1, 2, 3]);
      r.dequeue_finish(1);
      expect(r.count()).toBe(3);
      expect(r.dequeue_burst(out, 4)).toBe(3);
      expect([...out.subarray(0, 3)]).toEqual([2, 3, 4]);
    }
  });

  it('refuses peek on an MC ring', () => {
    const r = makeRing(8, ringFlags('MP', 'MC'));
    expect(() => r.dequeue_bulk_start(new Int32Array(1), 1)).toThrow(/SC or MT_HTS consumer/);
  });

  it('hands out zero-copy slots in two runs across the wrap', () => {
    const r = makeRing(8, ringFlags('SP', 'SC'));
    r.reset(6);
    const zc = new RingZcData();
    expect(r.enqueue_zc_bulk_start(4, zc)).toBe(4);
    expect(zc.n1).toBe(2);
    const mem = (r as unknown as { mem: AtomicsMem }).mem;
    mem.write(zc.slot1, 10);
    mem.write(zc.slot1 + 1, 11);
    mem.write(zc.slot2, 12);
    mem.write(zc.slot2 + 1, 13);
    r.enqueue_zc_finish(4);
    const out = new Int32Array(4);
    expect(r.dequeue_bulk(out, 4)).toBe(4);
    expect([...out]).toEqual([10, 11, 12, 13]);
  });

  it('dumps the fields rte_ring_dump prints', () => {
    const r = makeRing(16, ringFlags('MP', 'MC'));
    r.enqueue_bulk(seq(3), 3);
    expect(r.dump()).toMatch(/size=16\n  capacity=15\n  ct=0\n  ch=0\n  pt=3\n  ph=3\n  used=3\n  avail=12/);
  });
});
