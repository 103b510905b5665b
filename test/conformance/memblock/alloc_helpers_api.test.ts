import { describe, expect } from 'vitest';
import { MEM_SIZE, SMP_CACHE, SZ_128, SZ_16, SZ_2, SZ_32, SZ_64, SZ_8, bothWays, setup_memblock } from './harness.js';

/**
 * tools/testing/memblock/tests/alloc_helpers_api.c, transcribed: memblock_alloc_from(size,
 * align, min_addr), i.e. memblock_alloc_try_nid(min_addr, MEMBLOCK_ALLOC_ACCESSIBLE), against
 * mm/memblock.c of Linux 6.6: where nothing fits above min_addr, memblock_alloc_internal's
 * retry from 0 grants the memory anyway.
 */
describe('alloc_helpers_api.c: memblock_alloc_helpers_checks (memblock_alloc_from)', () => {
  bothWays('alloc_from_simple_check (alloc_from_simple_generic_check)', (bu) => {
    const mb = setup_memblock(bu);
    const min = mb.end_of_DRAM() - SMP_CACHE;
    expect(mb.alloc_from(SZ_16, SMP_CACHE, min)).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: min, size: SZ_16 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_16]);
  });
  bothWays('alloc_from_misaligned_check (alloc_from_misaligned_generic_check): the next aligned address', (bu) => {
    const mb = setup_memblock(bu);
    expect(mb.alloc_from(SZ_32, SMP_CACHE, mb.end_of_DRAM() - (SMP_CACHE * 2n - 1n))).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: mb.end_of_DRAM() - SMP_CACHE, size: SZ_32 });
  });
  bothWays('alloc_from_high_addr_check: min_addr too close to the end: memory is granted below it', (bu) => {
    const mb = setup_memblock(bu);
    expect(mb.alloc_from(SZ_32, SMP_CACHE, mb.end_of_DRAM() - (bu ? SZ_8 : SZ_16))).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: bu ? mb.start_of_DRAM() : mb.end_of_DRAM() - SMP_CACHE, size: SZ_32 });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_from_no_space_above_check: everything above min_addr reserved', (bu) => {
    const mb = setup_memblock(bu);
    if (bu) {
      const min = mb.start_of_DRAM() + SZ_128;
      const r2 = mb.end_of_DRAM() - min;
      mb.reserve(min - SMP_CACHE, r2);
      expect(mb.alloc_from(SZ_64, SMP_CACHE, min)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: mb.start_of_DRAM(), size: SZ_64 });
      expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, SZ_64 + r2]);
    } else {
      const min = mb.end_of_DRAM() - SMP_CACHE * 2n;
      mb.reserve(min, SZ_2);
      expect(mb.alloc_from(SZ_64, SMP_CACHE, min)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: min - SZ_64, size: SZ_64 + SZ_2 });
      expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_64 + SZ_2]);
    }
  });
  bothWays('alloc_from_min_addr_cap_check: min_addr below the start of memory', (bu) => {
    const mb = setup_memblock(bu);
    const start = mb.start_of_DRAM();
    if (!bu) mb.reserve(start + SZ_64, MEM_SIZE - SZ_64);
    expect(mb.alloc_from(SZ_64, SMP_CACHE, start - SMP_CACHE * 3n)).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: start, size: bu ? SZ_64 : MEM_SIZE });
    expect(mb.reserved.cnt).toBe(1);
  });
});
