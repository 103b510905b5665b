import { describe, expect, it } from 'vitest';
import { bootTest } from './kernel-helpers.js';
import { Buddy, FPI_NONE } from '../src/kernel/buddy.js';
import {
  MAX_NR_ZONES, MIGRATE_ISOLATE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, ZONE_DMA, ZONE_NORMAL,
} from '../src/kernel/mmzone.js';
import type { Zone } from '../src/kernel/zone.js';

/**
 * mm/page_alloc.c (6.6) where a zone or a search ends: page_is_buddy's zone check and
 * move_freepages_block's clamp to the zone at a zone boundary inside a pageblock,
 * __rmqueue_fallback's second search (a MOVABLE request that cannot steal takes the
 * smallest block), buddy_merge_likely's cut-off at MAX_ORDER - 1, merging below
 * pageblock_order whatever the block's type, the mm_page_alloc_extfrag count per zone, and
 * __rmqueue_smallest's own-type search (which the ignore-migratetype variant breaks).
 */
function lists(zone: Zone, mt = MIGRATE_MOVABLE) {
  return (order: number) => {
    const out: number[] = [];
    zone.list.walk(zone.freeList(order, mt), 100, (pfn) => out.push(pfn));
    return out;
  };
}

/**
 * 16M with ZONE_DMA below pfn 2816, so pageblock 2560-3071 straddles the boundary: after
 * boot 2560/o8 is free in DMA and its buddy 2816/o8 free in NORMAL.
 */
function straddling() {
  const { kernel } = bootTest({ mem: 16 * 2 ** 20, dmaLimit: 2816 * 4096, kernelSize: 4096 });
  const dma = kernel.zones[ZONE_DMA];
  const normal = kernel.zones[ZONE_NORMAL];
  expect([dma.zone_start_pfn + dma.spanned_pages, normal.zone_start_pfn]).toEqual([2816, 2816]);
  expect(lists(dma)(8)).toContain(2560);
  expect(lists(normal)(8)).toContain(2816);
  return { kernel, dma, normal };
}

describe('a zone boundary inside a pageblock', () => {
  it('page_is_buddy: a free buddy of the same order in the other zone is not merged with', () => {
    const { kernel, dma, normal } = straddling();
    expect(kernel.buddy.__rmqueue_smallest(normal, 8, MIGRATE_MOVABLE)).toBe(2816);
    kernel.buddy.__free_one_page(normal, 2816, 8, MIGRATE_MOVABLE, FPI_NONE);
    expect(kernel.pages.buddy_order(2816)).toBe(8);
    expect(lists(normal)(8)).toContain(2816);
    expect(lists(dma)(8)).toContain(2560);
    expect(lists(normal)(9)).not.toContain(2560);
  });

  it('move_freepages_block starts at the zone start when the pageblock begins in the zone below', () => {
    const { kernel, dma, normal } = straddling();
    expect(kernel.buddy.move_freepages_block(normal, 2816, MIGRATE_UNMOVABLE)).toEqual([256, 0]);
    expect(lists(normal, MIGRATE_UNMOVABLE)(8)).toEqual([2816]);
    expect(lists(dma)(8)).toContain(2560);
  });

  it('move_freepages_block moves nothing when the pageblock ends past its zone', () => {
    const { kernel, dma } = straddling();
    expect(kernel.buddy.move_freepages_block(dma, 2560, MIGRATE_UNMOVABLE)).toEqual([0, 0]);
    expect(lists(dma)(8)).toContain(2560);
  });

  it("move_freepages_block reaches the pageblock's last page", () => {
    const { kernel, normal } = straddling();
    expect(kernel.buddy.__rmqueue_smallest(normal, 9, MIGRATE_MOVABLE)).toBe(3072);
    kernel.buddy.__free_one_page(normal, 3583, 0, MIGRATE_MOVABLE, FPI_NONE);
    expect(kernel.buddy.move_freepages_block(normal, 3072, MIGRATE_UNMOVABLE)).toEqual([1, 0]);
    expect(lists(normal, MIGRATE_UNMOVABLE)(0)).toEqual([3583]);
  });
});

