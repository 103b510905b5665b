import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM } from '../src/errors.js';
import { MAX_VMAS, MM_NVMA, MM_VMAS, MM_WORDS, VMA_WORDS, Vmas } from '../src/paging/mm.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The VMA list of one mm (src/paging/mm.ts's Vmas), on its own: kept sorted and disjoint,
 * split as __split_vma, the gap as get_unmapped_area's bottom-up search, and every word it
 * writes inside its own slot. The slot under test sits between two others.
 */
function list() {
  const mem = new AtomicsMem(new SharedArrayBuffer(3 * MM_WORDS * 4));
  const v = new Vmas(mem, MM_WORDS);
  // the words just before the list are the page table's header in an mm: not VMAs
  mem.store(MM_WORDS + MM_VMAS - 4, 1000);
  mem.store(MM_WORDS + MM_VMAS - 3, 1000);
  const all = () => Array.from({ length: v.count() }, (_, i) => [v.start(i), v.end(i), v.prot(i), v.flags(i)]);
  const outside = () => [...mem.i32.subarray(0, MM_WORDS), ...mem.i32.subarray(MM_WORDS + MM_VMAS - 4, MM_WORDS + MM_VMAS), ...mem.i32.subarray(2 * MM_WORDS)].filter((w) => w !== 0 && w !== 1000).length;
  return { mem, v, all, outside };
}

function three() {
  const l = list();
  expect([l.v.insert(10, 12, 3, 0), l.v.insert(2, 4, 1, 2), l.v.insert(6, 8, 1, 1)]).toEqual([0, 0, 0]);
  return l;
}

describe('the VMA list', () => {
  it('inserts in order of start, refuses an empty or inverted range (-EINVAL) and a 17th VMA (-ENOMEM)', () => {
    const { v, all, outside } = three();
    expect(all()).toEqual([[2, 4, 1, 2], [6, 8, 1, 1], [10, 12, 3, 0]]);
    expect(v.insert(5, 5, 1, 0)).toBe(-EINVAL);
    expect(v.insert(5, 4, 1, 0)).toBe(-EINVAL);
    expect(v.insert(4, 5, 1, 0)).toBe(0);
    expect(v.insert(5, 6, 1, 0)).toBe(0);
    expect(all().map((r) => r[0])).toEqual([2, 4, 5, 6, 10]);
    for (let i = 5; i < MAX_VMAS; i++) expect(v.insert(100 + i, 101 + i, 1, 0)).toBe(0);
    expect(v.count()).toBe(MAX_VMAS);
    expect(v.insert(1, 2, 1, 0)).toBe(-ENOMEM);
    expect(v.audit()).toEqual([]);
    expect(outside()).toBe(0);
  });

  it('finds the VMA holding a vpn (start in, end out), says whether a range overlaps (touching is not), and ignores entries past the count', () => {
    const { v, mem } = three();
    expect([1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12].map((p) => v.find(p))).toEqual([-1, 0, 0, -1, -1, 1, 1, -1, 2, 2, -1]);
    expect([v.overlaps(4, 6), v.overlaps(8, 10), v.overlaps(4, 7), v.overlaps(7, 11), v.overlaps(0, 2), v.overlaps(12, 20)]).toEqual([false, false, true, true, false, false]);
    mem.store(v.base + MM_NVMA, 2); // [10, 12) stays in its words, no longer listed
    expect([v.find(10), v.overlaps(10, 11)]).toEqual([-1, false]);
  });

  it('gap: the lowest hole of `pages` at or above `from` that ends by `limit`, a hole exactly the size included', () => {
    const { v } = three();
    expect(v.gap(2, 0, 30)).toBe(0);
    expect(v.gap(3, 0, 30)).toBe(12);
    expect(v.gap(2, 4, 30)).toBe(4);
    expect(v.gap(2, 3, 30)).toBe(4);
    expect(v.gap(1, 9, 30)).toBe(9);
    expect(v.gap(2, 9, 30)).toBe(12);
    expect(v.gap(18, 5, 30)).toBe(12);
    expect(v.gap(19, 5, 30)).toBe(-1);
    expect(v.gap(1, 12, 12)).toBe(-1);
    v.remove(10, 12); // its words stay behind the count
    expect(v.gap(3, 9, 30)).toBe(9);
  });

  it('split cuts VMAs at both ends, keeps their prot and flags, does nothing at a boundary or in a hole, and refuses past MAX_VMAS', () => {
    const { v, all } = three();
    expect(v.split(6, 8)).toBe(0);
    expect(v.split(4, 5)).toBe(0);
    expect(all()).toEqual([[2, 4, 1, 2], [6, 8, 1, 1], [10, 12, 3, 0]]);
    expect(v.split(3, 11)).toBe(0);
    expect(all()).toEqual([[2, 3, 1, 2], [3, 4, 1, 2], [6, 8, 1, 1], [10, 11, 3, 0], [11, 12, 3, 0]]);
    for (let i = 5; i < MAX_VMAS - 1; i++) expect(v.insert(100 + 4 * i, 102 + 4 * i, 1, 0)).toBe(0);
    expect(v.split(7, 8)).toBe(0);
    expect(v.count()).toBe(MAX_VMAS);
    expect(v.split(121, 122)).toBe(-ENOMEM);
    expect(v.split(120, 122)).toBe(0);
    expect(v.audit()).toEqual([]);
  });

  it('remove, protect and resize act on whole VMAs inside the range only; copyTo gives another mm the same list', () => {
    const { v, all, mem, outside } = three();
    v.protect(5, 12, 7);
    expect(all()).toEqual([[2, 4, 1, 2], [6, 8, 7, 1], [10, 12, 7, 0]]);
    v.protect(3, 9, 5);
    expect(all().map((r) => r[2])).toEqual([1, 5, 7]);
    v.resize(4, 5);
    expect(all()[0]).toEqual([2, 5, 1, 2]);
    v.remove(6, 11);
    expect(all()).toEqual([[2, 5, 1, 2], [10, 12, 7, 0]]);
    mem.store(v.base + MM_VMAS + 2 * VMA_WORDS, 10); // the stale third entry now looks inside the range
    v.remove(9, 13);
    expect(all()).toEqual([[2, 5, 1, 2]]);
    v.remove(0, 20);
    expect(v.count()).toBe(0);
    const a = three();
    const child = new Vmas(a.mem, 2 * MM_WORDS);
    a.v.copyTo(child);
    expect(child.count()).toBe(3);
    expect([child.start(2), child.end(2), child.prot(2), child.flags(2)]).toEqual([10, 12, 3, 0]);
    expect(outside()).toBe(0);
  });

  it('audit names an empty or inverted VMA and two that overlap or are out of order', () => {
    const { v, mem } = three();
    const w = (i: number, f: number, x: number) => mem.store(v.base + MM_VMAS + i * VMA_WORDS + f, x);
    w(1, 1, 6);
    expect(v.audit()).toEqual([{ message: 'VMA 1 is empty or inverted: [6, 6)' }]);
    w(1, 1, 11);
    expect(v.audit()).toEqual([{ message: 'VMAs 1 and 2 overlap or are out of order' }]);
    w(1, 1, 10);
    w(0, 1, 7);
    expect(v.audit()).toEqual([{ message: 'VMAs 0 and 1 overlap or are out of order' }]);
    w(0, 0, 9);
    expect(v.audit()).toEqual([{ message: 'VMA 0 is empty or inverted: [9, 7)' }, { message: 'VMAs 0 and 1 overlap or are out of order' }]);
  });
});
