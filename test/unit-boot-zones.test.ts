import { describe, expect, it } from 'vitest';
import { bootTest } from './kernel-helpers.js';
import type { BootConfig } from '../src/kernel/bootconfig.js';

/**
 * The boot's memory layout at its edges (Linux 6.6 on ARM): arm_add_memory (arch/arm/kernel/
 * setup.c) for each mem= range, and find_zone_movable_pfns_for_nodes with
 * adjust_zone_range_for_zone_movable and zone_spanned_pages_in_node (mm/mm_init.c) for
 * movablecore= on two nodes. Pages are 4K; MAX_ORDER_NR_PAGES is 1024 (4M).
 */
const M = 2 ** 20;
const hex = (v: number) => `0x${v.toString(16)}`;

function regions(cmdline: string) {
  const { memblock, log } = bootTest({ mem: 16 * M, physOffset: 4 * M, dmaLimit: 0, kernelSize: 4096, cmdline });
  return {
    memory: [...memblock.memory.numberRegions()].map((r) => [hex(r.base), hex(r.size)]),
    ignored: log.filter((l) => l.startsWith('Ignoring memory below PHYS_OFFSET')),
  };
}

/** Each node's zones as [name, start pfn, spanned pages], the empty ones left out, and the movable zone starts logged. */
function zones(cmdline: string, over: Partial<BootConfig> = {}) {
  const { kernel, log } = bootTest({ nodes: 2, mem: 64 * M, kernelSize: 4096, dmaLimit: 16 * M, cmdline, ...over });
  const spans = [0, 1].map((nid) => kernel.zones.filter((z) => z.nid === nid && z.spanned_pages > 0).map((z) => [z.name, z.zone_start_pfn, z.spanned_pages]));
  return { spans, movable: log.filter((l) => /^ {2}Node \d: 0x/.test(l)).map((l) => l.trim()) };
}

describe('arm_add_memory: each mem= range page-aligned, clipped at PHYS_OFFSET (logged), checked against RAM', () => {
  it('a range that starts below PHYS_OFFSET keeps the part above it, and logs the part dropped', () => {
    expect(regions('mem=8M@0x200000')).toEqual({ memory: [['0x400000', '0x600000']], ignored: ['Ignoring memory below PHYS_OFFSET: 0x00200000-0x00400000'] });
  });

  it('a range wholly below PHYS_OFFSET is dropped, logged with its own end', () => {
    expect(regions('mem=1M@0x100000 mem=8M@0x400000')).toEqual({
      memory: [['0x400000', '0x800000']], ignored: ['Ignoring memory below PHYS_OFFSET: 0x00100000-0x00200000'],
    });
  });

  it('the start rounds up to a page and the size down, from what is left; a range inside one page is nothing', () => {
    // 10K at 4M + 2K: from 4M + 4K, 8K left.
    expect(regions('mem=0x2800@0x400800 mem=8M@0x800000').memory).toEqual([['0x401000', '0x2000'], ['0x800000', '0x800000']]);
    // 12K - 1 at a page: two whole pages.
    expect(regions('mem=0x2fff@0x401000 mem=8M@0x800000').memory).toEqual([['0x401000', '0x2000'], ['0x800000', '0x800000']]);
    expect(regions('mem=0x100@0x400800 mem=8M@0x800000').memory).toEqual([['0x800000', '0x800000']]);
  });

  it('a range may end exactly at the end of RAM; one page further is refused, naming both ends', () => {
    expect(regions('mem=12M@0x800000').memory).toEqual([['0x800000', '0xc00000']]);
    expect(() => regions('mem=16M@0x800000')).toThrow(
      "--cmdline: mem=16M@0x800000 reaches 0x00000000017fffff, past the machine's RAM, which ends at 0x00000000013fffff (allowed: mem= up to 16M from PHYS_OFFSET)",
    );
  });
});

