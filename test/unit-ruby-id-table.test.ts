import { describe, expect, it } from 'vitest';
import { MemraceError } from '../src/errors.js';
import { ID_TABLE_HEADER, IdTables, roundCapa } from '../src/ruby/id_table.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/** Counts loads, so a probe sequence's length shows (id_table.c stops at the first non-collided item). */
class CountingMem extends AtomicsMem {
  loads = 0;
  override load(i: number): number {
    this.loads++;
    return super.load(i);
  }
}

/** One table (items word, entry count, used-slot count) with a pool of `words` words behind it. */
function table(words = 4096) {
  const arena = Arena.create(1 << 20);
  const mem = new CountingMem(arena.sab);
  const header = arena.allocWords('h', 1);
  const t = new IdTables(mem, { header, base: arena.allocWords('pool', words), words });
  const tw = arena.allocWords('tbl', 4);
  const nw = tw + 1;
  const uw = tw + 2;
  const items = () => mem.load(tw);
  return {
    t, mem, tw, nw, uw, header, items,
    /** A reader's view of an items array `a` that is no longer (or not yet) published: a lookup through a word holding it. */
    lookupIn: (a: number, mid: number) => {
      mem.store(tw + 3, a);
      return t.lookup(tw + 3, mid);
    },
    set: (mid: number, val: number) => t.set(tw, nw, uw, mid, val),
    capa: () => mem.load(items()),
    /** Item i as stored: [key word (id_key << 1 | collided), value]. */
    item: (i: number) => [mem.load(items() + ID_TABLE_HEADER + 2 * i), mem.load(items() + ID_TABLE_HEADER + 2 * i + 1)],
    counts: () => [mem.load(nw), mem.load(uw)],
    pairs: () => {
      const out: number[][] = [];
      t.forEach(tw, (mid, val) => out.push([mid, val]));
      return out;
    },
  };
}

describe("id_table.c's layout: keys, items, the collided bit", () => {
  it('keys a mid as its serial + 1, so mid 0 is stored (key 1 at its home item 1) and an empty item is 0', () => {
    const tb = table();
    tb.set(0, 9);
    expect(tb.capa()).toBe(4);
    expect([0, 1, 2, 3].map(tb.item)).toEqual([[0, 0], [1 << 1, 9], [0, 0], [0, 0]]);
    expect(tb.t.lookup(tb.tw, 0)).toBe(9);
    expect(tb.counts()).toEqual([1, 1]);
    expect(tb.pairs()).toEqual([[0, 9]]);
  });

  it('hash_table_raw_insert: keys 4, 8, 12 share home item 0 of a 4-item table and probe ix+1, then +2; passed items get the collided bit', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(11, 110);
    expect(tb.capa()).toBe(4);
    expect([0, 1, 2, 3].map(tb.item)).toEqual([[(4 << 1) | 1, 30], [(8 << 1) | 1, 70], [0, 0], [12 << 1, 110]]);
    expect(tb.counts()).toEqual([3, 3]);
    expect([3, 7, 11].map((m) => tb.t.lookup(tb.tw, m))).toEqual([30, 70, 110]);
    expect(tb.pairs()).toEqual([[3, 30], [7, 70], [11, 110]]);
    // Probes: found at its 1st, 2nd, 3rd item; key 16 (home 0) passes 0 and 1 and stops at item 3, which no
    // insert passed; key 2's home item 2 is empty: ruled out on the first.
    expect([3, 7, 11, 15, 1].map((m) => tb.t.probes(tb.tw, m))).toEqual([1, 2, 3, 3, 1]);
    expect(tb.t.lookup(tb.tw, 15)).toBe(0);
  });

  it('a lookup stops at the first item without the collided bit: 3 loads (items, capa, one key) for an empty home item', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(11, 110);
    tb.mem.loads = 0;
    expect(tb.t.lookup(tb.tw, 1)).toBe(0);
    expect(tb.mem.loads).toBe(3);
    // Key 12 lies at item 3, which nothing passed: a miss homed there stops at once too.
    tb.mem.loads = 0;
    expect(tb.t.lookup(tb.tw, 14)).toBe(0);
    expect(tb.mem.loads).toBe(3);
    // A hit loads its value as well.
    tb.mem.loads = 0;
    expect(tb.t.lookup(tb.tw, 3)).toBe(30);
    expect(tb.mem.loads).toBe(4);
    // The first probe of key 12 passes two collided items to reach item 3.
    tb.mem.loads = 0;
    expect(tb.t.lookup(tb.tw, 11)).toBe(110);
    expect(tb.mem.loads).toBe(6);
  });

  it('an insert reads only what it needs: 9 loads for a first insert, 9 for a new key whose home item is empty', () => {
    const tb = table();
    tb.mem.loads = 0;
    // items word, used, then hash_table_extend (items, num, the pool's next word), the raw insert (capa, item, used), num.
    tb.set(3, 30);
    expect(tb.mem.loads).toBe(9);
    tb.mem.loads = 0;
    // items word, capa, key 2's empty home item (not found), used, capa (no growth), then the raw insert (capa, item, used), num.
    tb.set(1, 10);
    expect(tb.mem.loads).toBe(9);
    expect(tb.item(2)).toEqual([2 << 1, 10]);
  });

  it('starts without items: lookups, probes, foreach and a delete of an absent table read the items word alone and allocate nothing', () => {
    const tb = table();
    tb.mem.loads = 0;
    expect(tb.t.lookup(tb.tw, 0)).toBe(0);
    expect(tb.t.probes(tb.tw, 0)).toBe(0);
    expect(tb.pairs()).toEqual([]);
    expect(tb.mem.loads).toBe(3);
    tb.set(5, 0);
    expect(tb.items()).toBe(0);
    expect(tb.mem.load(tb.header)).toBe(0);
    expect(tb.counts()).toEqual([0, 0]);
  });
});

