import { describe, expect, it } from 'vitest';
import { Memblock } from '../src/kernel/memblock.js';
import { MEMBLOCK_DRIVER_MANAGED, MEMBLOCK_MIRROR, MEMBLOCK_NOMAP, PHYS_ADDR_MAX } from '../src/kernel/memblock_type.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * mm/memblock.c (6.6) beyond the ported test suite: what memblock=debug logs for each call
 * (memblock_dbg's lines, the caller's name where the kernel prints %pS), the region flags
 * (memblock_mark_mirror, memblock_mark_nomap and their clears) and who skips them
 * (should_skip_region), and the audit's every complaint on arrays broken by hand.
 */
function fresh() {
  const arena = Arena.create(1 << 16);
  const log: string[] = [];
  const mb = Memblock.create(arena, new AtomicsMem(arena.sab), (l) => log.push(l));
  return { mb, log, arena };
}
const hex = (v: bigint) => `0x${v.toString(16).padStart(16, '0')}`;

describe('memblock=debug', () => {
  it('logs each call with its range and caller, each allocation with its request, as memblock_dbg does; nothing with debug off', () => {
    const { mb, log, arena } = fresh();
    expect(arena.region('memblock').bytes).toBe(Memblock.words() * 4);
    mb.add(0x100000n, 0x1000000n);
    expect(log).toEqual([]);
    mb.debug = true;
    mb.add(0x1100000n, 0x100000n, 'arm_add_memory');
    mb.add_node(0x2000000n, 0x1000000n, 1);
    mb.reserve(0x200000n, 0x1000n);
    mb.phys_free(0x200000n, 0x1000n);
    mb.remove(0x2800000n, 0x100000n);
    expect(mb.alloc(0x1000n, 0x1000n)).toBe(0x2fff000n);
    expect(mb.alloc_from(0x1000n, 0x1000n, 0x400000n)).toBe(0x2ffe000n);
    expect(mb.alloc_low(0x1000n, 0x1000n)).toBe(0x2ffd000n);
    expect(mb.alloc_exact_nid(0x1000n, 0x1000n, 0n, 0n, 1)).toBe(0x2ffc000n);
    expect(log).toEqual([
      'memblock_add: [0x0000000001100000-0x00000000011fffff] arm_add_memory',
      'memblock_add_node: [0x0000000002000000-0x0000000002ffffff] nid=1 flags=0x0 memblock_add_node',
      'memblock_reserve: [0x0000000000200000-0x0000000000200fff] memblock_reserve',
      'memblock_phys_free: [0x0000000000200000-0x0000000000200fff] memblock_phys_free',
      'memblock_remove: [0x0000000002800000-0x00000000028fffff] memblock_remove',
      'memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x0000000000000000 memblock_alloc',
      'memblock_reserve: [0x0000000002fff000-0x0000000002ffffff] memblock_alloc_range_nid',
      'memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000400000 max_addr=0x0000000000000000 memblock_alloc_from',
      'memblock_reserve: [0x0000000002ffe000-0x0000000002ffefff] memblock_alloc_range_nid',
      'memblock_alloc_try_nid: 4096 bytes align=0x1000 nid=-1 from=0x0000000000000000 max_addr=0x00000000ffffffff memblock_alloc_low',
      'memblock_reserve: [0x0000000002ffd000-0x0000000002ffdfff] memblock_alloc_range_nid',
      'memblock_alloc_exact_nid_raw: 4096 bytes align=0x1000 nid=1 from=0x0000000000000000 max_addr=0x0000000000000000 memblock_alloc_exact_nid_raw',
      'memblock_reserve: [0x0000000002ffc000-0x0000000002ffcfff] memblock_alloc_range_nid',
    ]);
    expect(mb.reserved_size()).toBe(0x4000n);
    // memblock_phys_alloc_range and memblock_phys_alloc_try_nid reserve through memblock_alloc_range_nid too.
    log.length = 0;
    expect(mb.phys_alloc_range(0x1000n, 0x1000n, 0n, 0x300000n)).toBe(0x2ff000n);
    expect(mb.phys_alloc_try_nid(0x1000n, 0x1000n, 1)).toBe(0x2ffb000n);
    expect(log).toEqual(['memblock_reserve: [0x00000000002ff000-0x00000000002fffff] memblock_alloc_range_nid', 'memblock_reserve: [0x0000000002ffb000-0x0000000002ffbfff] memblock_alloc_range_nid']);
  });
});

