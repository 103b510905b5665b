import { describe, expect, it } from 'vitest';
import { MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import {
  NR_PCP_LISTS, P_COUNT, P_FREE_FACTOR, S_PCP_DRAIN, order_to_pindex, pcp_allowed_order, pindex_to_order,
} from '../src/kernel/pcp.js';
import { MiB, bootTest } from './kernel-helpers.js';

/**
 * mm/page_alloc.c (6.6) per-CPU pagesets at their boundaries: which orders they hold,
 * nr_pcp_free's doubling and clamps, free_high, free_pcppages_bulk's round-robin (the list
 * named first, emptying one list before the next), a refill of
 * max(batch >> order, 2), an empty zone, and a drain of an empty pageset.
 *
 * 64M, one zone: batch 3, high 306 (pcp.test.ts).
 */
function setup() {
  const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0 });
  const zone = kernel.zones[ZONE_NORMAL];
  const pcp = kernel.pageset(0, ZONE_NORMAL);
  const mem = kernel.mem;
  const onList = (pindex: number) => {
    const out: number[] = [];
    pcp.list.walk(pcp.listHead(pindex), 1000, (pfn) => out.push(pfn));
    return out;
  };
  /** Take `n` blocks of `order` straight from the buddy (the zone's free count follows). */
  const take = (order: number, n: number) => Array.from({ length: n }, () => kernel.buddy.rmqueue_buddy(zone, order, MIGRATE_MOVABLE, 0));
  return { kernel, zone, pcp, mem, onList, take };
}

describe('pcp_allowed_order', () => {
  it('orders up to PAGE_ALLOC_COSTLY_ORDER (3) go through the pagesets, 4 and up do not', () => {
    expect([0, 3, 4].map(pcp_allowed_order)).toEqual([true, true, false]);
    expect([order_to_pindex(MIGRATE_RECLAIMABLE, 3), pindex_to_order(NR_PCP_LISTS - 1)]).toEqual([NR_PCP_LISTS - 1, 3]);
  });
});

describe('nr_pcp_free', () => {
  it('batch << free_factor, raising free_factor while that stays below high - batch, clamped to [batch, high - batch]', () => {
    const { pcp, mem } = setup();
    pcp.init(12, 3);
    expect([pcp.nr_pcp_free(12, false), pcp.free_factor]).toEqual([3, 1]);
    expect([pcp.nr_pcp_free(12, false), pcp.free_factor]).toEqual([6, 2]);
    expect([pcp.nr_pcp_free(12, false), pcp.free_factor]).toEqual([9, 2]);
    // batch << free_factor equal to high - batch (6) does not raise free_factor.
    mem.store(pcp.base + P_FREE_FACTOR, 1);
    expect([pcp.nr_pcp_free(9, false), pcp.free_factor]).toEqual([6, 1]);
    mem.store(pcp.base + P_FREE_FACTOR, 0);
    expect(pcp.nr_pcp_free(3, false)).toBe(0); // high == batch: not the disabled pageset; max_nr_free 0
    expect(pcp.nr_pcp_free(2, false)).toBe(1); // high < batch: the boot or disabled pageset frees one
    mem.store(pcp.base + P_COUNT, 17);
    expect(pcp.nr_pcp_free(0, true)).toBe(17); // free_high: everything
  });
});

