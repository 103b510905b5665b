import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { FLUSH_CEILING, Tlb, createTlbs, eatDemand, eatFormula } from '../src/paging/tlb.js';

function tlbs(entries: number, cpus = 1) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const ref = createTlbs(arena, mem, cpus, entries);
  return { mem, ref, tlb: new Tlb(mem, ref, 0) };
}

describe('TLB', () => {
  it('hits what it holds, tagged by ASID, so a context switch needs no flush', () => {
    const { tlb } = tlbs(4);
    tlb.insert(1, 0x403, 0x1234);
    tlb.insert(2, 0x403, 0x5678);
    expect(tlb.lookup(1, 0x403)).toBe(0x1234);
    expect(tlb.lookup(2, 0x403)).toBe(0x5678);
    expect(tlb.lookup(3, 0x403)).toBe(0);
    expect(tlb.hits).toBe(2);
    expect(tlb.misses).toBe(1);
    expect(tlb.hitRatio()).toBeCloseTo(2 / 3);
  });

  it('replaces the least recently used entry when full', () => {
    const { tlb } = tlbs(3);
    tlb.insert(1, 10, 0x10);
    tlb.insert(1, 11, 0x11);
    tlb.insert(1, 12, 0x12);
    tlb.lookup(1, 10); // 11 is now the least recent
    tlb.insert(1, 13, 0x13);
    expect(tlb.lookup(1, 11)).toBe(0);
    expect(tlb.lookup(1, 10)).toBe(0x10);
    expect(tlb.lookup(1, 12)).toBe(0x12);
    expect(tlb.lookup(1, 13)).toBe(0x13);
  });

  it('refills an entry in place instead of caching a page twice', () => {
    const { tlb, mem, ref } = tlbs(4);
    tlb.insert(1, 10, 0x10);
    tlb.insert(1, 10, 0x11);
    expect(tlb.lookup(1, 10)).toBe(0x11);
    expect(Tlb.audit(mem, ref)).toEqual([]);
  });

  it('flushes a range page by page up to the ceiling (33, as Linux), the whole ASID beyond', () => {
    const { tlb } = tlbs(64);
    for (let v = 0; v < 40; v++) tlb.insert(1, v, v + 1);
    tlb.insert(2, 5, 99);
    tlb.flushRange(1, 5, 2);
    expect(tlb.lookup(1, 5)).toBe(0);
    expect(tlb.lookup(1, 6)).toBe(0);
    expect(tlb.lookup(1, 7)).toBe(8);
    expect(tlb.lookup(2, 5)).toBe(99);
    tlb.flushRange(1, 0, FLUSH_CEILING + 1);
    expect(tlb.lookup(1, 39)).toBe(0);
    expect(tlb.lookup(2, 5)).toBe(99);
  });

  it('handles vpns beyond 32 bits (four-level address spaces)', () => {
    const { tlb } = tlbs(4);
    tlb.insert(1, 2 ** 35 + 3, 7);
    expect(tlb.lookup(1, 3)).toBe(0);
    expect(tlb.lookup(1, 2 ** 35 + 3)).toBe(7);
  });
});

describe('effective access time', () => {
  it('follows the textbook: a = 0.8, e = 0.2 gives 1.2 * 0.8 + 2.2 * 0.2 = 1.4 (= 2 + e - a)', () => {
    expect(eatFormula(0.8, 0.2)).toBeCloseTo(1.4);
    expect(eatFormula(0.98, 0.2)).toBeCloseTo(2 + 0.2 - 0.98);
  });

  it('demand paging: p = 0.001, 200 ns access, 8 ms fault gives about 8.2 µs', () => {
    expect(eatDemand(0.001, 200, 8_000_000)).toBeCloseTo(8199.8);
  });
});
