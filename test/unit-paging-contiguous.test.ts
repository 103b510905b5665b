import { describe, expect, it } from 'vitest';
import { ContiguousAllocator, type Fit } from '../src/paging/contiguous.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * Variable partitions (src/paging/contiguous.ts) hole by hole: each fit's choice among
 * equal and near sizes, next fit's rover and wrap, every merge case of a release, a full
 * hole table, compaction, the audit's messages, and no word written outside the
 * allocator's own header and hole table (two allocators share the image).
 */
const HOLES = 8;

function two(size = 100) {
  const arena = Arena.create(2 * ContiguousAllocator.bytes(HOLES));
  const mem = new AtomicsMem(arena.sab);
  const other = ContiguousAllocator.create(arena, mem, 'other', 50, HOLES);
  const ref = ContiguousAllocator.create(arena, mem, 'c', size, HOLES);
  const a = new ContiguousAllocator(mem, ref, 0);
  const snapshot = () => [...mem.i32].filter((_, w) => !(w >= ref.header && w < ref.header + 16) && !(w >= ref.holes && w < ref.holes + 2 * HOLES));
  const before = snapshot();
  const holes = () => Array.from({ length: a.holeCount() }, (_, i) => [a.holeStart(i), a.holeSize(i)]);
  return { arena, mem, a, holes, other, untouched: () => expect(snapshot()).toEqual(before) };
}

/** Partitions [0,10) [10,20) [20,30) [30,40) taken first fit; [0,10) and [20,30) given back. */
function gaps() {
  const t = two();
  expect([10, 10, 10, 10].map((n) => t.a.alloc(n, 'first'))).toEqual([0, 10, 20, 30]);
  expect([t.a.free(0, 10), t.a.free(20, 10)]).toEqual([true, true]);
  expect(t.holes()).toEqual([[0, 10], [20, 10], [40, 60]]);
  return t;
}

