import { describe, expect, it } from 'vitest';
import { allocatedPages, auditKernel, badPageViolations, F_BUDDY, F_NONE, F_PCP } from '../src/kernel/audit.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { MIGRATE_MOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { PG_REFCOUNT } from '../src/kernel/page.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { bootTest } from './kernel-helpers.js';

/**
 * auditKernel's oracles (SPEC part 2's invariants of a quiescent image), each made to fire
 * on an image broken by hand, with the message and place it names; the audit of a sound
 * image is clean. One node of 8M, all ZONE_NORMAL (as buddy.test.ts's `small`): free
 * blocks 0/o3, 9/o0, 10/o1, 12/o2, 16/o4, ... 512/o9 and 1024/o9, all MOVABLE.
 */
function small() {
  const { kernel } = bootTest({ mem: 8 * 2 ** 20, dmaLimit: 0, kernelSize: 4096 });
  const zi = kernel.zones.findIndex((z) => z.idx === ZONE_NORMAL && z.populated());
  return { kernel, zone: kernel.zones[zi], zi, pages: kernel.pages };
}
const found = (k: ReturnType<typeof small>['kernel'], max?: number) => auditKernel(k, max).violations;

describe('auditKernel: each invariant, broken by hand', () => {
  it('a sound image: no violation; every free frame found in a free block, every pageset frame on its list', () => {
    const { kernel, zi, pages } = small();
    const pa = new PageAlloc(kernel, 0);
    const pfn = pa.alloc_pages(GFP_KERNEL, 0);
    const a = auditKernel(kernel);
    expect(a.violations).toEqual([]);
    const onPcp = [...a.where].filter((w) => w === F_PCP).length;
    expect(onPcp).toBe(kernel.pageset(0, zi).count);
    expect(a.where[pfn - pages.start_pfn]).toBe(F_NONE);
    expect(a.where[1024 - pages.start_pfn]).toBe(F_BUDDY);
    // Allocated: the page handed out; the kernel image and the memmap are reserved, not counted.
    expect(allocatedPages(kernel, a)).toBe(1);
    expect(badPageViolations(kernel)).toEqual([]);
  });

  it('a free head that is not PageBuddy, or of another order, or with a reference', () => {
    const a = small();
    a.pages.clear_buddy(512);
    expect(found(a.kernel)).toContainEqual({ message: `Normal node 0 free_area[9] ${MIGRATE_MOVABLE}: not PageBuddy (_mapcount -1)`, where: 'pfn 0x200' });
    const b = small();
    b.pages.set_buddy_order(512, 8);
    expect(found(b.kernel)).toEqual([{ message: `Normal node 0 free_area[9] ${MIGRATE_MOVABLE}: buddy order 8 on the order-9 list`, where: 'pfn 0x200' }]);
    const c = small();
    c.kernel.mem.store(c.pages.field(1024, PG_REFCOUNT), 2);
    expect(found(c.kernel)).toEqual([{ message: `Normal node 0 free_area[9] ${MIGRATE_MOVABLE}: free with _refcount 2`, where: 'pfn 0x400' }]);
  });

  it('a block on a list of a higher order than its alignment allows', () => {
    const { kernel, zone, pages } = small();
    zone.del_page_from_free_list(9, 0);
    pages.set_buddy_order(9, 1);
    zone.add_to_free_list(9, 1, MIGRATE_MOVABLE, false);
    const v = found(kernel);
    expect(v).toContainEqual({ message: `Normal node 0 free_area[1] ${MIGRATE_MOVABLE}: not aligned to its order`, where: 'pfn 0x9' });
    // Its second frame is the first of the order-1 block at 10: one frame in two blocks.
    expect(v).toContainEqual({ message: `Normal node 0 free_area[1] ${MIGRATE_MOVABLE}: frame already in a free block (in two places)`, where: 'pfn 0xa' });
  });

  it('NR_FREE_PAGES that disagrees with the lists, and a list that cycles', () => {
    const a = small();
    a.zone.mod_free_pages(1);
    expect(found(a.kernel)).toEqual([{ message: 'Normal node 0 NR_FREE_PAGES is 2016 but the free lists hold 2015 pages' }]);
    const b = small();
    // list_add of a block already first on its list: its next is itself.
    b.zone.list.add(b.zone.freeList(9, MIGRATE_MOVABLE), 512);
    expect(found(b.kernel, 1e5)).toContainEqual({ message: `Normal node 0 free_area[9] ${MIGRATE_MOVABLE}: the list does not end (a cycle)`, where: 'pfn 0x200' });
  });

  it('two free buddies of one order side by side: merging did not settle', () => {
    const { kernel, zone, pages } = small();
    zone.del_page_from_free_list(10, 1);
    for (const pfn of [10, 11]) {
      pages.set_buddy_order(pfn, 0);
      zone.add_to_free_list(pfn, 0, MIGRATE_MOVABLE, false);
    }
    expect(found(kernel)).toEqual([{ message: 'free order-0 block beside its free buddy pfn 0xb: not merged', where: 'pfn 0xa' }]);
  });

  it('a pageset whose count disagrees with its lists, and a PageBuddy page on one', () => {
    const a = small();
    const pa = new PageAlloc(a.kernel, 0);
    const pfn = pa.alloc_pages(GFP_KERNEL, 0);
    pa.__free_pages(pfn, 0);
    const pcp = a.kernel.pageset(0, a.zi);
    expect(pcp.count).toBe(1);
    const li = [...Array(20).keys()].find((i) => !pcp.list.empty(pcp.listHead(i)))!;
    expect(pcp.list.first(pcp.listHead(li))).toBe(pfn);
    a.pages.set_buddy_order(pfn, 0);
    expect(found(a.kernel)).toEqual([{ message: `cpu 0 pageset of Normal node 0 list ${li}: PageBuddy page on a pageset list`, where: `pfn 0x${pfn.toString(16)}` }]);
    a.pages.clear_buddy(pfn);
    pcp.list.del(pcp.listHead(li), pfn);
    expect(found(a.kernel)).toEqual([{ message: 'cpu 0 pageset of Normal node 0: count 1 but its lists hold 0 pages' }]);
  });

  it('reports at most maxReport frame violations; the counts\' disagreements come on top', () => {
    const { kernel, pages, zone } = small();
    for (const pfn of [512, 1024, 1536]) kernel.mem.store(pages.field(pfn, PG_REFCOUNT), 1);
    zone.mod_free_pages(-1);
    // The walk goes by order: 1536 (order 8) before 512 and 1024 (order 9).
    expect(found(kernel, 2).map((v) => v.where ?? '-')).toEqual(['pfn 0x600', 'pfn 0x200', '-']);
  });

  it('a page freed twice is a bad_page report, named with its reason and pfn', () => {
    const { kernel } = small();
    const pa = new PageAlloc(kernel, 0);
    const pfn = pa.alloc_pages(GFP_KERNEL, 3);
    pa.__free_pages(pfn, 3);
    expect(badPageViolations(kernel)).toEqual([]);
    pa.__free_pages(pfn, 3);
    expect(badPageViolations(kernel)).toEqual([{ message: `1 bad_page report(s), the last: ${PageAlloc.badPageReason(kernel)}`, where: `pfn 0x${pfn.toString(16)}` }]);
    expect(PageAlloc.badPageReason(kernel)).not.toBe('');
  });
});
