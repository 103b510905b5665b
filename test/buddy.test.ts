import { describe, expect, it } from 'vitest';
import { bootTest } from './kernel-helpers.js';
import { auditKernel } from '../src/kernel/audit.js';
import { FPI_NONE } from '../src/kernel/buddy.js';
import { MIGRATE_MOVABLE, MIGRATE_UNMOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { PAGE_BUDDY_MAPCOUNT } from '../src/kernel/page.js';

/**
 * One node of 8M, all ZONE_NORMAL: the kernel image takes pfn 8 and the memmap (2048 x
 * 64 bytes) the top 32 pages, so memblock_free_all hands out pfns 0-7 and 9-2015 in
 * naturally aligned chunks: 0/o3, 9/o0, 10/o1, 12/o2, 16/o4, 32/o5, 64/o6, 128/o7, 256/o8,
 * 512/o9, 1024/o9, 1536/o8, 1792/o7, 1920/o6, 1984/o5.
 */
function small() {
  const { kernel } = bootTest({ mem: 8 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
  const zone = kernel.zones[ZONE_NORMAL];
  const nrFree = () => Array.from({ length: 11 }, (_, o) => zone.nr_free(o));
  const list = (order: number, mt: number) => {
    const out: number[] = [];
    zone.list.walk(zone.freeList(order, mt), 100, (pfn) => out.push(pfn));
    return out;
  };
  return { kernel, zone, buddy: kernel.buddy, pages: kernel.pages, nrFree, list };
}

describe('buddy allocator (6.6 __rmqueue_smallest, expand, __free_one_page)', () => {
  it('receives memblock_free_all in naturally aligned chunks, to the list tails, all MOVABLE', () => {
    const { zone, nrFree, list, kernel } = small();
    expect(zone.managed_pages).toBe(2015);
    expect(zone.nr_free_pages()).toBe(2015);
    expect(nrFree()).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0]);
    expect(list(9, MIGRATE_MOVABLE)).toEqual([512, 1024]);
    expect(list(0, MIGRATE_UNMOVABLE)).toEqual([]);
    expect(auditKernel(kernel).violations).toEqual([]);
  });

  it('marks a free head with page_type PG_buddy: _mapcount 0xffffff7f = -129 (seed 003: -128, pre-4.18)', () => {
    const { pages } = small();
    expect(PAGE_BUDDY_MAPCOUNT).toBe(-129);
    expect(pages.page_mapcount(512)).toBe(-129);
    expect(pages.buddy_order(512)).toBe(9);
    expect(pages.PageBuddy(513)).toBe(false);
  });

  it('takes the smallest block that fits and splits the rest back down (expand)', () => {
    const { zone, buddy, nrFree, list } = small();
    const take = (order: number) => buddy.__rmqueue_smallest(zone, order, MIGRATE_MOVABLE);
    expect(take(0)).toBe(9);
    expect(take(0)).toBe(10); // order-1 block at 10 split: 11 back on the order-0 list
    expect(list(0, MIGRATE_MOVABLE)).toEqual([11]);
    expect(take(0)).toBe(11);
    expect(take(2)).toBe(12);
    expect(take(3)).toBe(0);
    expect(take(3)).toBe(16); // order-4 block at 16 split: 24 back as order 3
    expect(list(3, MIGRATE_MOVABLE)).toEqual([24]);
    expect(nrFree()).toEqual([0, 0, 0, 1, 0, 2, 2, 2, 2, 2, 0]);
    // An order-0 request now splits the order-3 block at 24 into 25/o0, 26/o1, 28/o2.
    expect(take(0)).toBe(24);
    expect([list(0, MIGRATE_MOVABLE), list(1, MIGRATE_MOVABLE), list(2, MIGRATE_MOVABLE)]).toEqual([[25], [26], [28]]);
  });

  it('merges a freed block with its buddy (pfn ^ 2^order) while the buddy is a free head of that order', () => {
    const { zone, buddy, nrFree, kernel, pages } = small();
    const take = (order: number) => buddy.__rmqueue_smallest(zone, order, MIGRATE_MOVABLE);
    const got = [take(0), take(0), take(0), take(2), take(3), take(3)];
    expect(got).toEqual([9, 10, 11, 12, 0, 16]);
    zone.mod_free_pages(-(3 + 4 + 8 + 8));
    const free = (pfn: number, order: number) => {
      pages.set_pcppage_migratetype(pfn, MIGRATE_MOVABLE);
      buddy.__free_one_page(zone, pfn, order, MIGRATE_MOVABLE, FPI_NONE);
    };
    free(16, 3); // buddy 24/o3 is free: 16 becomes order 4; its buddy 0/o4 is not free
    expect(pages.buddy_order(16)).toBe(4);
    expect(pages.PageBuddy(24)).toBe(false);
    free(11, 0); // buddy 10 allocated: stays order 0
    free(10, 0); // buddy 11 free: 10 becomes order 1; buddy 8 is reserved
    expect(pages.buddy_order(10)).toBe(1);
    free(12, 2);
    free(0, 3);
    free(9, 0);
    expect(nrFree()).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0]);
    expect(zone.nr_free_pages()).toBe(2015);
    expect(auditKernel(kernel).violations).toEqual([]);
  });

  it('steals for UNMOVABLE from MOVABLE, largest block first, claiming the whole pageblock', () => {
    const { zone, buddy, list, pages, kernel } = small();
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_MOVABLE);
    const pfn = buddy.__rmqueue(zone, 0, MIGRATE_UNMOVABLE);
    expect(pfn).toBe(512);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_UNMOVABLE);
    expect(list(9, MIGRATE_MOVABLE)).toEqual([1024]);
    expect([8, 7, 6, 5, 4, 3, 2, 1, 0].map((o) => list(o, MIGRATE_UNMOVABLE))).toEqual([[768], [640], [576], [544], [528], [520], [516], [514], [513]]);
    zone.mod_free_pages(-1);
    buddy.__free_one_page(zone, 512, 0, pages.get_pageblock_migratetype(512), FPI_NONE);
    expect(list(9, MIGRATE_UNMOVABLE)).toEqual([512]);
    expect(auditKernel(kernel).violations).toEqual([]);
  });

  it('lets MOVABLE claim a block back when stealing at order >= pageblock_order / 2 and half of it is free', () => {
    const { zone, buddy, list, pages } = small();
    buddy.__rmqueue(zone, 0, MIGRATE_UNMOVABLE); // pageblock 512 becomes UNMOVABLE, its pieces on UNMOVABLE lists
    while (buddy.__rmqueue_smallest(zone, 0, MIGRATE_MOVABLE) >= 0) {
      // drain every MOVABLE block
    }
    // Largest fallback first: the order-8 UNMOVABLE block at 768; 511 of the block's 512 pages
    // are free (>= 256), so the whole pageblock turns MOVABLE and its pieces move with it.
    expect(buddy.__rmqueue(zone, 0, MIGRATE_MOVABLE)).toBe(513);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_MOVABLE);
    expect(list(8, MIGRATE_MOVABLE)).toEqual([768]);
    expect(list(8, MIGRATE_UNMOVABLE)).toEqual([]);
  });

  // can_steal_fallback: `order >= pageblock_order / 2` in C's integer division: 9 / 2 = 4, so order 4 steals and order 3 does not.
  function smallUnmovableOnly(upTo: number) {
    const s = small();
    s.buddy.__rmqueue(s.zone, 0, MIGRATE_UNMOVABLE); // pageblock 512 UNMOVABLE: 513/o0 514/o1 516/o2 520/o3 528/o4 544/o5 ... 768/o8
    while (s.buddy.__rmqueue_smallest(s.zone, 0, MIGRATE_MOVABLE) >= 0) {
      // drain every MOVABLE block
    }
    for (let o = 8; o > upTo; o--) expect(s.buddy.__rmqueue_smallest(s.zone, o, MIGRATE_UNMOVABLE)).toBeGreaterThan(512);
    return s;
  }

  it('a MOVABLE request whose largest fallback is order 4 (pageblock_order / 2) steals it with the rest of the pageblock\'s free pages', () => {
    const { zone, buddy, list, pages } = smallUnmovableOnly(4);
    expect(buddy.__rmqueue(zone, 0, MIGRATE_MOVABLE)).toBe(513);
    // move_freepages_block moved all 31 free pages to MOVABLE; 31 < 256, so the block keeps its type.
    expect([0, 1, 2, 3, 4].map((o) => list(o, MIGRATE_MOVABLE))).toEqual([[], [514], [516], [520], [528]]);
    expect([0, 1, 2, 3, 4].map((o) => list(o, MIGRATE_UNMOVABLE))).toEqual([[], [], [], [], []]);
    expect(pages.get_pageblock_migratetype(512)).toBe(MIGRATE_UNMOVABLE);
  });

  it('a MOVABLE request whose largest fallback is order 3 takes the smallest free block alone, and the others stay UNMOVABLE', () => {
    const { zone, buddy, list } = smallUnmovableOnly(3);
    expect(buddy.__rmqueue(zone, 0, MIGRATE_MOVABLE)).toBe(513);
    expect([0, 1, 2, 3].map((o) => list(o, MIGRATE_MOVABLE))).toEqual([[], [], [], []]);
    expect([0, 1, 2, 3].map((o) => list(o, MIGRATE_UNMOVABLE))).toEqual([[], [514], [516], [520]]);
  });

  it('audit catches a frame on two lists and a wrong nr_free', () => {
    const { zone, kernel } = small();
    zone.list.add(zone.freeList(0, MIGRATE_UNMOVABLE), 24); // 24 lies inside the free order-4 block at 16
    const msgs = auditKernel(kernel).violations.map((x) => x.message).join('\n');
    expect(msgs).toMatch(/already in a free block \(in two places\)/);
    expect(msgs).toMatch(/nr_free is 1 but its lists hold 2/);
    expect(msgs).toMatch(/not PageBuddy/);
  });
});

describe('struct page', () => {
  it('maps pfn <-> struct page, packs node and zone into flags, dumps a page', () => {
    const { kernel } = bootTest({ nodes: 2, mem: 64 * 2 ** 20 });
    const p = kernel.pages;
    const pfn = 0x2100; // node 1 starts at 32M = pfn 0x2000
    expect(p.page_to_pfn(p.pfn_to_page(pfn))).toBe(pfn);
    expect([p.page_to_nid(pfn), p.page_zonenum(pfn)]).toEqual([1, ZONE_NORMAL]);
    expect(p.page_to_phys(pfn)).toBe(0x2100000);
    const f = p.frame(pfn, 1);
    f[4096] = 7; // the second frame of the block
    expect([f.length, p.mem.u8[p.page_address(pfn + 1)]]).toEqual([8192, 7]);
    expect(p.dump_page(8)).toBe('page:pfn 0x8 refcount:1 mapcount:0 mapping:0 index:0x0 node:0 zone:0 flags: reserved');
    expect(p.dump_page(0x2000)).toMatch(/^page:pfn 0x2000 refcount:0 mapcount:-128 .* node:1 zone:2 flags: buddy$/);
  });
});