describe('variable partitions, hole by hole', () => {
  it('starts as one hole of the whole memory, in regions of its own name', () => {
    const { a, holes, arena, other, untouched } = two();
    expect(holes()).toEqual([[0, 100]]);
    expect(a.audit()).toEqual([]);
    expect(arena.region('c.header').bytes).toBe(64);
    expect(arena.region('c.holes').bytes).toBe(2 * HOLES * 4);
    expect(other.size).toBe(50);
    untouched();
  });

  it('first fit takes the lowest hole that fits; best the smallest, the lowest of equals; worst the largest', () => {
    const { a, holes, untouched } = gaps();
    const pick = (n: number, fit: Fit) => {
      const at = a.alloc(n, fit);
      expect(a.free(at, n)).toBe(true);
      return at;
    };
    expect([pick(8, 'first'), pick(11, 'first'), pick(8, 'best'), pick(10, 'best'), pick(11, 'best'), pick(8, 'worst')]).toEqual([0, 40, 0, 0, 40, 40]);
    expect(a.searched).toBe(3);
    expect(holes()).toEqual([[0, 10], [20, 10], [40, 60]]);
    expect(a.alloc(61, 'best')).toBe(-1);
    expect(a.alloc(61, 'first')).toBe(-1);
    expect(a.searched).toBe(3);
    untouched();
  });

  it('worst fit takes the lowest of two equal largest holes; an exact fit removes the hole', () => {
    const { a, holes } = two();
    expect([a.alloc(30, 'first'), a.alloc(10, 'first'), a.alloc(30, 'first'), a.alloc(10, 'first')]).toEqual([0, 30, 40, 70]);
    a.free(0, 30);
    expect(holes()).toEqual([[0, 30], [80, 20]]);
    a.free(40, 30);
    expect(a.alloc(30, 'worst')).toBe(0);
    expect(holes()).toEqual([[40, 30], [80, 20]]);
  });

  it('next fit resumes at the first hole at or after where the last allocation ended, and wraps', () => {
    const { a, holes, untouched } = gaps();
    // the rover is at 40, where [30,40) ended
    expect(a.alloc(5, 'next')).toBe(40);
    expect(a.alloc(10, 'next')).toBe(45);
    expect(a.alloc(46, 'next')).toBe(-1);
    expect(a.searched).toBe(3);
    expect(a.alloc(10, 'next')).toBe(55);
    expect(holes()).toEqual([[0, 10], [20, 10], [65, 35]]);
    a.free(55, 10);
    // rover at 65: hole [55, 45) starts before it, so the search starts past the end and wraps
    expect(a.alloc(40, 'next')).toBe(55);
    expect(a.alloc(3, 'next')).toBe(95);
    expect(a.alloc(3, 'next')).toBe(0); // rover at 98: no hole starts at or after it
    expect(a.alloc(3, 'first')).toBe(3);
    expect(holes()).toEqual([[6, 4], [20, 10], [98, 2]]);
    untouched();
  });

  it('a release merges with the hole below, the hole above, both, or neither, and says false when the hole table is full', () => {
    const { a, holes, untouched } = gaps();
    a.alloc(60, 'first'); // [40, 100): memory ends in a partition
    expect(holes()).toEqual([[0, 10], [20, 10]]);
    expect(a.free(10, 5)).toBe(true); // below
    expect(holes()).toEqual([[0, 15], [20, 10]]);
    expect(a.free(35, 5)).toBe(true); // above? no: [30, 35) is still taken
    expect(holes()).toEqual([[0, 15], [20, 10], [35, 5]]);
    expect(a.free(15, 5)).toBe(true); // both
    expect(holes()).toEqual([[0, 30], [35, 5]]);
    expect(a.free(30, 5)).toBe(true);
    expect(holes()).toEqual([[0, 40]]);
    expect(a.free(60, 10)).toBe(true); // neither
    expect(a.free(50, 5)).toBe(true); // neither, before it
    expect(a.free(90, 10)).toBe(true);
    expect(holes()).toEqual([[0, 40], [50, 5], [60, 10], [90, 10]]);
    expect(a.free(80, 10)).toBe(true); // above only
    expect(holes()).toEqual([[0, 40], [50, 5], [60, 10], [80, 20]]);
    for (const s of [41, 43, 45, 47]) expect(a.free(s, 1)).toBe(true);
    expect(a.holeCount()).toBe(HOLES);
    expect(a.free(57, 1)).toBe(false);
    expect(holes()).toEqual([[0, 40], [41, 1], [43, 1], [45, 1], [47, 1], [50, 5], [60, 10], [80, 20]]);
    expect(a.audit()).toEqual([]);
    untouched();
  });

  it('compaction moves only what is out of place, in address order, and leaves one hole at the top (none when memory is full)', () => {
    const { a, holes, untouched } = two();
    expect([a.alloc(10, 'first'), a.alloc(20, 'first'), a.alloc(30, 'first')]).toEqual([0, 10, 30]);
    a.free(10, 20);
    const moves: number[][] = [];
    const starts = Int32Array.of(30, 0);
    const sizes = Int32Array.of(30, 10);
    expect(a.compactLocked(starts, sizes, 2, (k, from, to, n) => moves.push([k, from, to, n]))).toBe(30);
    expect(moves).toEqual([[0, 30, 10, 30]]);
    expect(holes()).toEqual([[40, 60]]);
    expect(a.alloc(5, 'next')).toBe(40);
    expect(a.alloc(55, 'first')).toBe(45);
    expect(a.compactLocked(Int32Array.of(40, 0, 45, 10), Int32Array.of(5, 10, 55, 30), 4, () => moves.push([]))).toBe(0);
    expect(moves.length).toBe(1);
    expect(a.holeCount()).toBe(0);
    expect(a.freeUnits()).toBe(0);
    untouched();
  });

  it('audit names an empty hole, one outside memory, two out of order, two that touch', () => {
    const { a, mem } = two();
    const set = (i: number, s: number, z: number) => {
      mem.store(a.ref.holes + 2 * i, s);
      mem.store(a.ref.holes + 2 * i + 1, z);
    };
    mem.store(a.ref.header + 1, 2);
    set(0, 0, 10);
    set(1, 20, 0);
    expect(a.audit().map((v) => v.message)).toEqual(['hole 1 at 20 has size 0']);
    set(1, 95, 6);
    expect(a.audit().map((v) => v.message)).toEqual(['hole 1 [95, 101) lies outside memory of 100']);
    set(1, 95, 5);
    set(0, -1, 3);
    expect(a.audit().map((v) => v.message)).toEqual(['hole 0 [-1, 2) lies outside memory of 100']);
    set(0, 0, 96);
    expect(a.audit()).toEqual([{ message: 'holes 0 and 1 overlap or are out of order', where: 'hole 1' }]);
    set(0, 0, 95);
    expect(a.audit()).toEqual([{ message: 'holes 0 and 1 touch but were not merged', where: 'hole 1' }]);
    set(0, 0, 94);
    expect(a.audit()).toEqual([]);
  });
});
