import { describe, expect, it } from 'vitest';
import { bootTest } from './kernel-helpers.js';
import { Buddy, FPI_NONE, FPI_TO_TAIL } from '../src/kernel/buddy.js';
import {
  MIGRATE_HIGHATOMIC, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, ZONE_NORMAL,
} from '../src/kernel/mmzone.js';
import { PG_lru } from '../src/kernel/page.js';

/**
 * mm/page_alloc.c (6.6) at its boundaries: steal_suitable_fallback's claim of a whole
 * pageblock (`free_pages + alike_pages >= 1 << (pageblock_order - 1)`, 256 of 512 pages),
 * __rmqueue_fallback's search order, __free_one_page's refusal to merge an isolated or
 * highatomic pageblock with another type, and buddy_merge_likely's tail placement.
 *
 * One node of 8M, all ZONE_NORMAL (see buddy.test.ts): after boot pfn 512 and 1024 are free
 * order-9 MOVABLE blocks; pageblock 1536 holds 1536/o8, 1792/o7, 1920/o6, 1984/o5 and the
 * memmap in 2016-2047.
 */
function small() {
  const { kernel } = bootTest({ mem: 8 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
  const zone = kernel.zones[ZONE_NORMAL];
  const { buddy, pages } = kernel;
  const list = (order: number, mt: number) => {
    const out: number[] = [];
    zone.list.walk(zone.freeList(order, mt), 100, (pfn) => out.push(pfn));
    return out;
  };
  const free = (pfn: number, order: number, mt = MIGRATE_MOVABLE, fpi = FPI_NONE) => buddy.__free_one_page(zone, pfn, order, mt, fpi);
  const lru = (from: number, n: number) => {
    for (let q = from; q < from + n; q++) pages.set(q, PG_lru);
  };
  /** Pageblock 512 allocated whole (taken off the order-9 list), then shaped by the caller. */
  const takeBlock512 = () => expect(buddy.__rmqueue_smallest(zone, 9, MIGRATE_MOVABLE)).toBe(512);
  return { kernel, zone, buddy, pages, list, free, lru, takeBlock512 };
}

describe('steal_suitable_fallback: the whole pageblock is claimed at 256 free or alike pages, not 255', () => {
  it('UNMOVABLE from a MOVABLE block: alike = 512 - (free + movable); 256 free and 256 on the LRU claims it', () => {
    const { zone, buddy, pages, list, free, lru, takeBlock512 } = small();
    takeBlock512();
    lru(512, 256);
    free(768, 8);
    buddy.steal_suitable_fallback(zone, 768, MIGRATE_UNMOVABLE, true);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_UNMOVABLE);
    expect(list(8, MIGRATE_UNMOVABLE)).toEqual([768]);
    expect(list(8, MIGRATE_MOVABLE)).toEqual([256, 1536]);
  });

  it('UNMOVABLE from a MOVABLE block: 128 free, 257 on the LRU, 127 other pages: 255 alike or free, the block stays MOVABLE', () => {
    const { zone, buddy, pages, list, free, lru, takeBlock512 } = small();
    takeBlock512();
    lru(512, 257);
    free(896, 7);
    buddy.steal_suitable_fallback(zone, 896, MIGRATE_UNMOVABLE, true);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_MOVABLE);
    // The free pages moved all the same (move_freepages_block ran): the request takes one of them.
    expect(list(7, MIGRATE_UNMOVABLE)).toEqual([896]);
  });

  it('UNMOVABLE from a MOVABLE block: 128 free, 256 on the LRU: 128 + 128 alike = 256 claims it', () => {
    const { zone, buddy, pages, free, lru, takeBlock512 } = small();
    takeBlock512();
    lru(512, 256);
    free(896, 7);
    buddy.steal_suitable_fallback(zone, 896, MIGRATE_UNMOVABLE, true);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_UNMOVABLE);
  });

  it('MOVABLE from an UNMOVABLE block: alike = the LRU pages; 128 free + 128 claims it, 128 + 127 does not', () => {
    for (const [onLru, claimed] of [[128, true], [127, false]] as const) {
      const { zone, buddy, pages, list, free, lru, takeBlock512 } = small();
      takeBlock512();
      pages.set_pageblock_migratetype(512, MIGRATE_UNMOVABLE);
      lru(512, onLru);
      free(896, 7, MIGRATE_UNMOVABLE);
      buddy.steal_suitable_fallback(zone, 896, MIGRATE_MOVABLE, true);
      expect(pages.get_pageblock_migratetype(512)).toBe(claimed ? MIGRATE_MOVABLE : MIGRATE_UNMOVABLE);
      expect(list(7, MIGRATE_MOVABLE)).toEqual([128, 1792, 896]); // moved to the tail
    }
  });

  it('RECLAIMABLE from an UNMOVABLE block: nothing counts as alike, so 256 free claims it and 128 free with 384 on the LRU does not', () => {
    for (const [order, claimed] of [[8, true], [7, false]] as const) {
      const { zone, buddy, pages, free, lru, takeBlock512 } = small();
      takeBlock512();
      pages.set_pageblock_migratetype(512, MIGRATE_UNMOVABLE);
      lru(512, 512 - (1 << order));
      free(1024 - (1 << order), order, MIGRATE_UNMOVABLE);
      buddy.steal_suitable_fallback(zone, 1024 - (1 << order), MIGRATE_RECLAIMABLE, true);
      expect(pages.get_pageblock_migratetype(512)).toBe(claimed ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE);
    }
  });

  it('whole_block false: only the one free block moves; the others and the block type stay', () => {
    const { zone, buddy, pages, list } = small();
    // Pageblock 1536: 1536/o8, 1792/o7, 1920/o6, 1984/o5, all MOVABLE.
    buddy.steal_suitable_fallback(zone, 1792, MIGRATE_UNMOVABLE, false);
    expect(pages.get_pageblock_migratetype(1536)).toBe(MIGRATE_MOVABLE);
    expect([list(8, MIGRATE_UNMOVABLE), list(7, MIGRATE_UNMOVABLE), list(6, MIGRATE_UNMOVABLE)]).toEqual([[], [1792], []]);
    expect(list(8, MIGRATE_MOVABLE)).toEqual([256, 1536]);
  });

  it('whole_block true: every free block of the pageblock moves with it (move_freepages_block), and 480 free claims it', () => {
    const { zone, buddy, pages, list } = small();
    buddy.steal_suitable_fallback(zone, 1792, MIGRATE_UNMOVABLE, true);
    expect(pages.get_pageblock_migratetype(1536)).toBe(MIGRATE_UNMOVABLE);
    expect([8, 7, 6, 5].map((o) => list(o, MIGRATE_UNMOVABLE))).toEqual([[1536], [1792], [1920], [1984]]);
    expect(list(5, MIGRATE_MOVABLE)).toEqual([32]);
  });

  it('a highatomic block is never claimed: the one free block moves, the type stays (is_migrate_highatomic)', () => {
    const { zone, buddy, pages, list } = small();
    pages.set_pageblock_migratetype(1536, MIGRATE_HIGHATOMIC);
    buddy.steal_suitable_fallback(zone, 1792, MIGRATE_UNMOVABLE, true);
    expect(pages.get_pageblock_migratetype(1536)).toBe(MIGRATE_HIGHATOMIC);
    expect([list(8, MIGRATE_UNMOVABLE), list(7, MIGRATE_UNMOVABLE)]).toEqual([[], [1792]]);
  });

  it('a block of pageblock_order changes its own pageblock only (change_pageblock_range over 1 << (order - 9) blocks)', () => {
    const { zone, buddy, pages, list } = small();
    buddy.steal_suitable_fallback(zone, 512, MIGRATE_UNMOVABLE, false);
    expect([pages.get_pageblock_migratetype(512), pages.get_pageblock_migratetype(1024)]).toEqual([MIGRATE_UNMOVABLE, MIGRATE_MOVABLE]);
    expect([list(9, MIGRATE_UNMOVABLE), list(9, MIGRATE_MOVABLE)]).toEqual([[512], [1024]]);
  });

  it('an order-10 block changes both its pageblocks, at pfn and pfn + 512, and no other', () => {
    const { kernel } = bootTest({ mem: 16 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
    const zone = kernel.zones[ZONE_NORMAL];
    const { buddy, pages } = kernel;
    const p = zone.list.first(zone.freeList(10, MIGRATE_MOVABLE));
    expect(p).toBeGreaterThanOrEqual(1024);
    buddy.steal_suitable_fallback(zone, p, MIGRATE_UNMOVABLE, false);
    const types = [p - 512, p, p + 512, p + 1024].map((q) => pages.get_pageblock_migratetype(q));
    expect(types).toEqual([MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, MIGRATE_UNMOVABLE, MIGRATE_MOVABLE]);
  });

  it('page_group_by_mobility_disabled claims the block whatever the counts', () => {
    const { zone, pages, free, lru, takeBlock512 } = small();
    const disabled = new Buddy(pages, true);
    takeBlock512();
    pages.set_pageblock_migratetype(512, MIGRATE_UNMOVABLE);
    lru(512, 384);
    free(896, 7, MIGRATE_UNMOVABLE);
    disabled.steal_suitable_fallback(zone, 896, MIGRATE_RECLAIMABLE, true);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_RECLAIMABLE);
  });

  it('move_freepages_block counts LRU pages among the allocated ones only, and returns [moved, movable]', () => {
    const { zone, buddy, free, lru, takeBlock512 } = small();
    takeBlock512();
    lru(512, 100);
    free(768, 8);
    expect(buddy.move_freepages_block(zone, 800, MIGRATE_UNMOVABLE)).toEqual([256, 100]);
    // The last pageblock ends at pfn 2047 inside the zone (the memmap is reserved, not outside it).
    expect(buddy.move_freepages_block(zone, 2000, MIGRATE_UNMOVABLE)).toEqual([480, 0]);
  });
});