describe('rb_id_table_insert over an existing key, rb_id_table_delete', () => {
  it('an insert of a present key overwrites its value in place: same array, same counts (item 0 as well)', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    const items = tb.items();
    tb.set(3, 31);
    tb.set(7, 71);
    expect(tb.items()).toBe(items);
    expect(tb.counts()).toEqual([2, 2]);
    expect([tb.item(0), tb.item(1)]).toEqual([[(4 << 1) | 1, 31], [8 << 1, 71]]);
    expect(tb.pairs()).toEqual([[3, 31], [7, 71]]);
  });

  it('the third key of a chain (item 3, reached by ix + 1 then + 2) is found to overwrite and to delete', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(11, 110);
    tb.set(11, 111);
    expect(tb.counts()).toEqual([3, 3]);
    expect(tb.item(3)).toEqual([12 << 1, 111]);
    tb.set(11, 0);
    expect(tb.item(3)).toEqual([0, 0]);
    expect(tb.counts()).toEqual([2, 2]);
    expect(tb.pairs()).toEqual([[3, 30], [7, 70]]);
  });

  it('hash_delete_index: a non-collided item is emptied (num and used drop); a collided one keeps its bit as a tombstone (used stays)', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(7, 0);
    expect(tb.item(1)).toEqual([0, 0]);
    expect(tb.counts()).toEqual([1, 1]);
    tb.set(7, 70);
    tb.set(3, 0);
    expect(tb.item(0)).toEqual([1, 0]);
    expect(tb.counts()).toEqual([1, 2]);
    expect(tb.t.lookup(tb.tw, 3)).toBe(0);
    expect(tb.t.lookup(tb.tw, 7)).toBe(70);
    expect(tb.pairs()).toEqual([[7, 70]]);
    // A delete of an absent key changes nothing.
    tb.set(11, 0);
    expect(tb.counts()).toEqual([1, 2]);
    expect([0, 1, 2, 3].map(tb.item)).toEqual([[1, 0], [8 << 1, 70], [0, 0], [0, 0]]);
    // Re-inserting key 4 takes its tombstone back: the collided bit stays, used does not grow.
    tb.set(3, 32);
    expect(tb.item(0)).toEqual([(4 << 1) | 1, 32]);
    expect(tb.counts()).toEqual([2, 2]);
  });

  it('an insert into a tombstone on the probe path of another key takes the first free item', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(3, 0);
    // Key 12 (home 0) takes item 0's tombstone, not the empty item 2.
    tb.set(11, 110);
    expect([0, 1, 2].map(tb.item)).toEqual([[(12 << 1) | 1, 110], [8 << 1, 70], [0, 0]]);
    expect(tb.counts()).toEqual([2, 2]);
  });
});