describe('region flags and should_skip_region', () => {
  it('marks and clears MIRROR and NOMAP on a range, splitting the region; the dump shows the flags and the node', () => {
    const { mb } = fresh();
    mb.add(0x100000n, 0x1000000n);
    mb.add_node(0x2000000n, 0x100000n, 1);
    expect(mb.mark(0x500000n, 0x100000n, MEMBLOCK_MIRROR)).toBe(0);
    expect(mb.mark(0x700000n, 0x100000n, MEMBLOCK_NOMAP)).toBe(0);
    expect(mb.dump_all().slice(2, 9)).toEqual([
      ' memory.cnt  = 0x6',
      ' memory[0x0]\t[0x0000000000100000-0x00000000004fffff], 0x0000000000400000 bytes flags: 0x0',
      ' memory[0x1]\t[0x0000000000500000-0x00000000005fffff], 0x0000000000100000 bytes flags: 0x2',
      ' memory[0x2]\t[0x0000000000600000-0x00000000006fffff], 0x0000000000100000 bytes flags: 0x0',
      ' memory[0x3]\t[0x0000000000700000-0x00000000007fffff], 0x0000000000100000 bytes flags: 0x4',
      ' memory[0x4]\t[0x0000000000800000-0x00000000010fffff], 0x0000000000900000 bytes flags: 0x0',
      ' memory[0x5]\t[0x0000000002000000-0x00000000020fffff], 0x0000000000100000 bytes on node 1 flags: 0x0',
    ]);
    // A mirror request sees only mirrored memory; nomap memory only a request for it; node 1's only from node 1 or any
    // (memblock_add leaves the node MAX_NUMNODES, 64).
    const ranges = (nid: number, flags: number) => mb.freeRanges(nid, flags).map((r) => `${hex(r.start)}-${hex(r.end)}/${r.nid}`);
    expect(ranges(-1, MEMBLOCK_MIRROR)).toEqual(['0x0000000000500000-0x0000000000600000/64']);
    expect(ranges(-1, 0)).not.toContain('0x0000000000700000-0x0000000000800000/64');
    expect(ranges(-1, MEMBLOCK_NOMAP)).toContain('0x0000000000700000-0x0000000000800000/64');
    expect(ranges(1, 0)).toEqual(['0x0000000002000000-0x0000000002100000/1']);
    expect(mb.mark(0x500000n, 0x100000n, MEMBLOCK_MIRROR, false)).toBe(0);
    expect(mb.mark(0x700000n, 0x100000n, MEMBLOCK_NOMAP, false)).toBe(0);
    expect(mb.dump_all()[2]).toBe(' memory.cnt  = 0x2');
    expect(mb.audit()).toEqual([]);
  });

  it('driver-managed memory (add_memory_driver_managed) is skipped unless asked for', () => {
    const { mb } = fresh();
    mb.add_node(0x100000n, 0x100000n, 0, MEMBLOCK_DRIVER_MANAGED);
    expect(mb.freeRanges(-1, 0)).toEqual([]);
    expect(mb.freeRanges(-1, MEMBLOCK_DRIVER_MANAGED)).toEqual([{ start: 0x100000n, end: 0x200000n, nid: 0 }]);
  });

  it('reserved memory splits the free ranges; a reservation at the very start or past the end leaves no empty range', () => {
    const { mb } = fresh();
    mb.add(0x100000n, 0x400000n);
    mb.reserve(0x100000n, 0x1000n);
    mb.reserve(0x300000n, 0x1000n);
    mb.reserve(0x600000n, 0x1000n);
    expect(mb.freeRanges().map((r) => [r.start, r.end])).toEqual([[0x101000n, 0x300000n], [0x301000n, 0x500000n]]);
    mb.reserve(0x301000n, 0x1ff000n);
    expect(mb.freeRanges().map((r) => [r.start, r.end])).toEqual([[0x101000n, 0x300000n]]);
  });
});

describe('the two arrays in the image', () => {
  it('a full memory array and the reserved array do not share a word', () => {
    const { mb } = fresh();
    for (let i = 0; i < 127; i++) mb.add(BigInt(i) * 0x200000n + 0x100000n, 0x100000n);
    for (let i = 0; i < 60; i++) mb.reserve(BigInt(i) * 0x400000n + 0x100000n, 0x1000n);
    expect([mb.memory.cnt, mb.reserved.cnt]).toEqual([127, 60]);
    expect(mb.memory.regions().every((r, i) => r.base === BigInt(i) * 0x200000n + 0x100000n && r.size === 0x100000n)).toBe(true);
    expect(mb.reserved.regions().every((r, i) => r.base === BigInt(i) * 0x400000n + 0x100000n && r.size === 0x1000n)).toBe(true);
    expect(mb.audit()).toEqual([]);
  });
});

describe('audit', () => {
  it('names a region past PHYS_ADDR_MAX, an overlap, touching regions left unmerged, and a total that is not the sum', () => {
    const { mb } = fresh();
    mb.add(0x100000n, 0x100000n);
    mb.add(0x300000n, 0x100000n);
    expect(mb.audit()).toEqual([]);
    mb.memory.setRegion(1, 0x180000n, 0x100000n, 0, 0);
    expect(mb.audit()).toEqual(['memory[0] overlaps memory[1]']);
    mb.memory.setRegion(1, 0x200000n, 0x100000n, 0, mb.memory.rnid(0));
    expect(mb.audit()).toEqual(['memory[0] and [1] touch with the same nid and flags but were not merged']);
    mb.memory.setRegion(1, 0x200000n, 0x100000n, MEMBLOCK_MIRROR, mb.memory.rnid(0));
    expect(mb.audit()).toEqual([]);
    mb.memory.setRegion(1, 0x200000n, 0x200000n, MEMBLOCK_MIRROR, mb.memory.rnid(0));
    expect(mb.audit()).toEqual(['memory.total_size 2097152 != sum of regions 3145728']);
    mb.memory.setRegion(1, PHYS_ADDR_MAX - 0xfffffn, 0x100000n, 0, 0);
    expect(mb.audit()).toEqual(['memory[1] ends past PHYS_ADDR_MAX']);
    mb.reserved.setRegion(0, 0x100n, 0x100n, 0, 0);
    expect(mb.audit()).toContain('reserved.total_size 0 != sum of regions 256');
  });
});