describe('can_steal_fallback and find_suitable_fallback', () => {
  it('at pageblock_order and above anyone steals; below, UNMOVABLE and RECLAIMABLE always, MOVABLE from order 4', () => {
    const { buddy, pages } = small();
    expect([9, 10].map((o) => buddy.can_steal_fallback(o, MIGRATE_MOVABLE))).toEqual([true, true]);
    expect([3, 4, 8].map((o) => buddy.can_steal_fallback(o, MIGRATE_MOVABLE))).toEqual([false, true, true]);
    expect([0, 0].map((o, k) => buddy.can_steal_fallback(o, [MIGRATE_UNMOVABLE, MIGRATE_RECLAIMABLE][k]))).toEqual([true, true]);
    expect(new Buddy(pages, true).can_steal_fallback(0, MIGRATE_MOVABLE)).toBe(true);
  });

  it('takes the fallbacks in fallbacks[] order: UNMOVABLE tries RECLAIMABLE before MOVABLE at the same order', () => {
    const { zone, buddy } = small();
    buddy.steal_suitable_fallback(zone, 1024, MIGRATE_RECLAIMABLE, false);
    expect(buddy.find_suitable_fallback(zone, 9, MIGRATE_UNMOVABLE)).toBe(MIGRATE_RECLAIMABLE);
    expect(buddy.find_suitable_fallback(zone, 9, MIGRATE_RECLAIMABLE)).toBe(MIGRATE_MOVABLE);
    expect(buddy.find_suitable_fallback(zone, 10, MIGRATE_UNMOVABLE)).toBe(-1);
    expect(buddy.find_suitable_fallback(zone, 9, MIGRATE_MOVABLE)).toBe(MIGRATE_RECLAIMABLE);
  });
});

