import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { INIT_MEMBLOCK_REGIONS, MAX_NUMNODES, Memblock, PHYS_ADDR_MAX } from '../src/kernel/memblock.js';
import { bootConfig } from '../src/kernel/bootconfig.js';
import { bootTest } from './kernel-helpers.js';

function fresh() {
  const arena = Arena.create(1 << 16);
  const log: string[] = [];
  const mb = Memblock.create(arena, new AtomicsMem(arena.sab), (l) => log.push(l));
  return { mb, log };
}

const M = 2 ** 20;

describe('memblock (Linux 6.6)', () => {
  it('starts each array with the dummy region {0, 0} and cnt 1 (before 6.11; since 6.11 cnt is 0)', () => {
    const { mb } = fresh();
    expect(mb.memory.cnt).toBe(1);
    expect(mb.memory.region(0)).toEqual({ base: 0n, size: 0n, flags: 0, nid: MAX_NUMNODES });
    expect(mb.reserved.debugfs()).toBe('   0: 0x0000000000000000..0xffffffffffffffff');
    expect(mb.memory.max).toBe(INIT_MEMBLOCK_REGIONS);
  });

  it('inserts only the uncovered gaps of an overlapping add, then merges what touches', () => {
    const { mb } = fresh();
    mb.add(0x1000n, 0x1000n);
    mb.add(0x3000n, 0x1000n);
    expect(mb.memory.cnt).toBe(2);
    mb.add(0x0n, 0x5000n);
    expect(mb.memory.regions()).toEqual([{ base: 0n, size: 0x5000n, flags: 0, nid: MAX_NUMNODES }]);
    expect(mb.memory.total_size).toBe(0x5000n);
    expect(mb.audit()).toEqual([]);
  });

  it('merges neighbours only when node and flags match', () => {
    const { mb } = fresh();
    mb.add_node(0n, 0x4000n, 0);
    mb.add_node(0x4000n, 0x4000n, 1);
    expect(mb.memory.cnt).toBe(2);
    mb.set_node(0x4000n, 0x4000n, 0);
    expect(mb.memory.regions()).toEqual([{ base: 0n, size: 0x8000n, flags: 0, nid: 0 }]);
  });

  it('isolates the edges on remove, and an emptied array gets its dummy back', () => {
    const { mb } = fresh();
    mb.add(0n, 0x10000n);
    mb.remove(0x4000n, 0x4000n);
    expect(mb.memory.debugfs()).toBe('   0: 0x0000000000000000..0x0000000000003fff\n   1: 0x0000000000008000..0x000000000000ffff');
    mb.remove(0n, 0x10000n);
    expect(mb.memory.cnt).toBe(1);
    expect(mb.memory.region(0)).toEqual({ base: 0n, size: 0n, flags: 0, nid: MAX_NUMNODES });
    expect(mb.phys_mem_size()).toBe(0n);
  });

  it('allocates top-down under current_limit, never page 0, and reserves what it returns', () => {
    const { mb } = fresh();
    mb.add(0n, 0x100000n);
    mb.reserve(0xf0000n, 0x10000n);
    expect(mb.alloc(0x1000n, 0x1000n)).toBe(0xef000n);
    expect(mb.reserved.regions()).toEqual([{ base: 0xef000n, size: 0x11000n, flags: 0, nid: MAX_NUMNODES }]);
    mb.current_limit = 0x80000n;
    expect(mb.alloc(0x2000n, 0x1000n)).toBe(0x7e000n);
    mb.bottom_up = true;
    expect(mb.alloc(0x1000n, 0x1000n)).toBe(0x1000n);
    expect(mb.alloc(0x200000n, 0x1000n)).toBe(0n);
  });

  it('keeps add(0, 4 GiB) as one 4 GiB region, and caps a range at PHYS_ADDR_MAX - base (memblock_cap_size)', () => {
    const { mb } = fresh();
    mb.add(0n, 1n << 32n);
    expect(mb.memory.regions()).toEqual([{ base: 0n, size: 1n << 32n, flags: 0, nid: MAX_NUMNODES }]);
    expect(mb.phys_mem_size()).toBe(1n << 32n);
    mb.add(PHYS_ADDR_MAX - 0xfffn, 0x2000n);
    expect(mb.memory.region(1)).toMatchObject({ base: PHYS_ADDR_MAX - 0xfffn, size: 0xfffn });
    expect(mb.end_of_DRAM()).toBe(PHYS_ADDR_MAX);
    expect(mb.audit()).toEqual([]);
  });

  it('cannot grow an array past 128 regions before resizing is allowed (6.6 panics): a ConfigError', () => {
    const { mb } = fresh();
    for (let i = 0; i < INIT_MEMBLOCK_REGIONS; i++) mb.reserve(BigInt(i) * 0x2000n, 0x1000n);
    expect(mb.reserved.cnt).toBe(128);
    expect(() => mb.reserve(0x1000000n, 0x1000n)).toThrow(ConfigError);
  });

  it("replays seed 000's mem= override: ATAG 1G at 0x80000000, then mem=900M removes all and adds 0x38400000", () => {
    const { mb, log } = fresh();
    mb.add(0x80000000n, 0x40000000n); // the boot loader's ATAG_MEM, already in the FDT
    mb.debug = true;
    expect(mb.dump_all()).toEqual([
      'MEMBLOCK configuration:',
      ' memory size = 0x0000000040000000 reserved size = 0x0000000000000000',
      ' memory.cnt  = 0x1',
      ' memory[0x0]\t[0x0000000080000000-0x00000000bfffffff], 0x0000000040000000 bytes flags: 0x0',
      ' reserved.cnt  = 0x1',
      ' reserved[0x0]\t[0x0000000000000000-0xffffffffffffffff], 0x0000000000000000 bytes flags: 0x0',
    ]);
    mb.remove(mb.start_of_DRAM(), mb.end_of_DRAM() - mb.start_of_DRAM(), 'early_mem');
    expect(mb.memory.cnt).toBe(1);
    expect(mb.memory.total_size).toBe(0n);
    mb.add(0x80000000n, 0x38400000n, 'arm_add_memory');
    // Seed 000 (32-bit ARM) prints 0x80000000..0xb83fffff; phys_addr_t is 64-bit here.
    expect(mb.memory.debugfs()).toBe('   0: 0x0000000080000000..0x00000000b83fffff');
    expect(log).toEqual([
      'memblock_remove: [0x0000000080000000-0x00000000bfffffff] early_mem',
      'memblock_add: [0x0000000080000000-0x00000000b83fffff] arm_add_memory',
    ]);
  });
});

