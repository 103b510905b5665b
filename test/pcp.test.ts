import { describe, expect, it } from 'vitest';
import { auditKernel } from '../src/kernel/audit.js';
import { GFP_KERNEL, GFP_HIGHUSER_MOVABLE } from '../src/kernel/gfp.js';
import { ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import {
  S_NUMA_FOREIGN, S_NUMA_HIT, S_NUMA_LOCAL, S_NUMA_MISS, S_NUMA_OTHER, S_PCP_DRAIN, S_PCP_FREE_BULK, S_PCP_HIT,
  S_PCP_REFILL, S_PCP_TRYLOCK_FAIL, zone_batchsize, zone_highsize,
} from '../src/kernel/pcp.js';
import { MiB, bootTest } from './kernel-helpers.js';

describe('pageset sizing (6.6 zone_batchsize, zone_highsize)', () => {
  it('batch = rounddown_pow_of_two(b + b/2) - 1, b = min(managed >> 10, 256) / 4', () => {
    expect(zone_batchsize(262144)).toBe(63); // 1G of 4K pages: SPEC's 63
    expect(zone_batchsize(4 * 262144)).toBe(63); // capped at 1 MiB / PAGE_SIZE
    expect(zone_batchsize(15104)).toBe(3); // b = 14 / 4 = 3 -> rounddown(4) - 1
    expect(zone_batchsize(1024)).toBe(0); // b = 0 -> 1 -> rounddown(1) - 1 = 0; the caller takes max(1, batch)
  });

  it('high = low watermark / CPUs of the node, at least 4 batches', () => {
    expect(zone_highsize(306, 3, 1)).toBe(306);
    expect(zone_highsize(306, 3, 2)).toBe(153);
    expect(zone_highsize(20, 31, 1)).toBe(124);
  });

  it('boots a 64M node with batch 3 and high = its low watermark 306', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0 });
    const z = kernel.zones[ZONE_NORMAL];
    expect(z.managed_pages).toBe(15104);
    expect(kernel.ref.min_free_kbytes).toBe(983); // int_sqrt(15104 * 4 * 16)
    expect([z.wmark(0), z.wmark(1), z.wmark(2)]).toEqual([245, 306, 367]);
    const pcp = kernel.pageset(0, ZONE_NORMAL);
    expect([pcp.batch, pcp.high]).toEqual([3, 306]);
  });
});