describe('free_unref_page', () => {
  it('puts a highatomic (or isolated) page on the MOVABLE list', () => {
    const { pcp, onList, take } = setup();
    const [pfn] = take(0, 1);
    expect(pcp.free_unref_page(pfn, MIGRATE_HIGHATOMIC, 0)).toBe(true);
    expect(onList(order_to_pindex(MIGRATE_MOVABLE, 0))).toEqual([pfn]);
    expect(onList(order_to_pindex(MIGRATE_HIGHATOMIC, 0))).toEqual([]);
  });

  it('free_high: with free_factor up, a freed page of order 1 to 3 empties the pageset; order 0 does not', () => {
    for (const [order, emptied] of [[0, false], [1, true], [3, true]] as const) {
      const { pcp, mem, take } = setup();
      const blocks = take(order, 2);
      pcp.free_unref_page(blocks[0], MIGRATE_MOVABLE, order);
      mem.store(pcp.base + P_FREE_FACTOR, 1);
      pcp.free_unref_page(blocks[1], MIGRATE_MOVABLE, order);
      expect(pcp.count).toBe(emptied ? 0 : 2 << order);
    }
  });

  it('with free_factor 0 a freed order-1 page stays', () => {
    const { pcp, take } = setup();
    pcp.free_unref_page(take(1, 1)[0], MIGRATE_MOVABLE, 1);
    expect(pcp.count).toBe(2);
  });
});

describe('free_pcppages_bulk', () => {
  it('starts at the list named and empties a list before moving on, round-robin', () => {
    const { pcp, onList, take } = setup();
    const [a, b, c, d] = take(0, 4);
    pcp.free_unref_page(a, MIGRATE_UNMOVABLE, 0); // pindex 0
    pcp.free_unref_page(b, MIGRATE_UNMOVABLE, 0);
    pcp.free_unref_page(c, MIGRATE_MOVABLE, 0); // pindex 1
    pcp.free_unref_page(d, MIGRATE_RECLAIMABLE, 0); // pindex 2
    // The named list is drained first ("Ensure requested pindex is drained first").
    pcp.free_pcppages_bulk(1, 1);
    expect([onList(0).length, onList(1), onList(2)]).toEqual([2, [], [d]]);
    // Named NR_PCP_LISTS - 1, empty: it wraps to 0 and takes both pages there before list 2.
    pcp.free_pcppages_bulk(2, NR_PCP_LISTS - 1);
    expect([onList(0), onList(2), pcp.count]).toEqual([[], [d], 1]);
  });

  it('reaches the last list (order 3, RECLAIMABLE)', () => {
    const { pcp, onList, take } = setup();
    const last = NR_PCP_LISTS - 1;
    const [blk] = take(3, 1);
    pcp.free_unref_page(blk, MIGRATE_RECLAIMABLE, 3);
    expect(onList(last)).toEqual([blk]);
    pcp.free_pcppages_bulk(8, last - 1);
    expect([onList(last), pcp.count]).toEqual([[], 0]);
  });
});

describe('refill and drain', () => {
  it('an order-1 refill with batch 3 takes max(3 >> 1, 2) = 2 blocks', () => {
    const { pcp, onList } = setup();
    const pfn = pcp.rmqueue_pcplist(1, MIGRATE_MOVABLE);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect([onList(order_to_pindex(MIGRATE_MOVABLE, 1)).length, pcp.count]).toEqual([1, 2]);
  });

  it('a refill from an empty zone answers -1 and leaves the pageset as it was', () => {
    const { pcp, zone, take } = setup();
    while (take(0, 1)[0] >= 0);
    expect(zone.nr_free_pages()).toBe(0);
    expect(pcp.rmqueue_pcplist(0, MIGRATE_MOVABLE)).toBe(-1);
    expect(pcp.count).toBe(0);
  });

  it('draining an empty pageset returns 0 and counts no drain', () => {
    const { pcp } = setup();
    expect(pcp.drain(1)).toBe(0);
    expect(pcp.stat(S_PCP_DRAIN)).toBe(0);
  });

  it('forEach visits every page with its order, and stops at the limit', () => {
    const { pcp, take } = setup();
    const [p0] = take(0, 1);
    const [p2] = take(2, 1);
    pcp.free_unref_page(p0, MIGRATE_MOVABLE, 0);
    pcp.free_unref_page(p2, MIGRATE_UNMOVABLE, 2);
    const seen: [number, number][] = [];
    expect(pcp.forEach(10, (pfn, order) => seen.push([pfn, order]))).toBe(true);
    expect(seen).toEqual([[p0, 0], [p2, 2]]);
    expect(pcp.forEach(0, () => {})).toBe(false);
  });
});
