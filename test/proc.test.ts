import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { buddyinfo, meminfo, pagetypeinfo, procRead, vmstat, zoneinfo } from '../src/kernel/proc.js';
import { MiB, bootTest } from './kernel-helpers.js';

/** The 8M machine of buddy.test.ts: free orders 0..9 hold 1,1,1,1,1,2,2,2,2,2 blocks. */
const small = () => bootTest({ mem: 8 * MiB, dmaLimit: 0, kernelSize: 4096 });

describe('/proc views in the formats of 6.6', () => {
  it('/proc/buddyinfo: "Node %d, zone %8s " then "%6lu " per order, populated zones only', () => {
    const { kernel } = small();
    expect(buddyinfo(kernel)).toBe('Node 0, zone   Normal      1      1      1      1      1      2      2      2      2      2      0 \n');
  });

  it('/proc/pagetypeinfo: free blocks per type and order, then pageblocks per type', () => {
    const { kernel } = small();
    const lines = pagetypeinfo(kernel).split('\n');
    expect(lines.slice(0, 3)).toEqual(['Page block order: 9', 'Pages per block:  512', '']);
    expect(lines[3]).toBe('Free pages count per migrate type at order       0      1      2      3      4      5      6      7      8      9     10 ');
    expect(lines[5]).toBe('Node    0, zone   Normal, type      Movable      1      1      1      1      1      2      2      2      2      2      0 ');
    expect(lines).toContain('Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate ');
    expect(lines).toContain('Node 0, zone   Normal            0            4            0            0            0 ');
  });

  it('/proc/zoneinfo: watermarks, protection, NUMA events and the pagesets with count/high/batch', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0 });
    new PageAlloc(kernel, 0).alloc_pages(GFP_KERNEL, 0);
    const text = zoneinfo(kernel);
    expect(text).toContain('Node 0, zone   Normal\n  per-node stats\n      nr_inactive_anon 0');
    expect(text).toContain('\n        min      245\n        low      306\n        high     367\n        spanned  16384\n        present  16384\n        managed  15104\n        cma      0\n        protection: (0, 0, 0, 0)');
    expect(text).toContain('\n      numa_hit     1\n      numa_miss    0');
    expect(text).toContain('\n  pagesets\n    cpu: 0\n              count: 2\n              high:  306\n              batch: 3\n  vm stats threshold: 2');
    expect(text).toMatch(/Node 0, zone      DMA\n  pages free     0\n[\s\S]*protection: \(0, 0, 0, 0\)\nNode 0, zone    DMA32/);
  });

  it('/proc/meminfo: "%-16s%8lu kB"; MemFree leaves out pageset pages, MemAvailable the reserves', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0 });
    new PageAlloc(kernel, 0).alloc_pages(GFP_KERNEL, 0);
    const lines = meminfo(kernel).split('\n');
    expect(lines[0]).toBe('MemTotal:          60416 kB');
    expect(lines[1]).toBe(`MemFree:           ${(15104 - 3) * 4} kB`);
    expect(lines[2]).toBe(`MemAvailable:      ${(15104 - 3 - 367) * 4} kB`);
  });

  it('/proc/vmstat and numastat count NUMA events per allocation, pgalloc per page', () => {
    const { kernel } = bootTest({ nodes: 2, mem: 64 * MiB });
    const pa = new PageAlloc(kernel, 0);
    pa.alloc_pages(GFP_KERNEL, 2);
    pa.alloc_pages(GFP_KERNEL, 0, 1);
    const v = vmstat(kernel);
    expect(v).toContain('numa_hit 2\nnuma_miss 0\nnuma_foreign 0\nnuma_interleave 0\nnuma_local 1\nnuma_other 1\n');
    expect(v).toContain('pgalloc_normal 5\n');
    expect(procRead(kernel, bootTest({}).memblock, '/sys/devices/system/node/node1/numastat')).toContain('numa_other 1');
    expect(() => procRead(kernel, bootTest({}).memblock, '/sys/devices/system/node/node7/numastat')).toThrow(/there is no node 7/);
    expect(() => procRead(kernel, bootTest({}).memblock, '/proc/slabinfo')).toThrow(/no such file in this model/);
  });
});
