import { MemraceError } from '../errors.js';
import type { Mem } from '../shm/mem.js';

/**
 * CRuby's id_table (id_table.c) in the image: open addressing over a power-of-two array of
 * (key, value) items, key = the ID's serial shifted left by one with the low bit as the
 * "collided" flag, probed with growing steps (ix + 1, + 2, + 3, …: quadratic), grown by
 * hash_table_extend when used + used / 2 reaches the capacity (to round_capa(num * 1.5),
 * which also drops the collided tombstones that deletions leave).
 *
 * A table is one word in its owner's record: the items array (0: no table yet), whose
 * word 0 is its capacity, so a reader gets capacity and items in one load. Writers hold
 * the VM lock; readers may not (the serial design walks without it), so an insert stores
 * the value before the key, a delete the value 0 before the key, and a grown table is a
 * new array published by one store. Replaced arrays are not reused (a run makes a few
 * per class; the pool is sized for it and `full` tells the redefiner to stop in time).
 */
export const ID_TABLE_HEADER = 1;
const ITEM_WORDS = 2;

/** round_capa: a power of two, at least 4, above capa * 4/3 or so (CRuby's rounding). */
export function roundCapa(capa: number): number {
  let c = capa >> 2;
  c |= c >> 1;
  c |= c >> 2;
  c |= c >> 4;
  c |= c >> 8;
  c |= c >> 16;
  return (c + 1) << 2;
}

/** id_key_t of a method id: rb_id_to_serial is never 0, which marks an empty item. */
function keyOf(mid: number): number {
  return mid + 1;
}

export interface IdTablePoolRef {
  /** Word 0: the next free word of the pool. */
  header: number;
  base: number;
  words: number;
}

export class IdTables {
  constructor(
    private readonly mem: Mem,
    readonly ref: IdTablePoolRef,
  ) {}

  /** Pool words for `tables` tables of up to `mids` keys (growth steps and a few rehashes each). */
  static poolWords(tables: number, mids: number): number {
    return tables * (8 * ITEM_WORDS * roundCapa(mids + (mids >> 1)) + 16) + 65536;
  }

  /** Fewer than `words` pool words left. */
  full(words: number): boolean {
    return this.mem.load(this.ref.header) + words > this.ref.words;
  }

  /** rb_id_table_lookup: the value for mid in the table whose items word is `tw` (0: none). */
  lookup(tw: number, mid: number): number {
    const mem = this.mem;
    const items = mem.load(tw);
    if (items === 0) return 0;
    const capa = mem.load(items);
    const mask = capa - 1;
    const key = keyOf(mid);
    let ix = key & mask;
    // Stryker disable next-line EqualityOperator: `d < capa` is equivalent: fewer than capa items are ever used (hash_table_extend), so a key is found before the capa-th probe, and a miss there answers what the loop's end does
    for (let d = 1; d <= capa; d++) {
      const k = mem.load(items + ID_TABLE_HEADER + ix * ITEM_WORDS);
      if (k >>> 1 === key) return mem.load(items + ID_TABLE_HEADER + ix * ITEM_WORDS + 1);
      if ((k & 1) === 0) return 0;
      ix = (ix + d) & mask;
    }
    return 0;
  }

  /** hash_table_index: the item of mid, or -1. */
  private index(items: number, key: number): number {
    const mem = this.mem;
    const capa = mem.load(items);
    const mask = capa - 1;
    let ix = key & mask;
    // Stryker disable next-line EqualityOperator: `d < capa` is equivalent: fewer than capa items are ever used (hash_table_extend), so a key is found before the capa-th probe, and a miss there answers what the loop's end does
    for (let d = 1; d <= capa; d++) {
      const k = mem.load(items + ID_TABLE_HEADER + ix * ITEM_WORDS);
      if (k >>> 1 === key) return ix;
      if ((k & 1) === 0) return -1;
      ix = (ix + d) & mask;
    }
    return -1;
  }