describe('__rmqueue_fallback', () => {
  it('searches from the largest order down and stops at the request order: order 5 finds the order-5 block, order 6 nothing', () => {
    const { zone, buddy, pages, list } = small();
    // Leave only 1984/o5 on a free list: take everything else off.
    for (let o = 0; o <= 10; o++) for (const pfn of list(o, MIGRATE_MOVABLE)) if (pfn !== 1984) zone.del_page_from_free_list(pfn, o);
    expect(zone.nr_free(5)).toBe(1);
    expect(buddy.__rmqueue_fallback(zone, 6, MIGRATE_UNMOVABLE)).toBe(false);
    expect(buddy.__rmqueue_fallback(zone, 5, MIGRATE_UNMOVABLE)).toBe(true);
    // 32 free, and the 480 taken pages are not on the LRU, so all count as alike for UNMOVABLE: claimed.
    expect(pages.get_pageblock_migratetype(1984)).toBe(MIGRATE_UNMOVABLE);
    expect(buddy.__rmqueue_smallest(zone, 5, MIGRATE_UNMOVABLE)).toBe(1984);
  });

  it('a RECLAIMABLE order-9 block beats a MOVABLE one for UNMOVABLE; a bigger MOVABLE block beats a smaller RECLAIMABLE one', () => {
    const { zone, buddy, pages } = small();
    buddy.steal_suitable_fallback(zone, 1024, MIGRATE_RECLAIMABLE, false);
    expect(buddy.__rmqueue(zone, 0, MIGRATE_UNMOVABLE)).toBe(1024);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_MOVABLE);
    const s = small();
    s.buddy.steal_suitable_fallback(s.zone, 1984, MIGRATE_RECLAIMABLE, false);
    expect(s.buddy.__rmqueue(s.zone, 0, MIGRATE_UNMOVABLE)).toBe(512);
  });
});

