import { describe, expect } from 'vitest';
import { DUMMY_BASE, MEM_SIZE, SMP_CACHE, SZ_128, SZ_16, SZ_1K, SZ_2, SZ_256, SZ_512, SZ_64, SZ_8, bothWays, fresh, setup_memblock } from './harness.js';

/**
 * tools/testing/memblock/tests/alloc_api.c, transcribed: memblock_alloc(size, align) on
 * MEM_SIZE of memory, each case run as upstream runs it (top-down and bottom-up variants,
 * or the generic body in both directions), against mm/memblock.c of Linux 6.6. memblock
 * returns the physical address; the zeroed-contents checks (assert_mem_content) have no
 * counterpart, as this model keeps no contents. memblock_alloc_raw (added after 6.6) takes
 * the same placement path and is not repeated.
 */
describe('alloc_api.c: memblock_alloc_checks', () => {
  bothWays('alloc_simple_check (alloc_top_down_simple_check / alloc_bottom_up_simple_check)', (bu) => {
    const mb = setup_memblock(bu);
    const p = mb.alloc(SZ_2, SMP_CACHE);
    expect(p).not.toBe(0n);
    const want = bu ? mb.start_of_DRAM() : mb.end_of_DRAM() - SMP_CACHE;
    expect(mb.reserved.region(0)).toMatchObject({ base: want, size: SZ_2 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_2]);
  });

  bothWays('alloc_disjoint_check: a misaligned reservation, the new one on the alignment boundary', (bu) => {
    const mb = setup_memblock(bu);
    const align = SMP_CACHE * 2n;
    const r1 = bu ? { base: mb.start_of_DRAM() + SZ_2, size: SZ_2 } : { base: mb.end_of_DRAM() - SZ_2, size: SZ_2 };
    mb.reserve(r1.base, r1.size);
    expect(mb.alloc(SZ_16, align)).not.toBe(0n);
    const want = bu ? mb.start_of_DRAM() + align : mb.end_of_DRAM() - align;
    const [old, made] = bu ? [0, 1] : [1, 0];
    expect(mb.reserved.region(old)).toMatchObject(r1);
    expect(mb.reserved.region(made)).toMatchObject({ base: want, size: SZ_16 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, SZ_2 + SZ_16]);
  });

  bothWays('alloc_before_check: first fit beside a reservation, merged', (bu) => {
    const mb = setup_memblock(bu);
    if (bu) {
      mb.reserve(mb.start_of_DRAM() + SZ_512, SZ_128);
      expect(mb.alloc(SZ_512, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: mb.start_of_DRAM(), size: SZ_512 + SZ_128 });
      expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_512 + SZ_128]);
    } else {
      const total = SMP_CACHE + SZ_512;
      mb.reserve(mb.end_of_DRAM() - total, SMP_CACHE);
      expect(mb.alloc(SZ_512, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: mb.end_of_DRAM() - total, size: total });
      expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, total]);
    }
  });

  bothWays('alloc_after_check: second fit beside a reservation, merged', (bu) => {
    const mb = setup_memblock(bu);
    if (bu) {
      const r1 = { base: mb.start_of_DRAM() + SMP_CACHE, size: SZ_64 };
      mb.reserve(r1.base, r1.size);
      expect(mb.alloc(SZ_512, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: r1.base, size: SZ_64 + SZ_512 });
    } else {
      const r1 = { base: mb.end_of_DRAM() - SMP_CACHE, size: SZ_8 };
      mb.reserve(r1.base, r1.size);
      expect(mb.alloc(SZ_512, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: r1.base - SZ_512, size: SZ_8 + SZ_512 });
    }
    expect(mb.reserved.cnt).toBe(1);
  });

  bothWays('alloc_second_fit_check: the gap between two reservations too small', (bu) => {
    const mb = setup_memblock(bu);
    if (bu) {
      const r1 = { base: mb.start_of_DRAM(), size: SZ_512 };
      const r2 = { base: r1.base + SZ_512 + SZ_512, size: SZ_256 };
      mb.reserve(r1.base, r1.size);
      mb.reserve(r2.base, r2.size);
      expect(mb.alloc(SZ_1K, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(1)).toMatchObject({ base: r2.base, size: SZ_256 + SZ_1K });
    } else {
      const r1 = { base: mb.end_of_DRAM() - SZ_512, size: SZ_512 };
      const r2 = { base: r1.base - SZ_512, size: SZ_256 };
      mb.reserve(r1.base, r1.size);
      mb.reserve(r2.base, r2.size);
      expect(mb.alloc(SZ_1K, SMP_CACHE)).not.toBe(0n);
      expect(mb.reserved.region(0)).toMatchObject({ base: r2.base - SZ_1K, size: SZ_256 + SZ_1K });
    }
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, SZ_512 + SZ_256 + SZ_1K]);
  });

  bothWays('alloc_in_between_generic_check: exactly enough room between two reservations, all merged', (bu) => {
    const mb = setup_memblock(bu);
    const gap = SMP_CACHE;
    const rgn = (MEM_SIZE - (2n * gap + SZ_64)) / 2n;
    const r1 = { base: mb.end_of_DRAM() - (gap + rgn), size: rgn };
    const r2 = { base: mb.start_of_DRAM() + gap, size: rgn };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(mb.alloc(SZ_64, SMP_CACHE)).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: r1.base - rgn - SZ_64, size: 2n * rgn + SZ_64 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, 2n * rgn + SZ_64]);
  });

  bothWays('alloc_small_gaps_generic_check: only gaps smaller than the request, no allocation', (bu) => {
    const mb = setup_memblock(bu);
    for (let e = mb.start_of_DRAM(); e < mb.end_of_DRAM(); e += SZ_256 + SZ_1K) mb.reserve(e + SZ_256, SZ_1K);
    expect(mb.alloc(SZ_1K, SMP_CACHE)).toBe(0n);
  });

  bothWays('alloc_all_reserved_generic_check', (bu) => {
    const mb = setup_memblock(bu);
    mb.reserve(mb.start_of_DRAM(), MEM_SIZE);
    expect(mb.alloc(SZ_256, SMP_CACHE)).toBe(0n);
  });

  bothWays('alloc_no_space_generic_check', (bu) => {
    const mb = setup_memblock(bu);
    mb.reserve(mb.start_of_DRAM(), MEM_SIZE - SZ_256);
    expect(mb.alloc(SZ_1K, SMP_CACHE)).toBe(0n);
  });

  bothWays('alloc_limited_space_generic_check: just enough left, everything merged', (bu) => {
    const mb = setup_memblock(bu);
    mb.reserve(mb.start_of_DRAM(), MEM_SIZE - SZ_256);
    expect(mb.alloc(SZ_256, SMP_CACHE)).not.toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: DUMMY_BASE, size: MEM_SIZE });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, MEM_SIZE]);
  });

  bothWays('alloc_no_memory_generic_check: only the dummy memory region', (bu) => {
    const mb = fresh();
    mb.bottom_up = bu;
    expect(mb.alloc(SZ_1K, SMP_CACHE)).toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: 0n, size: 0n });
    expect(mb.reserved.total_size).toBe(0n);
  });

  bothWays('alloc_too_large_generic_check: more than all of memory', (bu) => {
    const mb = setup_memblock(bu);
    expect(mb.alloc(MEM_SIZE + SZ_2, SMP_CACHE)).toBe(0n);
    expect(mb.reserved.region(0)).toMatchObject({ base: 0n, size: 0n });
    expect(mb.reserved.total_size).toBe(0n);
  });
});