describe('movablecore= on two 32M nodes: kernelcore spread over the nodes, ZONE_MOVABLE from where each node\'s part ends', () => {
  it('16M movable: 24M of kernelcore a node, so ZONE_MOVABLE is the top 8M of each', () => {
    expect(zones('movablecore=16M')).toEqual({
      spans: [[['DMA', 0, 4096], ['Normal', 4096, 2048], ['Movable', 6144, 2048]], [['Normal', 8192, 6144], ['Movable', 14336, 2048]]],
      movable: ['Node 0: 0x0000000001800000', 'Node 1: 0x0000000003800000'],
    });
  });

  it('kernelcore below the movable zone\'s lowest pfn counts toward the whole request; a node short of its share leaves the rest to a second pass', () => {
    // 40M movable, 24M of kernelcore, 12M a node. Node 0's 16M of DMA counts whole: 8M are left,
    // so node 1's share is 4M (36M) and a second pass over one node gives node 0 the last 4M (20M).
    expect(zones('movablecore=40M')).toEqual({
      spans: [[['DMA', 0, 4096], ['Normal', 4096, 1024], ['Movable', 5120, 3072]], [['Normal', 8192, 1024], ['Movable', 9216, 7168]]],
      movable: ['Node 0: 0x0000000001400000', 'Node 1: 0x0000000002400000'],
    });
    // DMA up to 48M holds all 48M of kernelcore: node 0 keeps no ZONE_MOVABLE, node 1's is all of its Normal.
    expect(zones('movablecore=16M', { dmaLimit: 48 * M })).toEqual({
      spans: [[['DMA', 0, 8192]], [['DMA', 8192, 4096], ['Movable', 12288, 4096]]],
      movable: ['Node 1: 0x0000000003000000'],
    });
    // Unequal nodes (mem= leaves node 0 20M, node 1 8M): node 1 cannot hold its 10M share; the
    // second pass pushes node 0's start to 18M, which rounds up to its end, so only node 1 has one.
    expect(zones('mem=20M mem=8M@0x2000000 movablecore=8M').movable).toEqual(['Node 1: 0x0000000002400000']);
  });

  it('a share that rounds up to the node\'s end leaves it no ZONE_MOVABLE; a request of all memory or more makes none at all', () => {
    // 1M rounds up to 4M movable: each node's 30M of kernelcore rounds up to its 32M end.
    expect(zones('movablecore=1M').movable).toEqual([]);
    expect(zones('movablecore=100M')).toEqual({ spans: [[['DMA', 0, 4096], ['Normal', 4096, 4096]], [['Normal', 8192, 8192]]], movable: [] });
  });

  it('a node that mem= left empty spans no zone and takes no share', () => {
    expect(zones('movablecore=16M mem=24M')).toEqual({ spans: [[['DMA', 0, 4096], ['Movable', 4096, 2048]], []], movable: ['Node 0: 0x0000000001000000'] });
    // No DMA zone: node 0 alone carries all 16M of kernelcore (not half of it, as if node 1 took a share).
    expect(zones('movablecore=8M mem=24M', { dmaLimit: 0 })).toEqual({ spans: [[['Normal', 0, 4096], ['Movable', 4096, 2048]], []], movable: ['Node 0: 0x0000000001000000'] });
  });
});

describe('the boot log and the firmware memory', () => {
  it('prints what setup_arch, free_area_init and mm_core_init print, line for line', () => {
    const { log } = bootTest({ nodes: 2, mem: 64 * M, kernelSize: 64 * 1024, dmaLimit: 16 * M, cmdline: 'quiet mem=20M mem=8M@0x2000000 movablecore=8M foo=bar' });
    expect(log).toEqual([
      'Linux version 6.6 (memrace model), 2 NUMA node(s), 2 CPU(s)',
      'Kernel command line: quiet mem=20M mem=8M@0x2000000 movablecore=8M foo=bar',
      'Unknown kernel command line parameters "quiet foo=bar", will be passed to user space.',
      'Zone ranges:',
      '  DMA      [mem 0x0000000000000000-0x0000000000ffffff]',
      '  DMA32    empty',
      '  Normal   [mem 0x0000000001000000-0x00000000027fffff]',
      'Movable zone start for each node',
      '  Node 1: 0x0000000002400000',
      'Early memory node ranges',
      '  node   0: [mem 0x0000000000000000-0x00000000013fffff]',
      '  node   1: [mem 0x0000000002000000-0x00000000027fffff]',
      'Initmem setup node 0 [mem 0x0000000000000000-0x00000000013fffff]',
      'Initmem setup node 1 [mem 0x0000000002000000-0x00000000027fffff]',
      // 7168 pages less the 16 of the kernel image and the memmaps' 80 + 32 (64 bytes a page).
      'Built 2 zonelists, mobility grouping on.  Total pages: 7040',
      'Memory: 28160K/28672K available (64K kernel code, 0K rwdata, 0K rodata, 0K init, 0K bss, 512K reserved, 0K cma-reserved)',
    ]);
  });

  it('ATAG_MEM tags replace the device tree\'s nodes; one reaching a page outside RAM on either side is refused', () => {
    const atags = (tags: Array<{ base: number; size: number }>) => {
      const { memblock, log } = bootTest({ mem: 16 * M, physOffset: 4 * M, dmaLimit: 0, kernelSize: 4096, atags: tags });
      return { memory: [...memblock.memory.numberRegions()].map((r) => [hex(r.base), hex(r.size)]), said: log.filter((l) => l.startsWith('ATAG_MEM')) };
    };
    expect(atags([{ base: 4 * M, size: 8 * M }, { base: 16 * M, size: 4 * M }])).toEqual({
      memory: [['0x400000', '0x800000'], ['0x1000000', '0x400000']],
      said: ["ATAG_MEM: the boot loader's 2 memory tag(s) replace the device tree's memory node(s)"],
    });
    expect(atags([{ base: 4 * M, size: 16 * M }]).memory).toEqual([['0x400000', '0x1000000']]);
    const outside = '(allowed: ranges inside PHYS_OFFSET .. PHYS_OFFSET + --mem)';
    expect(() => atags([{ base: 4 * M - 4096, size: 8192 }])).toThrow(
      `--atags: ATAG_MEM [0x00000000003ff000-0x0000000000400fff] lies outside the machine's RAM [0x0000000000400000-0x00000000013fffff] ${outside}`,
    );
    expect(() => atags([{ base: 4 * M, size: 16 * M + 4096 }])).toThrow(
      `--atags: ATAG_MEM [0x0000000000400000-0x0000000001400fff] lies outside the machine's RAM [0x0000000000400000-0x00000000013fffff] ${outside}`,
    );
  });
});
