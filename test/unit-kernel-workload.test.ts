import { describe, expect, it } from 'vitest';
import { allocatedPages, auditKernel } from '../src/kernel/audit.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { MIXED_GFP, mixedWorkload } from '../src/kernel/workload.js';
import { bootTest } from './kernel-helpers.js';

/**
 * mixedWorkload, the used and fragmented machine behind `memrace proc --workload` and the
 * fragmentation benchmark: what it leaves allocated is exactly what it returns, within the
 * orders and gfp masks asked for, and the same seed leaves the same machine.
 */
const boot = () => bootTest({ mem: 32 * 2 ** 20, cpusPerNode: 2 }).kernel;

describe('mixedWorkload', () => {
  it('keeps `keep` blocks in flight, of orders within [minOrder, maxOrder] and the three gfp masks, each on the CPU that took it', () => {
    const k = boot();
    const held = mixedWorkload(k, 200, { seed: 3, minOrder: 1, maxOrder: 2, keep: 40 });
    expect(held).toHaveLength(40);
    for (const b of held) {
      expect(b.order === 1 || b.order === 2).toBe(true);
      expect(MIXED_GFP).toContain(b.gfp);
      expect(b.pfn & ((1 << b.order) - 1)).toBe(0);
      expect(k.pages.page_count(b.pfn)).toBe(1);
    }
    expect(new Set(held.map((b) => b.cpu))).toEqual(new Set([0, 1]));
    const a = auditKernel(k);
    expect(a.violations).toEqual([]);
    // What the audit finds allocated is what it returned, page for page.
    expect(allocatedPages(k, a)).toBe(held.reduce((n, b) => n + (1 << b.order), 0));
    const cpus = [new PageAlloc(k, 0), new PageAlloc(k, 1)];
    for (const b of held) cpus[b.cpu].__free_pages(b.pfn, b.order);
    expect(allocatedPages(k, auditKernel(k))).toBe(0);
  });

  it('defaults: seed 1, orders 0-3, half the operations kept; the same seed leaves the same blocks, another seed others', () => {
    const first = mixedWorkload(boot(), 60);
    expect(first).toHaveLength(30);
    expect(Math.max(...first.map((b) => b.order))).toBe(3);
    expect(Math.min(...first.map((b) => b.order))).toBe(0);
    expect(mixedWorkload(boot(), 60, { seed: 1 })).toEqual(first);
    expect(mixedWorkload(boot(), 60, { seed: 2 })).not.toEqual(first);
    expect(mixedWorkload(boot(), 1)).toHaveLength(1);
  });
});