describe('pageset refill, free past high, drain', () => {
  function setup(given = {}) {
    const b = bootTest({ mem: 64 * MiB, dmaLimit: 0, ...given });
    const zone = b.kernel.zones[ZONE_NORMAL];
    const pa = new PageAlloc(b.kernel, 0);
    const pcp = pa.pcp(zone);
    return { ...b, zone, pa, pcp, free0: zone.nr_free_pages() };
  }

  it('a block freed twice is one bad_page and nothing freed again (its tail halves included)', () => {
    const { pa, kernel } = setup();
    const pfn = pa.alloc_pages(GFP_KERNEL, 2);
    pa.__free_pages(pfn, 2);
    pa.__free_pages(pfn, 2);
    expect(pa.badPages).toBe(1);
    expect(auditKernel(kernel).violations).toEqual([]);
    // Nothing of the block is handed out twice: four order-0 allocations get four distinct pages.
    const got = [0, 1, 2, 3].map(() => pa.alloc_pages(GFP_KERNEL, 0));
    expect(new Set(got).size).toBe(4);
  });

  it('refills max(batch >> order, 2) pages under one zone lock hold and serves the rest from the list head', () => {
    const { pa, pcp, zone, free0 } = setup();
    expect(pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 0)).toBe(0); // the order-3 block at 0 split: 0, 1, 2 to the list
    expect([pcp.count, pcp.stat(S_PCP_REFILL), zone.nr_free_pages()]).toEqual([2, 1, free0 - 3]);
    expect(pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 0)).toBe(1);
    expect(pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 0)).toBe(2);
    expect([pcp.count, pcp.stat(S_PCP_HIT), pcp.stat(S_PCP_REFILL)]).toEqual([0, 2, 1]);
  });

  it('past high frees batch << free_factor from the list tails (6.6 scales the batch), and an allocation halves the factor', () => {
    const { pa, pcp, zone, free0, kernel } = setup();
    pcp.init(8, 2); // as a smaller percpu_pagelist_high_fraction would
    const got = Array.from({ length: 10 }, () => pa.alloc_pages(GFP_KERNEL, 0));
    expect([pcp.stat(S_PCP_REFILL), pcp.stat(S_PCP_HIT), pcp.count]).toEqual([5, 5, 0]);
    for (const pfn of got) pa.__free_pages(pfn, 0);
    // 8th free: count 8 >= high: free 2 (factor 0 -> 1), count 6; 10th: count 8: free 2 << 1 = 4 (factor 2), count 4.
    expect([pcp.count, pcp.stat(S_PCP_FREE_BULK), pcp.free_factor]).toEqual([4, 2, 2]);
    expect(zone.nr_free_pages()).toBe(free0 - 4);
    expect(kernel.pages.page_count(got[0])).toBe(0);
    expect(pa.alloc_pages(GFP_KERNEL, 0)).toBe(got[9]); // the head: the last page freed
    expect([pcp.free_factor, pcp.count]).toEqual([1, 3]);
    expect(pcp.drain(0)).toBe(3);
    expect([pcp.count, pcp.stat(S_PCP_DRAIN), zone.nr_free_pages()]).toEqual([0, 1, free0 - 1]);
    expect(auditKernel(kernel).violations).toEqual([]);
  });

  it('with --pcp off (high 0, batch 1) every page goes through the zone lock', () => {
    const { pa, pcp, zone, free0 } = setup({ pcp: false });
    expect([pcp.high, pcp.batch]).toEqual([0, 1]);
    const a = pa.alloc_pages(GFP_KERNEL, 0);
    const b = pa.alloc_pages(GFP_KERNEL, 0);
    expect([pcp.stat(S_PCP_REFILL), pcp.stat(S_PCP_HIT), pcp.count]).toEqual([2, 0, 0]);
    pa.__free_pages(a, 0);
    pa.__free_pages(b, 0);
    expect([pcp.stat(S_PCP_FREE_BULK), pcp.count, zone.nr_free_pages()]).toEqual([2, 0, free0]);
  });

  it('falls back to the buddy lists when the pageset lock is busy (a remote drain holds it)', () => {
    const { pa, pcp, zone, free0 } = setup();
    expect(pcp.lock.trylock(7)).toBe(true);
    const pfn = pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
    expect(pfn).toBe(0);
    expect([pcp.stat(S_PCP_TRYLOCK_FAIL), pcp.count, zone.nr_free_pages()]).toEqual([1, 0, free0 - 1]);
    pa.__free_pages(pfn, 0);
    expect([pcp.stat(S_PCP_TRYLOCK_FAIL), pcp.count, zone.nr_free_pages()]).toEqual([2, 0, free0]);
    pcp.lock.unlock();
  });

  it('counts NUMA hit, miss, foreign, local and other as /proc/vmstat does', () => {
    const { kernel, pa } = setup({ nodes: 2, mem: 64 * MiB });
    const n0 = kernel.zones[ZONE_NORMAL];
    const n1 = kernel.zones[4 + ZONE_NORMAL];
    const s = (z: number, stat: number) => kernel.pcpStat(stat, z);
    pa.alloc_pages(GFP_KERNEL, 0, 1); // node 1 asked for and used: hit, but other (CPU 0 is on node 0)
    expect([s(4 + ZONE_NORMAL, S_NUMA_HIT), s(4 + ZONE_NORMAL, S_NUMA_OTHER)]).toEqual([1, 1]);
    let pfn = 0;
    while ((pfn = pa.alloc_pages(GFP_KERNEL, 0)) >= 0 && kernel.pages.page_to_nid(pfn) === 0);
    // Node 0 fell under its low watermark: the page came from node 1, a miss there, foreign on node 0.
    expect(kernel.pages.page_to_nid(pfn)).toBe(1);
    expect(n0.nr_free_pages()).toBeLessThanOrEqual(n0.wmark(1) + n0.lowmem_reserve(ZONE_NORMAL) + pa.pcp(n0).batch);
    expect([s(4 + ZONE_NORMAL, S_NUMA_MISS), s(ZONE_NORMAL, S_NUMA_FOREIGN)]).toEqual([1, 1]);
    expect(s(ZONE_NORMAL, S_NUMA_LOCAL)).toBe(s(ZONE_NORMAL, S_NUMA_HIT));
    expect(n1.managed_pages).toBeGreaterThan(0);
  });
});
