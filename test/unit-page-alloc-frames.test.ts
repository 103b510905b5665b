import { describe, expect, it } from 'vitest';
import { GFP_ATOMIC, GFP_DMA, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_KSWAPD_RECLAIM, __GFP_MEMALLOC, __GFP_NOMEMALLOC, __GFP_THISNODE, __GFP_ZERO } from '../src/kernel/gfp.js';
import { F_BUDDY, F_NONE, auditKernel } from '../src/kernel/audit.js';
import { H_ALLOCSTALL, H_ALLOC_FAIL, H_BAD_PAGE, H_DRAIN_ALL } from '../src/kernel/kernel.js';
import { KSWAPD_SLEEPING } from '../src/kernel/kswapd.js';
import { N_KSWAPD_WAIT, N_KSWAPD_WAKEUPS, ZONE_DMA, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { ALLOC_CPUSET, ALLOC_HIGHATOMIC, ALLOC_KSWAPD, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_WMARK_MIN } from '../src/kernel/watermark.js';
import { PAGE_BUDDY_MAPCOUNT, PG_FLAGS, PG_MAPCOUNT, PG_MAPPING, PG_REFCOUNT, PG_lru } from '../src/kernel/page.js';
import {
  ALLOC_EINVAL_NODE, ALLOC_EINVAL_ORDER, ALLOC_FAIL_REASONS, ALLOC_NOWAIT, ALLOC_NO_ZONE, ALLOC_OK, ALLOC_OOM_NEXT, PageAlloc, gfp_to_alloc_flags,
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
  it('freeing a block with a page that is PageBuddy, mapped, has a mapping, a reference or a flag of PAGE_FLAGS_CHECK_AT_FREE reports that page by its reason and leaks the block', () => {
    const cases = [
      [PG_MAPCOUNT, PAGE_BUDDY_MAPCOUNT, 'freed while free (PageBuddy)'], [PG_MAPCOUNT, 0, 'nonzero mapcount'], [PG_MAPPING, 0x1234, 'non-NULL mapping'],
      [PG_REFCOUNT, 1, 'nonzero _refcount'], [PG_FLAGS, 1 << PG_lru, 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set'],
    ] as const;
    for (const [field, value, reason] of cases) {
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
    // The three freed are the block's own pages after its first, nothing before it.
    const a = auditKernel(kernel);
    expect(a.violations).toEqual([]);
    expect([0, 1, 2, 3].map((i) => a.where[pfn + i - kernel.pages.start_pfn])).toEqual([F_NONE, F_BUDDY, F_BUDDY, F_BUDDY]);
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

describe('the slow path and the zonelist', () => {
  it('gfp_to_alloc_flags: a caller that may block keeps the cpuset and no reserve; __GFP_NOMEMALLOC is no non-blocking dig; only __GFP_HIGH drops the cpuset', () => {
    expect(gfp_to_alloc_flags(GFP_KERNEL, 1)).toBe(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    expect(gfp_to_alloc_flags(GFP_NOWAIT | __GFP_NOMEMALLOC, 1)).toBe(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD);
    expect(gfp_to_alloc_flags(GFP_NOWAIT, 0)).toBe(ALLOC_WMARK_MIN | ALLOC_CPUSET | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
    expect(gfp_to_alloc_flags(GFP_ATOMIC, 1)).toBe(ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK | ALLOC_HIGHATOMIC);
  });

  it('a request for ZONE_DMA passes over the Normal zone first in its zonelist; an explicit node 0 from a CPU of node 1 is node 0', () => {
    const { kernel } = bootTest({ nodes: 2, mem: 64 * 2 ** 20, cpusPerNode: 1 });
    const pa = new PageAlloc(kernel, 1);
    expect(pa.numa_node_id()).toBe(1);
    const dma = pa.alloc_pages(GFP_DMA, 0, 0);
    expect(kernel.page_zone(dma).idx).toBe(ZONE_DMA);
    const on0 = pa.alloc_pages(GFP_KERNEL, 0, 0);
    expect(kernel.pages.page_to_nid(on0)).toBe(0);
    expect(kernel.pages.page_to_nid(pa.alloc_pages(GFP_KERNEL, 0))).toBe(1);
    // alloc_pages_may_oom keeps the caller's other bits: a zeroed page is zeroed.
    const p = pa.alloc_pages(GFP_KERNEL, 0);
    kernel.pages.frame(p).fill(7);
    pa.__free_pages(p, 0);
    expect(pa.alloc_pages_may_oom(GFP_KERNEL | __GFP_ZERO, 0)).toBe(p);
    expect(kernel.pages.frame(p).every((b) => b === 0)).toBe(true);
  });

  it('pfn 0 is a page like any other: handed out, and the failure before it cleared', () => {
    const { kernel } = bootTest({ mem: 8 * 2 ** 20, dmaLimit: 0, kernelSize: 4096, pcp: false });
    const pa = new PageAlloc(kernel, 0);
    expect(pa.alloc_pages(GFP_KERNEL, 11)).toBe(-1);
    // A movable order-3 request takes the MOVABLE order-3 block memblock_free_all left at pfn 0.
    expect(pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 3)).toBe(0);
    expect(pa.reason).toBe(ALLOC_OK);
  });

  it('the slow path wakes the kswapd of its own node (a CPU of node 1 too), and none for a request without __GFP_KSWAPD_RECLAIM', () => {
    const { kernel, mem } = bootTest({ nodes: 2, mem: 64 * 2 ** 20, dmaLimit: 0, pcp: false });
    const pa = new PageAlloc(kernel, 1);
    const node1 = kernel.ref.nodes[1];
    mem.store(node1 + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    const noKswapd = GFP_KERNEL & ~__GFP_KSWAPD_RECLAIM;
    // __GFP_THISNODE keeps the requests on node 1, which runs dry first.
    const thisNode = __GFP_THISNODE;
    while (pa.alloc_pages(noKswapd | thisNode, 0) >= 0);
    expect(mem.load(node1 + N_KSWAPD_WAKEUPS)).toBe(0);
    expect(pa.alloc_pages(GFP_KERNEL | thisNode, 0)).toBe(-1);
    expect(mem.load(node1 + N_KSWAPD_WAKEUPS)).toBe(1);
  });

  it('out of memory: __GFP_MEMALLOC takes what is left below min; with nothing left the request stalls in direct reclaim once and fails, counted', () => {
    const { kernel, mem } = bootTest({ mem: 64 * 2 ** 20, dmaLimit: 0, pcp: false });
    const pa = new PageAlloc(kernel, 0);
    while (pa.alloc_pages(GFP_KERNEL, 0) >= 0);
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0)).toBeGreaterThanOrEqual(0);
    expect(pa.reason).toBe(ALLOC_OK);
    while (pa.alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0) >= 0);
    const [stalls, fails] = [mem.load(kernel.ref.header + H_ALLOCSTALL), mem.load(kernel.ref.header + H_ALLOC_FAIL)];
    expect(pa.alloc_pages(GFP_KERNEL, 0)).toBe(-1);
    expect([pa.reason, mem.load(kernel.ref.header + H_ALLOCSTALL), mem.load(kernel.ref.header + H_ALLOC_FAIL)]).toEqual([ALLOC_OOM_NEXT, stalls + 1, fails + 1]);
    // __GFP_MEMALLOC with nothing left goes on to reclaim and fails the same way.
    pa.reason = ALLOC_OK;
    expect(pa.alloc_pages(GFP_KERNEL | __GFP_MEMALLOC, 0)).toBe(-1);
    expect([pa.reason, mem.load(kernel.ref.header + H_ALLOCSTALL), mem.load(kernel.ref.header + H_ALLOC_FAIL)]).toEqual([ALLOC_OOM_NEXT, stalls + 2, fails + 2]);
  });
});