describe('hash_table_extend', () => {
  it('grows when used + used/2 reaches the capacity: the 4th, 7th, 12th and 23rd inserts, to round_capa(num * 1.5)', () => {
    const tb = table();
    const capas: number[] = [];
    for (let mid = 0; mid < 24; mid++) {
      tb.set(mid, mid + 100);
      capas.push(tb.capa());
    }
    expect(capas).toEqual([4, 4, 4, 8, 8, 8, ...Array(5).fill(16), ...Array(11).fill(32), 64, 64]);
    expect(tb.counts()).toEqual([24, 24]);
    expect(tb.pairs()).toEqual(Array.from({ length: 24 }, (_, m) => [m, m + 100]));
    // Every array is one more allocation from the pool: 9 + 17 + 33 + 65 + 129 words.
    expect(tb.mem.load(tb.header)).toBe(9 + 17 + 33 + 65 + 129);
  });

  it('sizes the new array on the live entries and drops the tombstones: 3 used of 4 with 1 live rehashes into 4 again', () => {
    const tb = table();
    tb.set(3, 30);
    tb.set(7, 70);
    tb.set(11, 110);
    tb.set(3, 0);
    tb.set(7, 0);
    expect(tb.counts()).toEqual([1, 3]);
    const old = tb.items();
    tb.set(0, 5);
    expect(tb.items()).not.toBe(old);
    expect(tb.items()).toBe(old + 9);
    expect(tb.capa()).toBe(4);
    // Key 12 back at its home item 0, key 1 at item 1, no tombstone left.
    expect([0, 1, 2, 3].map(tb.item)).toEqual([[12 << 1, 110], [1 << 1, 5], [0, 0], [0, 0]]);
    expect(tb.counts()).toEqual([2, 2]);
    expect(tb.pairs()).toEqual([[11, 110], [0, 5]]);
  });

  it('the old array stays as it was (a reader on it still finds every key); the new one is published by one store', () => {
    const tb = table();
    for (let mid = 0; mid < 3; mid++) tb.set(mid, mid + 1);
    const old = tb.items();
    tb.set(3, 4);
    expect(tb.capa()).toBe(8);
    expect(tb.mem.load(old)).toBe(4);
    for (let mid = 0; mid < 3; mid++) expect([tb.lookupIn(old, mid), tb.t.lookup(tb.tw, mid)]).toEqual([mid + 1, mid + 1]);
    expect([tb.lookupIn(old, 3), tb.t.lookup(tb.tw, 3)]).toEqual([0, 4]);
  });
});

describe('the pool', () => {
  it('poolWords: per table 8 arrays of round_capa(mids * 1.5) items and 16 words, plus 64 Ki words', () => {
    expect(IdTables.poolWords(2, 8)).toBe(2 * (8 * 2 * 16 + 16) + 65536);
    expect(IdTables.poolWords(3, 5)).toBe(3 * (8 * 2 * 8 + 16) + 65536);
    expect(IdTables.poolWords(0, 8)).toBe(65536);
  });

  it('a pool of exactly one 4-item array (9 words) takes the first insert; the grow past it raises E_LAYOUT', () => {
    const tb = table(9);
    expect(tb.t.full(9)).toBe(false);
    expect(tb.t.full(10)).toBe(true);
    tb.set(0, 1);
    expect(tb.mem.load(tb.header)).toBe(9);
    expect(tb.t.full(0)).toBe(false);
    expect(tb.t.full(1)).toBe(true);
    tb.set(1, 2);
    tb.set(2, 3);
    expect(() => tb.set(3, 4)).toThrow(MemraceError);
    expect(() => tb.set(3, 4)).toThrow(expect.objectContaining({ code: 'E_LAYOUT', message: 'id_table pool is full (9 words)' }));
    const small = table(8);
    expect(() => small.set(0, 1)).toThrow('id_table pool is full (8 words)');
    expect(small.mem.load(small.header)).toBe(0);
  });

  it('full(n): fewer than n words left after what was handed out', () => {
    const tb = table(20);
    tb.set(0, 1);
    expect(tb.t.full(11)).toBe(false);
    expect(tb.t.full(12)).toBe(true);
  });

  it('round_capa of large counts keeps doubling (the >> 8 and >> 16 folds)', () => {
    expect([100, 1000, 5000, 70000, 300000].map(roundCapa)).toEqual([128, 1024, 8192, 131072, 524288]);
    expect([1, 2, 5, 31, 32, 33].map(roundCapa)).toEqual([4, 4, 8, 32, 64, 64]);
  });
});