describe('memblock_double_array and the allocators\' defaults', () => {
  it('before memblock_allow_resize a 129th region is refused by name; after, the array doubles into memory it reserves, and the old home goes back', () => {
    const { mb, log } = fresh();
    mb.add(0x100000n, 0x4000000n);
    for (let i = 0; i < 128; i++) mb.reserve(BigInt(i) * 0x2000n + 0x200000n, 0x1000n);
    expect(() => mb.reserve(0x1000000n, 0x1000n)).toThrow('firmware: memblock: cannot resize reserved array (allowed: at most 128 regions per array before memblock_allow_resize)');
    mb.allow_resize();
    mb.debug = true;
    expect(mb.reserve(0x1000000n, 0x1000n)).toBe(0);
    // 256 regions of 24 bytes: 6144 bytes, two pages, at the top of memory (away from the range being reserved).
    expect(log).toEqual(['memblock_reserve: [0x0000000001000000-0x0000000001000fff] memblock_reserve', 'memblock: reserved is doubled to 256 at [0x00000000040fe000-0x00000000040ff7ff]']);
    expect(mb.reserved.max).toBe(256);
    expect(mb.reserved_size()).toBe(129n * 0x1000n + 0x2000n);
    for (let i = 128; i < 256; i++) mb.reserve(BigInt(i) * 0x2000n + 0x200000n, 0x1000n);
    // The second doubling frees the first new home (two pages) and reserves three (512 * 24 bytes).
    expect(mb.reserved.max).toBe(512);
    expect(mb.reserved_size()).toBe(257n * 0x1000n + 0x3000n);
    expect(log.filter((l) => l.includes('doubled'))).toEqual(['memblock: reserved is doubled to 256 at [0x00000000040fe000-0x00000000040ff7ff]', 'memblock: reserved is doubled to 512 at [0x00000000040fb000-0x00000000040fdfff]']);
    expect(mb.audit()).toEqual([]);
  });

  it('with no room for the doubled array the add fails with -ENOMEM and says so', () => {
    const { mb, log } = fresh();
    mb.allow_resize();
    for (let i = 0; i < 128; i++) mb.add(BigInt(i) * 0x2000n + 0x2000n, 0x1000n);
    // 128 regions of one page each: no 8 KiB (2 * 128 * 24 bytes, page-aligned) anywhere.
    expect(mb.add(0x1000000n, 0x1000n)).toBe(-12);
    expect(log).toEqual(['memblock: Failed to double memory array from 128 to 256 entries !']);
    // Splitting a region for a flag or a node needs two more slots: the same -ENOMEM, nothing changed.
    expect(mb.mark(0x2800n, 0x400n, MEMBLOCK_MIRROR)).toBe(-12);
    expect(mb.set_node(0x2800n, 0x400n, 1)).toBe(-12);
    expect(mb.memory.cnt).toBe(128);
    expect(mb.memory.regions().every((r) => r.flags === 0 && r.size === 0x1000n)).toBe(true);
    // A range of size 0 isolates nothing and succeeds.
    expect(mb.mark(0x2000n, 0n, MEMBLOCK_MIRROR)).toBe(0);
  });

  it('an align of 0 is SMP_CACHE_BYTES; nid MAX_NUMNODES is any node; max_addr is capped at current_limit', () => {
    const { mb } = fresh();
    mb.add(0x100000n, 0x100000n);
    expect(mb.phys_alloc_range(100n, 0n, 0n, 0x200000n)).toBe(0x1fff80n);
    expect(mb.phys_alloc_try_nid(0x1000n, 0x1000n, 64)).toBe(0x1fe000n);
    mb.current_limit = 0x180000n;
    expect(mb.alloc_try_nid(0x1000n, 0x1000n, 0n, 0x1000000n, -1)).toBe(0x17f000n);
  });

  it('trim_memory: each region rounded in to the alignment, a region with nothing left removed, an aligned one untouched', () => {
    const { mb } = fresh();
    mb.add(0x1800n, 0x800n);
    mb.add(0x4000n, 0x4000n);
    mb.add(0x10800n, 0x2000n);
    mb.trim_memory(0x1000n);
    expect(mb.memory.regions().map((r) => [r.base, r.size])).toEqual([[0x4000n, 0x4000n], [0x11000n, 0x1000n]]);
  });
});