describe('__free_one_page: merging at pageblock_order, and where the merged block goes', () => {
  /** 16M: a free order-10 block taken whole, so P and P + 512 are order-9 buddies the test frees. */
  function pair(mtLow: number, mtHigh: number) {
    const { kernel } = bootTest({ mem: 16 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
    const zone = kernel.zones[ZONE_NORMAL];
    const { buddy, pages } = kernel;
    const p = buddy.__rmqueue_smallest(zone, 10, MIGRATE_MOVABLE);
    expect(p).toBeGreaterThanOrEqual(0);
    pages.set_pageblock_migratetype(p, mtLow);
    pages.set_pageblock_migratetype(p + 512, mtHigh);
    const before = zone.nr_free(10);
    buddy.__free_one_page(zone, p, 9, mtLow, FPI_NONE);
    buddy.__free_one_page(zone, p + 512, 9, mtHigh, FPI_NONE);
    return { merged: zone.nr_free(10) - before === 1, order: pages.buddy_order(p) };
  }

  it('merges two pcp types (MOVABLE and UNMOVABLE) and two isolated blocks into order 10', () => {
    expect(pair(MIGRATE_MOVABLE, MIGRATE_UNMOVABLE)).toEqual({ merged: true, order: 10 });
    expect(pair(MIGRATE_ISOLATE, MIGRATE_ISOLATE)).toEqual({ merged: true, order: 10 });
  });

  it('refuses to merge an isolated or highatomic pageblock with another type, from either side', () => {
    expect(pair(MIGRATE_MOVABLE, MIGRATE_ISOLATE)).toEqual({ merged: false, order: 9 });
    expect(pair(MIGRATE_ISOLATE, MIGRATE_MOVABLE)).toEqual({ merged: false, order: 9 });
    expect(pair(MIGRATE_HIGHATOMIC, MIGRATE_UNMOVABLE)).toEqual({ merged: false, order: 9 });
    expect(pair(MIGRATE_UNMOVABLE, MIGRATE_HIGHATOMIC)).toEqual({ merged: false, order: 9 });
  });

  it('puts a block whose buddy at the next order is free at the tail (buddy_merge_likely), else at the head', () => {
    const { zone, buddy, list, free } = small();
    const take = (order: number) => buddy.__rmqueue_smallest(zone, order, MIGRATE_MOVABLE);
    expect([take(2), take(3), take(2)]).toEqual([12, 0, 16]); // 16/o4 split: 20/o2 and 24/o3 free
    // 12's buddy at order 2 is the reserved 8, and 8's buddy at order 3 (0) is taken: no merge likely, head.
    free(12, 2);
    expect(list(2, MIGRATE_MOVABLE)).toEqual([12, 20]);
    expect(take(2)).toBe(12);
    free(0, 3); // its buddy 8 is reserved, and 16 (0's buddy at order 4) is taken: head
    expect(list(3, MIGRATE_MOVABLE)).toEqual([0, 24]);
    // Now 8's buddy at order 3 is the free 0/o3: a merge is likely, so 12 goes to the tail.
    free(12, 2);
    expect(list(2, MIGRATE_MOVABLE)).toEqual([20, 12]);
    expect([buddy.__rmqueue_smallest(zone, 0, MIGRATE_MOVABLE), buddy.__rmqueue_smallest(zone, 0, MIGRATE_MOVABLE)]).toEqual([9, 10]);
    // 9's buddy is the reserved 8 and 10 is taken: no merge is likely, but FPI_TO_TAIL puts it behind 11 all the same.
    free(9, 0, MIGRATE_MOVABLE, FPI_TO_TAIL);
    expect(list(0, MIGRATE_MOVABLE)).toEqual([11, 9]);
    // At order 9 and above no merge is called likely (order >= MAX_ORDER - 1): 512 goes back to the head.
    expect(take(9)).toBe(512);
    free(512, 9);
    expect(list(9, MIGRATE_MOVABLE)).toEqual([512, 1024]);
  });
});
