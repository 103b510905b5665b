import { describe, expect, it } from 'vitest';
import { GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT, __GFP_MEMALLOC } from '../src/kernel/gfp.js';
import { KSWAPD_SLEEPING, KSWAPD_WOKEN } from '../src/kernel/kswapd.js';
import { N_KSWAPD_WAIT, N_KSWAPD_WAKEUPS, WMARK_HIGH, WMARK_LOW, WMARK_MIN, ZONE_DMA, ZONE_MOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { H_ALLOCSTALL } from '../src/kernel/kernel.js';
import { ALLOC_NOWAIT, ALLOC_OOM_NEXT, PageAlloc, gfp_to_alloc_flags } from '../src/kernel/page_alloc.js';
import {
  ALLOC_HIGHATOMIC, ALLOC_KSWAPD, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_WMARK_MIN, zone_watermark_ok,
  calculate_min_free_kbytes, type WatermarkZone,
} from '../src/kernel/watermark.js';
import { MiB, bootTest } from './kernel-helpers.js';

/** A zone reduced to what the watermark check reads. */
function zoneOf(free: number, nrFree: number[], reserve = [0, 0, 0, 0]): WatermarkZone {
  return {
    nr_free_pages: () => free,
    nr_reserved_highatomic: () => 0,
    lowmem_reserve: (j: number) => reserve[j],
    nr_free: (o: number) => nrFree[o] ?? 0,
    free_area_empty: (o: number, mt: number) => mt !== 1 || !(nrFree[o] ?? 0),
  };
}

describe('min_free_kbytes and the watermarks (6.6 __setup_per_zone_wmarks)', () => {
  it('min_free_kbytes = clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144)', () => {
    expect(calculate_min_free_kbytes(16 * 1024 * 1024)).toBe(16384);
    expect(calculate_min_free_kbytes(1024 * 1024)).toBe(4096);
    expect(calculate_min_free_kbytes(189440)).toBe(1740);
    expect(calculate_min_free_kbytes(512)).toBe(128);
    expect(calculate_min_free_kbytes(8 * 2 ** 30)).toBe(262144);
  });

  it('shares pages_min by managed size, gaps max(min / 4, managed * factor / 10000)', () => {
    const { kernel } = bootTest({ nodes: 2, mem: 256 * MiB, cmdline: 'mem=192M' });
    expect(kernel.ref.min_free_kbytes).toBe(1740);
    const dma = kernel.zones[ZONE_DMA];
    const n0 = kernel.zones[ZONE_NORMAL];
    // pages_min 435: DMA 435 * 3072 / 47360 = 28, gap max(7, 3) = 7; Normal 258, gap max(64, 28) = 64.
    expect([dma.wmark(0), dma.wmark(1), dma.wmark(2)]).toEqual([28, 35, 42]);
    expect([n0.wmark(0), n0.wmark(1), n0.wmark(2)]).toEqual([258, 322, 386]);
    // lowmem_reserve of DMA against Normal: Normal's managed / 256.
    expect(dma.lowmem_reserve(ZONE_NORMAL)).toBe(Math.floor(n0.managed_pages / 256));
    expect(kernel.totalreserve_pages(0)).toBe(42 + Math.floor(n0.managed_pages / 256) + 386);
  });

  it('gives ZONE_MOVABLE min = clamp(managed / 1024, 32, 128), not a share of pages_min (SPEC leaves this out)', () => {
    const { kernel } = bootTest({ mem: 256 * MiB, cmdline: 'movablecore=64M' });
    const mov = kernel.zones[ZONE_MOVABLE];
    // 16384 pages from pfn 49152, less the node's memmap, allocated top-down inside it.
    expect([mov.zone_start_pfn, mov.present_pages, mov.managed_pages]).toEqual([49152, 16384, 15360]);
    expect(mov.wmark(WMARK_MIN)).toBe(32);
    expect(mov.wmark(WMARK_LOW)).toBeGreaterThan(32); // the gap still comes from its share
  });
});

describe('__zone_watermark_ok decisions', () => {
  it('needs free - (2^order - 1) to exceed mark + lowmem_reserve[highest_zoneidx]', () => {
    expect(zone_watermark_ok(zoneOf(101, [101]), 0, 100, 2, 0)).toBe(true);
    expect(zone_watermark_ok(zoneOf(100, [100]), 0, 100, 2, 0)).toBe(false);
    expect(zone_watermark_ok(zoneOf(111, [111], [0, 0, 10, 10]), 0, 100, 2, 0)).toBe(true);
    expect(zone_watermark_ok(zoneOf(110, [110], [0, 0, 10, 10]), 0, 100, 2, 0)).toBe(false);
    expect(zone_watermark_ok(zoneOf(110, [110], [0, 0, 10, 10]), 0, 100, 0, 0)).toBe(true);
  });

  it('above order 0 also needs a free block of that order or more', () => {
    expect(zone_watermark_ok(zoneOf(200, [200]), 1, 100, 2, 0)).toBe(false);
    expect(zone_watermark_ok(zoneOf(200, [198, 1]), 1, 100, 2, 0)).toBe(true);
    expect(zone_watermark_ok(zoneOf(108, [100, 0, 0, 1]), 3, 100, 2, 0)).toBe(true);
    expect(zone_watermark_ok(zoneOf(107, [99, 0, 0, 1]), 3, 100, 2, 0)).toBe(false); // 107 - 7 = 100
  });

  it('lets __GFP_HIGH dig to min/2 and non-blocking callers a further quarter (GFP_ATOMIC: 100 -> 34)', () => {
    const z = zoneOf(40, [40]);
    expect(zone_watermark_ok(z, 0, 100, 2, ALLOC_MIN_RESERVE)).toBe(false); // 40 <= 50
    expect(zone_watermark_ok(z, 0, 100, 2, ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK)).toBe(true); // 40 > 34
    expect(gfp_to_alloc_flags(GFP_ATOMIC, 0)).toBe(ALLOC_WMARK_MIN | ALLOC_MIN_RESERVE | ALLOC_KSWAPD | ALLOC_NON_BLOCK);
    expect(gfp_to_alloc_flags(GFP_NOWAIT, 2) & ALLOC_HIGHATOMIC).toBe(ALLOC_HIGHATOMIC);
  });
});

describe('the allocation path against the watermarks', () => {
  function drainNode(pa: PageAlloc, gfp: number) {
    const got: number[] = [];
    for (let pfn = pa.alloc_pages(gfp, 0); pfn >= 0; pfn = pa.alloc_pages(gfp, 0)) got.push(pfn);
    return got;
  }

  it('stops GFP_NOWAIT at the min watermark, lets GFP_ATOMIC go deeper, __GFP_MEMALLOC to the bottom', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0, pcp: false });
    const pa = new PageAlloc(kernel, 0);
    const z = kernel.zones[ZONE_NORMAL];
    const min = z.wmark(WMARK_MIN);
    drainNode(pa, GFP_NOWAIT);
    expect(pa.reason).toBe(ALLOC_NOWAIT);
    expect(z.nr_free_pages()).toBe(min); // the last page was taken at min + 1 > min
    drainNode(pa, GFP_ATOMIC);
    expect(z.nr_free_pages()).toBe(min - (min >> 1) - ((min - (min >> 1)) >> 2));
    expect(drainNode(pa, GFP_ATOMIC | __GFP_MEMALLOC).length).toBeGreaterThan(0);
    expect(z.nr_free_pages()).toBe(0);
    expect(pa.alloc_pages(GFP_KERNEL, 0)).toBe(-1);
    expect(pa.reason).toBe(ALLOC_OOM_NEXT);
    expect(pa.warn_alloc(GFP_KERNEL, 0)).toMatch(/^page allocation failure: order:0, mode:0xcc0\(GFP_KERNEL\), nodemask=\(null\): out of memory/);
  });

  it('__alloc_pages_may_oom\'s last try takes the freelists only above the high watermark, with no reclaim', () => {
    const { kernel, mem } = bootTest({ mem: 64 * MiB, dmaLimit: 0, pcp: false });
    const pa = new PageAlloc(kernel, 0);
    const z = kernel.zones[ZONE_NORMAL];
    const held = drainNode(pa, GFP_KERNEL);
    const stalls = mem.load(kernel.ref.header + H_ALLOCSTALL);
    expect(pa.alloc_pages_may_oom(GFP_KERNEL, 0)).toBe(-1);
    expect(mem.load(kernel.ref.header + H_ALLOCSTALL)).toBe(stalls); // no direct reclaim, no drain
    // A victim frees memory: between low and high is not enough, above high is.
    while (z.nr_free_pages() <= z.wmark(WMARK_LOW)) pa.__free_pages(held.pop()!, 0);
    expect(pa.alloc_pages_may_oom(GFP_KERNEL, 0)).toBe(-1);
    while (z.nr_free_pages() <= z.wmark(WMARK_HIGH)) pa.__free_pages(held.pop()!, 0);
    expect(pa.alloc_pages_may_oom(GFP_KERNEL, 0)).toBeGreaterThanOrEqual(0);
  });

  it('wakes a sleeping kswapd once the fast path fails at the low watermark', () => {
    const { kernel, mem } = bootTest({ mem: 64 * MiB, dmaLimit: 0 });
    const pa = new PageAlloc(kernel, 0);
    const node = kernel.ref.nodes[0];
    mem.store(node + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    const z = kernel.zones[ZONE_NORMAL];
    while (z.nr_free_pages() > z.wmark(WMARK_LOW) + 8) pa.alloc_pages(GFP_KERNEL, 0);
    expect(mem.load(node + N_KSWAPD_WAKEUPS)).toBe(0);
    for (let i = 0; i < 16; i++) pa.alloc_pages(GFP_KERNEL, 0);
    expect(mem.load(node + N_KSWAPD_WAKEUPS)).toBe(1);
    expect(mem.load(node + N_KSWAPD_WAIT)).toBe(KSWAPD_WOKEN);
  });

  it('rejects an order above MAX_ORDER and a node that does not exist with a reason, not an exception', () => {
    const { kernel } = bootTest({ mem: 64 * MiB });
    const pa = new PageAlloc(kernel, 0);
    expect(pa.alloc_pages(GFP_KERNEL, 11)).toBe(-1);
    expect(pa.warn_alloc(GFP_KERNEL, 11)).toMatch(/order above MAX_ORDER \(10\)/);
    expect(pa.alloc_pages(GFP_KERNEL, 0, 3)).toBe(-1);
    expect(pa.warn_alloc(GFP_KERNEL, 0)).toMatch(/no such node/);
  });
});