/** 16M, one zone: after boot the free blocks include 0/o3, 10/o1, 512/o9, 3072/o9 and order-10 1024 and 2048. */
function sixteen() {
  const { kernel } = bootTest({ mem: 16 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
  const zone = kernel.zones[ZONE_NORMAL];
  return { kernel, zone, buddy: kernel.buddy, pages: kernel.pages, list: lists(zone) };
}

describe('buddy_merge_likely stops below MAX_ORDER - 1', () => {
  it('an order-9 block whose buddy at order 10 is free still goes to the head', () => {
    const { zone, buddy, list } = sixteen();
    expect(list(10)).toEqual([1024, 2048]);
    expect(buddy.__rmqueue_smallest(zone, 9, MIGRATE_MOVABLE)).toBe(512);
    // 512's buddy (0) is not free, so no merge; 0's buddy at order 10 (1024) is free, but order 9 is too high to care.
    buddy.__free_one_page(zone, 512, 9, MIGRATE_MOVABLE, FPI_NONE);
    expect(list(9)).toEqual([512, 3072]);
  });
});

describe('__free_one_page merges below pageblock_order whatever the pageblock type', () => {
  it('two order-0 halves of a block in an isolated pageblock merge back into order 1', () => {
    const { zone, buddy, pages, list } = sixteen();
    expect(buddy.__rmqueue_smallest(zone, 1, MIGRATE_MOVABLE)).toBe(10);
    pages.set_pageblock_migratetype(10, MIGRATE_ISOLATE);
    buddy.__free_one_page(zone, 10, 0, MIGRATE_MOVABLE, FPI_NONE);
    buddy.__free_one_page(zone, 11, 0, MIGRATE_MOVABLE, FPI_NONE);
    expect(pages.buddy_order(10)).toBe(1);
    expect(list(1)).toEqual([10]);
    expect(list(0)).not.toContain(11);
  });
});

describe('__rmqueue_fallback: a MOVABLE request that cannot steal takes the smallest fallback', () => {
  /** Only 0/o3 and 10/o1 free, both UNMOVABLE. */
  function twoUnmovable() {
    const s = sixteen();
    for (let o = 0; o <= 10; o++) for (const pfn of s.list(o)) if (pfn !== 0 && pfn !== 10) s.zone.del_page_from_free_list(pfn, o);
    s.zone.move_to_free_list(0, 3, MIGRATE_UNMOVABLE);
    s.zone.move_to_free_list(10, 1, MIGRATE_UNMOVABLE);
    return s;
  }

  it('order 3 is below pageblock_order / 2, so the order-1 block moves, alone, and the order-3 block stays', () => {
    const { zone, buddy, pages, list } = twoUnmovable();
    expect(buddy.__rmqueue_fallback(zone, 0, MIGRATE_MOVABLE)).toBe(true);
    expect(list(1)).toEqual([10]);
    expect(lists(zone, MIGRATE_UNMOVABLE)(3)).toEqual([0]);
    expect(pages.get_pageblock_migratetype(0)).toBe(MIGRATE_MOVABLE);
    expect(buddy.__rmqueue_smallest(zone, 0, MIGRATE_MOVABLE)).toBe(10);
  });

  it('each fallback that finds a block counts one mm_page_alloc_extfrag in its zone', () => {
    const { zone, buddy } = twoUnmovable();
    buddy.__rmqueue_fallback(zone, 0, MIGRATE_MOVABLE);
    expect(buddy.extfrag[zone.nid * MAX_NR_ZONES + zone.idx]).toBe(1);
    expect(buddy.__rmqueue_fallback(zone, 4, MIGRATE_MOVABLE)).toBe(false);
    expect(buddy.extfrag.reduce((a, b) => a + b, 0)).toBe(1);
  });
});

describe('mm_page_alloc_extfrag on the second node', () => {
  it("is counted at nid * MAX_NR_ZONES + the zone's index", () => {
    const { kernel } = bootTest({ nodes: 2, mem: 32 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
    const zone = kernel.zones.find((z) => z.nid === 1 && z.present_pages > 0)!;
    expect(kernel.buddy.__rmqueue(zone, 0, MIGRATE_UNMOVABLE)).toBeGreaterThanOrEqual(0);
    const at = [...kernel.buddy.extfrag].flatMap((n, i) => (n ? [[i, n]] : []));
    expect(at).toEqual([[1 * MAX_NR_ZONES + zone.idx, 1]]);
  });
});

describe('__rmqueue_smallest serves a migrate type from its own lists only', () => {
  it('after boot (every block MOVABLE) an UNMOVABLE request finds nothing without a fallback', () => {
    const { zone, pages } = sixteen();
    expect(new Buddy(pages, false).__rmqueue_smallest(zone, 0, MIGRATE_UNMOVABLE)).toBe(-1);
  });

  it('the ignore-migratetype variant takes the MOVABLE block instead, first from its own type', () => {
    const { zone, pages, list } = sixteen();
    const broken = new Buddy(pages, false, true);
    expect(broken.__rmqueue_smallest(zone, 3, MIGRATE_MOVABLE)).toBe(0);
    expect(broken.__rmqueue_smallest(zone, 0, MIGRATE_UNMOVABLE)).toBe(9);
    expect(list(0)).toEqual([]);
  });

  it('a kernel booted with the variant (page-alloc-stress ignore-migratetype) has the broken buddy, one booted without it the correct one', () => {
    for (const ignoreMigratetype of [true, false]) {
      const { kernel } = bootTest({ mem: 8 * 2 ** 20, dmaLimit: 0, kernelSize: 4096, ignoreMigratetype });
      expect(kernel.buddy.ignoreMigratetype).toBe(ignoreMigratetype);
      expect(kernel.buddy.__rmqueue_smallest(kernel.zones[ZONE_NORMAL], 0, MIGRATE_UNMOVABLE) >= 0).toBe(ignoreMigratetype);
    }
  });

  it('find_suitable_fallback finds nothing where only the asking type has blocks', () => {
    const { zone, buddy } = sixteen();
    expect(zone.nr_free(9)).toBeGreaterThan(0);
    expect(buddy.find_suitable_fallback(zone, 9, MIGRATE_MOVABLE)).toBe(-1);
    expect(buddy.find_suitable_fallback(zone, 9, MIGRATE_RECLAIMABLE)).toBe(MIGRATE_MOVABLE);
  });
});

describe('steal_suitable_fallback: only MOVABLE blocks count unaccounted pages as alike', () => {
  it('RECLAIMABLE from an UNMOVABLE block with 128 free and nothing on the LRU: 128 < 256, the block stays UNMOVABLE', () => {
    const { zone, buddy, pages } = sixteen();
    expect(buddy.__rmqueue_smallest(zone, 9, MIGRATE_MOVABLE)).toBe(512);
    pages.set_pageblock_migratetype(512, MIGRATE_UNMOVABLE);
    buddy.__free_one_page(zone, 896, 7, MIGRATE_UNMOVABLE, FPI_NONE);
    buddy.steal_suitable_fallback(zone, 896, MIGRATE_RECLAIMABLE, true);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_UNMOVABLE);
    expect(lists(zone, MIGRATE_RECLAIMABLE)(7)).toEqual([896]);
  });
});
