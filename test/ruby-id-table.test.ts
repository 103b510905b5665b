import { describe, expect, it } from 'vitest';
import { IdTables, roundCapa } from '../src/ruby/id_table.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/** One table: its items word and two counter words, with a pool behind it. */
function table(): { t: IdTables; mem: AtomicsMem; tw: number; nw: number; uw: number } {
  const arena = Arena.create(1 << 20);
  const mem = new AtomicsMem(arena.sab);
  const words = 4096;
  const t = new IdTables(mem, { header: arena.allocWords('h', 1), base: arena.allocWords('pool', words), words });
  const tw = arena.allocWords('tbl', 3);
  return { t, mem, tw, nw: tw + 1, uw: tw + 2 };
}

describe("id_table (CRuby's id_table.c)", () => {
  it('round_capa: powers of two from 4, as CRuby rounds', () => {
    expect([0, 3, 4, 6, 7, 8, 12, 16, 24].map(roundCapa)).toEqual([4, 4, 8, 8, 8, 16, 16, 32, 32]);
  });

  it('starts without items; the first insert makes a 4-slot table (hash_table_extend from capa 0)', () => {
    const { t, mem, tw, nw, uw } = table();
    expect(t.lookup(tw, 5)).toBe(0);
    t.set(tw, nw, uw, 5, 42);
    expect(mem.load(mem.load(tw))).toBe(4);
    expect(t.lookup(tw, 5)).toBe(42);
    expect(mem.load(nw)).toBe(1);
  });

  it('colliding keys probe ix + 1, + 2, …; the passed items get the collided bit, which a delete leaves behind', () => {
    const { t, mem, tw, nw, uw } = table();
    // Keys (mid + 1) 4, 8, 12 all hash to item 0 of a 4- or 8-slot table.
    t.set(tw, nw, uw, 3, 30);
    t.set(tw, nw, uw, 7, 70);
    const items = mem.load(tw);
    const key = (i: number) => mem.load(items + 1 + 2 * i);
    expect(key(0)).toBe((4 << 1) | 1);
    expect(key(1)).toBe(8 << 1);
    expect(t.probes(tw, 7)).toBe(2);
    t.set(tw, nw, uw, 3, 0);
    expect(key(0)).toBe(1);
    // The tombstone keeps the probe going to key 8.
    expect(t.lookup(tw, 7)).toBe(70);
    expect(t.lookup(tw, 3)).toBe(0);
    // Re-inserting key 4 reuses its tombstone without counting a used slot.
    const used = mem.load(uw);
    t.set(tw, nw, uw, 3, 31);
    expect(t.lookup(tw, 3)).toBe(31);
    expect(mem.load(uw)).toBe(used);
  });

  it('grows when used + used/2 reaches the capacity and keeps every entry; deletes and overwrites in place', () => {
    const { t, mem, tw, nw, uw } = table();
    const capas = new Set<number>();
    for (let mid = 0; mid < 40; mid++) {
      t.set(tw, nw, uw, mid * 3, mid + 100);
      capas.add(mem.load(mem.load(tw)));
    }
    expect([...capas]).toEqual([4, 8, 16, 32, 64]);
    for (let mid = 0; mid < 40; mid++) expect(t.lookup(tw, mid * 3)).toBe(mid + 100);
    expect(t.lookup(tw, 1)).toBe(0);
    t.set(tw, nw, uw, 9, 7);
    expect(t.lookup(tw, 9)).toBe(7);
    for (let mid = 0; mid < 40; mid += 2) t.set(tw, nw, uw, mid * 3, 0);
    expect(mem.load(nw)).toBe(20);
    const seen: number[] = [];
    t.forEach(tw, (mid) => seen.push(mid));
    expect(seen.length).toBe(20);
    expect(seen.every((m) => (m / 3) % 2 === 1)).toBe(true);
  });

  it('insert/delete churn never loses an entry and stays inside its pool (rehash drops the tombstones)', () => {
    const { t, tw, nw, uw } = table();
    const live = new Map<number, number>();
    let seed = 7;
    for (let i = 0; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const mid = seed % 48;
      const val = live.has(mid) && seed % 3 === 0 ? 0 : i + 1;
      t.set(tw, nw, uw, mid, val);
      if (val === 0) live.delete(mid);
      else live.set(mid, val);
    }
    for (let mid = 0; mid < 48; mid++) expect(t.lookup(tw, mid)).toBe(live.get(mid) ?? 0);
    expect(t.full(1)).toBe(false);
  });
});