describe('boot: firmware, command line, reservations', () => {
  const run = bootTest;

  it('applies early parameters in order: memblock=debug logs only the calls after it', () => {
    const quiet = run({ mem: 64 * M, cmdline: 'mem=48M memblock=debug' });
    expect(quiet.log.some((l) => l.startsWith('memblock_remove'))).toBe(false);
    expect(quiet.memblock.memory.debugfs()).toBe('   0: 0x0000000000000000..0x0000000002ffffff');
    const loud = run({ mem: 64 * M, cmdline: 'memblock=debug mem=48M' });
    expect(loud.log).toContain('memblock_remove: [0x0000000000000000-0x0000000003ffffff] early_mem');
    expect(loud.log).toContain('memblock_add: [0x0000000000000000-0x0000000002ffffff] arm_add_memory');
    expect(loud.log).toContain('MEMBLOCK configuration:');
  });

  it("boots seed 000's board: ATAG_MEM 1G at 0x80000000, then mem=900M", () => {
    const r = run({ mem: 1024 * M, physOffset: 0x80000000, dmaLimit: 0, atags: [{ base: 0x80000000, size: 1024 * M }], cmdline: 'memblock=debug mem=900M' });
    expect(r.log).toContain('memblock_remove: [0x0000000080000000-0x00000000bfffffff] early_mem');
    expect(r.log).toContain('memblock_add: [0x0000000080000000-0x00000000b83fffff] arm_add_memory');
    expect(r.memblock.memory.debugfs()).toBe('   0: 0x0000000080000000..0x00000000b83fffff');
    expect(r.kernel.zones[2].present_pages).toBe(0x38400000 / 4096);
  });

  it('lets ATAG_MEM replace the device tree memory, and a second mem= adds a bank (a hole between)', () => {
    const r = run({ mem: 64 * M, physOffset: 0x80000000, atags: [{ base: 0x80000000, size: 32 * M }], cmdline: 'mem=16M mem=16M@0x82000000' });
    expect(r.log[1]).toMatch(/ATAG_MEM/);
    expect(r.memblock.memory.debugfs()).toBe('   0: 0x0000000080000000..0x0000000080ffffff\n   1: 0x0000000082000000..0x0000000082ffffff');
    expect(r.log).toContain('On node 0, zone Normal: 4096 pages in unavailable ranges');
    const normal = r.kernel.zones[2];
    expect([normal.spanned_pages, normal.present_pages]).toEqual([12288, 8192]);
  });

  it('says what it ignored, as the kernel does', () => {
    const r = run({ mem: 64 * M, kernelSize: M, physOffset: 0x80000000, cmdline: 'quiet mem=8M@0x7fc00000 foo=1' });
    expect(r.log).toContain('Ignoring memory below PHYS_OFFSET: 0x7fc00000-0x80000000');
    expect(r.log).toContain('Unknown kernel command line parameters "quiet foo=1", will be passed to user space.');
    expect(r.memblock.memory.debugfs()).toBe('   0: 0x0000000080000000..0x00000000803fffff');
  });

  it('rejects bad input with errors naming the field', () => {
    expect(() => run({ mem: 64 * M, cmdline: 'mem=128M' })).toThrow(/--cmdline: mem=128M reaches .* past the machine's RAM/);
    expect(() => run({ mem: 64 * M, cmdline: 'mem=lots' })).toThrow(/--cmdline: mem=lots is not a size/);
    expect(() => bootConfig({ mem: 64 * M, dmaLimit: 16 * M, dma32Limit: 8 * M })).toThrow(/--zones: ZONE_DMA32 .* overlaps ZONE_DMA/);
    expect(() => bootConfig({ mem: 64 * M, dmaLimit: 128 * M })).toThrow(/--zones: ZONE_DMA ends at 128M, past the end of memory/);
    expect(() => bootConfig({ nodes: 2, mem: 64 * M, distance: [[10, 20], [20, 9]] })).toThrow(/--distance/);
    expect(() => bootConfig({ nodes: 3, mem: 64 * M })).toThrow(/--mem/);
  });

  it('gives each node its memmap from its own memory, top-down, and sizes nodes from memblock', () => {
    const r = run({ nodes: 2, mem: 128 * M, cmdline: 'mem=96M' });
    expect(r.memblock.reserved.debugfs().split('\n').slice(1)).toEqual([
      '   1: 0x0000000003f00000..0x0000000003ffffff',
      '   2: 0x0000000005f80000..0x0000000005ffffff',
    ]);
    expect(r.log).toContain('Initmem setup node 1 [mem 0x0000000004000000-0x0000000005ffffff]');
  });

  it('orders each zonelist by node distance, its own zones first, highest zone first (build_zonelists)', () => {
    const distance = [
      [10, 20, 12, 30],
      [20, 10, 30, 12],
      [12, 30, 10, 20],
      [30, 12, 20, 10],
    ];
    const r = run({ nodes: 4, mem: 128 * M, distance });
    expect(r.kernel.ref.node_order).toEqual([[0, 2, 1, 3], [1, 3, 0, 2], [2, 0, 3, 1], [3, 1, 2, 0]]);
    // Node 0 has DMA (below 16M) and Normal: Normal first, then DMA, then the other nodes' Normal.
    expect(r.kernel.ref.zonelists[0].map((z) => r.kernel.zones[z].name + r.kernel.zones[z].nid)).toEqual(['Normal0', 'DMA0', 'Normal2', 'Normal1', 'Normal3']);
  });

  it('round-robins nodes at equal distance through node_load', () => {
    const r = run({ nodes: 3, mem: 48 * M, dmaLimit: 0 });
    expect(r.kernel.ref.node_order).toEqual([[0, 1, 2], [1, 2, 0], [2, 0, 1]]);
  });
});

describe('memblock_phys_free', () => {
  it('gives a reserved range back, splitting the reservation', () => {
    const arena = Arena.create(1 << 16);
    const mb = Memblock.create(arena, new AtomicsMem(arena.sab), () => {});
    mb.add(0n, 0x100000n);
    mb.reserve(0x10000n, 0x4000n);
    mb.phys_free(0x11000n, 0x1000n);
    expect(mb.reserved.debugfs()).toBe('   0: 0x0000000000010000..0x0000000000010fff\n   1: 0x0000000000012000..0x0000000000013fff');
    expect(mb.freeRanges().map((r) => [r.start, r.end])).toEqual([[0n, 0x10000n], [0x11000n, 0x12000n], [0x14000n, 0x100000n]]);
  });
});
