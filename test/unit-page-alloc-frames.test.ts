import { describe, expect, it } from 'vitest';
import { GFP_DMA, GFP_KERNEL, GFP_NOWAIT, __GFP_ZERO } from '../src/kernel/gfp.js';
import { H_ALLOC_FAIL, H_BAD_PAGE, H_DRAIN_ALL } from '../src/kernel/kernel.js';
import { ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { PG_FLAGS, PG_MAPCOUNT, PG_MAPPING, PG_lru } from '../src/kernel/page.js';
import {
  ALLOC_EINVAL_NODE, ALLOC_EINVAL_ORDER, ALLOC_FAIL_REASONS, ALLOC_NOWAIT, ALLOC_NO_ZONE, ALLOC_OK, PageAlloc,
} from '../src/kernel/page_alloc.js';
import { bootTest } from './kernel-helpers.js';

/**
 * The page allocator's frame API (mm/page_alloc.c, 6.6) as other subsystems use it:
 * free_pages_prepare's and check_new_pages' bad states (page_bad_reason), a page leaked not
 * freed; __free_pages with a reference left; __GFP_ZERO; the drains; and the refusals with
 * warn_alloc's reason. 64M, all ZONE_NORMAL, two CPUs.
 */
function machine() {
  const { kernel, mem } = bootTest({ mem: 64 * 2 ** 20, dmaLimit: 0, cpusPerNode: 2 });
  const zone = kernel.nodeZones(0)[ZONE_NORMAL];
  const word = (pfn: number, f: number) => kernel.pages.field(pfn, f);
  return { kernel, mem, zone, word, pa: new PageAlloc(kernel, 0), pa1: new PageAlloc(kernel, 1) };
}

describe('page_bad_reason at free and at allocation', () => {
  it('freeing a page that is mapped, has a mapping or a flag of PAGE_FLAGS_CHECK_AT_FREE reports it by that reason and leaks the block', () => {
    for (const [field, value, reason] of [[PG_MAPCOUNT, 0, 'nonzero mapcount'], [PG_MAPPING, 0x1234, 'non-NULL mapping'], [PG_FLAGS, 1 << PG_lru, 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set']] as const) {
      const { kernel, mem, zone, word, pa } = machine();
      const pfn = pa.alloc_pages(GFP_KERNEL, 2);
      const free = zone.nr_free_pages();
      const onPcp = kernel.pageset(0, 2).count;
      // The third page of the block is the bad one: the report names it, and all four pages stay out.
      if (field === PG_FLAGS) mem.or(word(pfn + 2, field), value);
      else mem.store(word(pfn + 2, field), value);
      pa.__free_pages(pfn, 2);
      expect([PageAlloc.badPageReason(kernel), PageAlloc.badPagePfn(kernel), mem.load(kernel.ref.header + H_BAD_PAGE), pa.badPages], reason).toEqual([reason, pfn + 2, 1, 1]);
      expect(zone.nr_free_pages()).toBe(free);
      expect(kernel.pageset(0, 2).count).toBe(onPcp);
    }
  });

  it('check_new_pages: a free block found bad when taken is reported and skipped, the next one handed out', () => {
    const { kernel, mem, word, pa } = machine();
    // Order 4 comes from the buddy lists: the first candidate is the smallest block that fits.
    const probe = pa.alloc_pages(GFP_KERNEL, 4);
    pa.__free_pages(probe, 4);
    mem.store(word(probe + 1, PG_MAPPING), 1);
    const got = pa.alloc_pages(GFP_KERNEL, 4);
    expect(got).not.toBe(probe);
    expect(got).toBeGreaterThanOrEqual(0);
    expect([PageAlloc.badPageReason(kernel), PageAlloc.badPagePfn(kernel), pa.badPages]).toEqual(['non-NULL mapping', probe + 1, 1]);
  });
});

describe('__free_pages, get_page, put_page, __GFP_ZERO', () => {
  it('a block with a reference left: the tail halves go back now, the first page when the last reference goes', () => {
    const { zone, pa, kernel } = machine();
    const pfn = pa.alloc_pages(GFP_KERNEL, 2);
    pa.drain_local_pages();
    const free = zone.nr_free_pages();
    pa.get_page(pfn);
    expect(kernel.pages.page_count(pfn)).toBe(2);
    pa.__free_pages(pfn, 2);
    pa.drain_local_pages();
    expect(zone.nr_free_pages() - free).toBe(3);
    expect(kernel.pages.page_count(pfn)).toBe(1);
    pa.put_page(pfn);
    pa.drain_local_pages();
    expect(zone.nr_free_pages() - free).toBe(4);
  });

  it('__GFP_ZERO hands out zeroed frames, the whole block; without it a frame keeps what it held', () => {
    const { kernel, pa } = machine();
    const pfn = pa.alloc_pages(GFP_KERNEL, 1);
    const bytes = () => kernel.pages.frame(pfn, 1);
    bytes().fill(0xa5);
    pa.__free_pages(pfn, 1);
    expect(pa.alloc_pages(GFP_KERNEL, 1)).toBe(pfn);
    expect(bytes().every((b) => b === 0xa5)).toBe(true);
    pa.__free_pages(pfn, 1);
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_ZERO, 1)).toBe(pfn);
    expect(bytes().every((b) => b === 0)).toBe(true);
    expect(pa.page_address(pfn)).toBe(kernel.pages.page_address(pfn));
  });
});

describe('drains and refusals', () => {
  it('drain_local_pages empties this CPU\'s pagesets; drain_all_pages every CPU\'s, counted once per call', () => {
    const { kernel, mem, pa, pa1 } = machine();
    for (const p of [pa, pa1]) p.__free_pages(p.alloc_pages(GFP_KERNEL, 0), 0);
    const [c0, c1] = [kernel.pageset(0, 2).count, kernel.pageset(1, 2).count];
    expect(c0).toBeGreaterThan(0);
    expect(c1).toBeGreaterThan(0);
    expect(pa.drain_local_pages()).toBe(c0);
    expect([kernel.pageset(0, 2).count, kernel.pageset(1, 2).count]).toEqual([0, c1]);
    expect(pa.drain_local_pages()).toBe(0);
    expect(mem.load(kernel.ref.header + H_DRAIN_ALL)).toBe(0);
    expect(pa.drain_all_pages()).toBe(c1);
    expect(kernel.pageset(1, 2).count).toBe(0);
    expect(pa.drain_all_pages()).toBe(0);
    expect(mem.load(kernel.ref.header + H_DRAIN_ALL)).toBe(2);
  });

  it('an order past MAX_ORDER or negative, a node that does not exist, a zone the machine lacks: -1 and the reason, warn_alloc says it', () => {
    const { kernel, mem, pa } = machine();
    const cases: Array<[() => number, number]> = [
      [() => pa.alloc_pages(GFP_KERNEL, 11), ALLOC_EINVAL_ORDER], [() => pa.alloc_pages(GFP_KERNEL, -1), ALLOC_EINVAL_ORDER],
      [() => pa.alloc_pages(GFP_KERNEL, 0, 1), ALLOC_EINVAL_NODE], [() => pa.alloc_pages(GFP_DMA, 0), ALLOC_NO_ZONE],
    ];
    for (const [call, reason] of cases) {
      expect(call()).toBe(-1);
      expect(pa.reason).toBe(reason);
    }
    expect(pa.warn_alloc(GFP_DMA, 0)).toBe(`page allocation failure: order:0, mode:0x1(GFP_DMA), nodemask=(null): ${ALLOC_FAIL_REASONS[ALLOC_NO_ZONE]}`);
    expect(pa.alloc_pages(GFP_KERNEL, 10, 0)).toBeGreaterThanOrEqual(0);
    expect(pa.reason).toBe(ALLOC_OK);
    // A GFP_NOWAIT request that the watermarks refuse fails at once, counted, with no reclaim.
    while (pa.alloc_pages(GFP_KERNEL, 0) >= 0);
    const fails = mem.load(kernel.ref.header + H_ALLOC_FAIL);
    expect(pa.alloc_pages(GFP_NOWAIT, 0)).toBe(-1);
    expect([pa.reason, mem.load(kernel.ref.header + H_ALLOC_FAIL)]).toEqual([ALLOC_NOWAIT, fails + 1]);
  });
});
