import { describe, expect, it } from 'vitest';
import { MIGRATE_RECLAIMABLE, PAGE_SIZE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import {
  NR_PAGEFLAGS, PAGE_WORDS, PFN_DOWN, PFN_UP, PG_FLAGS, PG_INDEX, PG_LRU, PG_MAPCOUNT, PG_MAPPING, PG_PRIVATE, PG_REFCOUNT, PG_dirty, PG_lru,
  PG_mlocked, PG_reserved,
} from '../src/kernel/page.js';
import { bootTest } from './kernel-helpers.js';

/**
 * struct page as the model lays it out (include/linux/mm_types.h, 6.6): the eight words
 * of each frame where the layout says, set_page_links' node and zone bits, the flags by
 * name in enum pageflags' order, dump_page's line, and the memmap's edges.
 */
function memmap() {
  const { kernel } = bootTest({ nodes: 2, mem: 64 * 2 ** 20 });
  return { kernel, p: kernel.pages };
}

describe('struct page', () => {
  it('names every page flag in enum pageflags\' order, then buddy; dump_page prints 0 for no flag', () => {
    const { kernel, p } = memmap();
    const pfn = 0x2100;
    const w = p.field(pfn, PG_FLAGS);
    const links = kernel.mem.load(w) & ~((1 << NR_PAGEFLAGS) - 1);
    kernel.mem.store(w, links | ((1 << NR_PAGEFLAGS) - 1));
    expect(p.flagNames(pfn)).toEqual([
      'locked', 'writeback', 'referenced', 'uptodate', 'dirty', 'lru', 'head', 'waiters', 'active', 'workingset', 'error', 'slab',
      'owner_priv_1', 'arch_1', 'reserved', 'private', 'private_2', 'mappedtodisk', 'reclaim', 'swapbacked', 'unevictable', 'mlocked',
    ]);
    kernel.mem.store(w, links);
    expect(p.flagNames(pfn)).toEqual([]);
    expect(p.dump_page(pfn)).toBe('page:pfn 0x2100 refcount:0 mapcount:0 mapping:0 index:0x0 node:1 zone:2 flags: 0');
    p.set(pfn, PG_dirty);
    p.set(pfn, PG_lru);
    p.set(pfn, PG_mlocked);
    p.clear(pfn, PG_lru);
    expect([p.test(pfn, PG_dirty), p.test(pfn, PG_lru), p.test(pfn, PG_mlocked), p.test(pfn, PG_reserved)]).toEqual([true, false, true, false]);
    kernel.mem.store(p.field(pfn, PG_INDEX), 0x1f);
    kernel.mem.store(p.field(pfn, PG_MAPPING), 7);
    expect(p.dump_page(pfn)).toBe('page:pfn 0x2100 refcount:0 mapcount:0 mapping:7 index:0x1f node:1 zone:2 flags: dirty|mlocked');
    // The node and zone bits are not flags.
    expect([p.page_to_nid(pfn), p.page_zonenum(pfn), p.page_zone_id(pfn)]).toEqual([1, ZONE_NORMAL, (1 << 2) | ZONE_NORMAL]);
  });

  it('lays the eight words out per frame as the layout says: a buddy head\'s order in private, PG_buddy in _mapcount, the pcp migrate type in index', () => {
    const { kernel, p } = memmap();
    const pfn = 0x2100;
    const base = p.pfn_to_page(pfn);
    expect(p.page_to_pfn(base + PAGE_WORDS)).toBe(pfn + 1);
    expect([PG_FLAGS, PG_REFCOUNT, PG_MAPCOUNT, PG_PRIVATE, PG_MAPPING, PG_INDEX, PG_LRU].map((f) => p.field(pfn, f) - base)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p.lruWord(pfn)).toBe(base + PG_LRU);
    const before = Array.from({ length: 3 * PAGE_WORDS }, (_, i) => kernel.mem.load(base - PAGE_WORDS + i));
    p.set_buddy_order(pfn, 5);
    expect([kernel.mem.load(base + PG_PRIVATE), kernel.mem.load(base + PG_MAPCOUNT), p.buddy_order(pfn), p.PageBuddy(pfn)]).toEqual([5, -129, 5, true]);
    p.clear_buddy(pfn);
    p.set_pcppage_migratetype(pfn, MIGRATE_RECLAIMABLE);
    expect([kernel.mem.load(base + PG_INDEX), p.get_pcppage_migratetype(pfn), p.PageBuddy(pfn)]).toEqual([MIGRATE_RECLAIMABLE, MIGRATE_RECLAIMABLE, false]);
    p.set_pcppage_migratetype(pfn, 0);
    expect(Array.from({ length: 3 * PAGE_WORDS }, (_, i) => kernel.mem.load(base - PAGE_WORDS + i))).toEqual(before);
  });

  it('PageBuddy is page_type with PG_buddy cleared under PAGE_TYPE_BASE: another type (PG_offline cleared) is not, nor a mapped page', () => {
    const { kernel, p } = memmap();
    const w = p.field(0x2100, PG_MAPCOUNT);
    for (const [mapcount, buddy] of [[-129, true], [-1, false], [0, false], [-1 & ~0x100, false], [0xf000007f | 0, true], [0x7fffff7f, false]] as const) {
      kernel.mem.store(w, mapcount);
      expect(p.PageBuddy(0x2100), String(mapcount)).toBe(buddy);
    }
  });

  it('the memmap covers start_pfn to end_pfn; page_address and virt_to_pfn invert each other; PFN_UP and PFN_DOWN round', () => {
    const { p } = memmap();
    expect([p.pfn_valid(p.start_pfn - 1), p.pfn_valid(p.start_pfn), p.pfn_valid(p.end_pfn - 1), p.pfn_valid(p.end_pfn)]).toEqual([false, true, true, false]);
    const a = p.page_address(0x2100);
    expect([p.virt_to_pfn(a), p.virt_to_pfn(a + PAGE_SIZE - 1), p.virt_to_pfn(a + PAGE_SIZE)]).toEqual([0x2100, 0x2100, 0x2101]);
    expect(p.page_address(0x2101) - a).toBe(PAGE_SIZE);
    expect(p.frame(0x2100, 2).length).toBe(4 * PAGE_SIZE);
    expect([PFN_UP(0), PFN_UP(1), PFN_UP(PAGE_SIZE), PFN_UP(PAGE_SIZE + 1), PFN_DOWN(PAGE_SIZE - 1), PFN_DOWN(PAGE_SIZE)]).toEqual([0, 1, 1, 2, 0, 1]);
  });
});