  /**
   * rb_id_table_insert (val != 0) or rb_id_table_delete (val == 0) in the table at `tw`,
   * whose entry count and used-slot count are the words `nw` and `uw` (writer only).
   */
  set(tw: number, nw: number, uw: number, mid: number, val: number): void {
    const mem = this.mem;
    const key = keyOf(mid);
    let items = mem.load(tw);
    const ix = items === 0 ? -1 : this.index(items, key);
    if (ix >= 0) {
      const w = items + ID_TABLE_HEADER + ix * ITEM_WORDS;
      if (val !== 0) {
        mem.store(w + 1, val);
        return;
      }
      // hash_delete_index: the key goes, its collided bit stays (probes must go past it).
      const k = mem.load(w);
      mem.store(w + 1, 0);
      mem.store(w, k & 1);
      mem.store(nw, mem.load(nw) - 1);
      if ((k & 1) === 0) mem.store(uw, mem.load(uw) - 1);
      return;
    }
    if (val === 0) return;
    const used = mem.load(uw);
    if (items === 0 || used + (used >> 1) >= mem.load(items)) items = this.extend(tw, nw, uw);
    this.rawInsert(items, uw, key, val);
    mem.store(nw, mem.load(nw) + 1);
  }

  /** hash_table_raw_insert: mark every occupied item passed as collided; value first, then the key. */
  private rawInsert(items: number, uw: number, key: number, val: number): void {
    const mem = this.mem;
    const mask = mem.load(items) - 1;
    let ix = key & mask;
    for (let d = 1; ; d++) {
      const w = items + ID_TABLE_HEADER + ix * ITEM_WORDS;
      const k = mem.load(w);
      if (k <= 1) {
        mem.store(w + 1, val);
        mem.store(w, (key << 1) | k);
        if (k === 0) mem.store(uw, mem.load(uw) + 1);
        return;
      }
      mem.or(w, 1);
      ix = (ix + d) & mask;
    }
  }

  /** hash_table_extend: a new array of round_capa(num * 1.5) with the live items, published by one store. */
  private extend(tw: number, nw: number, uw: number): number {
    const mem = this.mem;
    const old = mem.load(tw);
    const num = mem.load(nw);
    const capa = roundCapa(num + (num >> 1));
    const items = this.alloc(ID_TABLE_HEADER + capa * ITEM_WORDS);
    mem.store(items, capa);
    mem.store(uw, 0);
    if (old !== 0) {
      for (let i = 0, n = mem.load(old); i < n; i++) {
        const w = old + ID_TABLE_HEADER + i * ITEM_WORDS;
        const k = mem.load(w);
        if (k > 1) this.rawInsert(items, uw, k >>> 1, mem.load(w + 1));
      }
    }
    mem.store(tw, items);
    return items;
  }

  private alloc(words: number): number {
    const mem = this.mem;
    const at = mem.load(this.ref.header);
    if (at + words > this.ref.words) throw new MemraceError('E_LAYOUT', `id_table pool is full (${this.ref.words} words)`);
    mem.store(this.ref.header, at + words);
    // The pool starts zeroed and is never reused: the new array is empty.
    return this.ref.base + at;
  }

  /** rb_id_table_foreach: every (mid, value) of the table at `tw`. */
  forEach(tw: number, fn: (mid: number, val: number) => void): void {
    const mem = this.mem;
    const items = mem.load(tw);
    if (items === 0) return;
    for (let i = 0, n = mem.load(items); i < n; i++) {
      const k = mem.load(items + ID_TABLE_HEADER + i * ITEM_WORDS);
      if (k > 1) fn((k >>> 1) - 1, mem.load(items + ID_TABLE_HEADER + i * ITEM_WORDS + 1));
    }
  }

  /** Probes a lookup of mid makes (1: found or ruled out at its home item), for the benchmark's notes. */
  probes(tw: number, mid: number): number {
    const mem = this.mem;
    const items = mem.load(tw);
    if (items === 0) return 0;
    const capa = mem.load(items);
    const key = keyOf(mid);
    let ix = key & (capa - 1);
    // Stryker disable next-line EqualityOperator: `d < capa` is equivalent: fewer than capa items are ever used (hash_table_extend), so a key is found before the capa-th probe, and a miss there answers what the loop's end does
    for (let d = 1; d <= capa; d++) {
      const k = mem.load(items + ID_TABLE_HEADER + ix * ITEM_WORDS);
      if (k >>> 1 === key || (k & 1) === 0) return d;
      ix = (ix + d) & (capa - 1);
    }
    return capa;
  }
}
