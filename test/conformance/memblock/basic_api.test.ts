import { describe, expect, it } from 'vitest';
import { INIT_MEMBLOCK_REGIONS, MEMBLOCK_ALLOC_ANYWHERE, MEMBLOCK_HOTPLUG, PHYS_ADDR_MAX } from '../../../src/kernel/memblock.js';
import {
  DUMMY_BASE, MEM_SIZE, PAGE_ALIGN, SMP_CACHE, SZ_128K, SZ_128M, SZ_16K, SZ_16M, SZ_1G, SZ_1M, SZ_256M, SZ_2, SZ_2G, SZ_2K,
  SZ_2M, SZ_32K, SZ_32M, SZ_4K, SZ_4M, SZ_512K, SZ_512M, SZ_64, SZ_64K, SZ_64M, SZ_8K, SZ_8M, fresh,
} from './harness.js';

/**
 * tools/testing/memblock/tests/basic_api.c, transcribed: each case's inputs and asserted
 * results, against mm/memblock.c as of Linux 6.6. Upstream since 6.11 (no dummy region)
 * asserts cnt 0 for an emptied array; 6.6 keeps the dummy {0, 0} and cnt 1, and the cases
 * that differ say so. sizeof(struct memblock_region) is 24 (64-bit, CONFIG_NUMA).
 */
const R = 2n * BigInt(INIT_MEMBLOCK_REGIONS) * 24n; // the doubled array's bytes

describe('basic_api.c: memblock_initialization_check', () => {
  it('memblock_initialization_check: cnt 1 (6.6 dummy), max 128, names, top-down, current_limit ANYWHERE', () => {
    const mb = fresh();
    expect([mb.memory.cnt, mb.memory.max, mb.memory.name]).toEqual([1, 128, 'memory']);
    expect([mb.reserved.cnt, mb.reserved.max, mb.reserved.name]).toEqual([1, 128, 'reserved']);
    expect(mb.bottom_up).toBe(false);
    expect(mb.current_limit).toBe(MEMBLOCK_ALLOC_ANYWHERE);
  });
});

describe('basic_api.c: memblock_add_checks', () => {
  it('memblock_add_simple_check', () => {
    const mb = fresh();
    mb.add(SZ_1G, SZ_4M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_1G, size: SZ_4M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_4M]);
  });
  it('memblock_add_node_simple_check: nid 1 and MEMBLOCK_HOTPLUG kept', () => {
    const mb = fresh();
    mb.add_node(SZ_1M, SZ_16M, 1, MEMBLOCK_HOTPLUG);
    expect(mb.memory.region(0)).toEqual({ base: SZ_1M, size: SZ_16M, nid: 1, flags: MEMBLOCK_HOTPLUG });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_16M]);
  });
  it('memblock_add_disjoint_check', () => {
    const mb = fresh();
    mb.add(SZ_1G, SZ_8K);
    mb.add(SZ_1G + SZ_16K, SZ_8K);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_1G, size: SZ_8K });
    expect(mb.memory.region(1)).toMatchObject({ base: SZ_1G + SZ_16K, size: SZ_8K });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([2, 2n * SZ_8K]);
  });
  it('memblock_add_overlap_top_check', () => {
    const mb = fresh();
    mb.add(SZ_512M, SZ_1G);
    mb.add(SZ_256M, SZ_512M);
    const total = SZ_512M - SZ_256M + SZ_1G;
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_256M, size: total });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, total]);
  });
  it('memblock_add_overlap_bottom_check', () => {
    const mb = fresh();
    mb.add(SZ_128M, SZ_512M);
    mb.add(SZ_256M, SZ_1G);
    const total = SZ_256M - SZ_128M + SZ_1G;
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_128M, size: total });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, total]);
  });
  it('memblock_add_within_check', () => {
    const mb = fresh();
    mb.add(SZ_8M, SZ_32M);
    mb.add(SZ_16M, SZ_1M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_8M, size: SZ_32M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_32M]);
  });
  it('memblock_add_twice_check', () => {
    const mb = fresh();
    mb.add(SZ_16K, SZ_2M);
    mb.add(SZ_16K, SZ_2M);
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_2M]);
  });
  it('memblock_add_between_check', () => {
    const mb = fresh();
    mb.add(SZ_1G, SZ_8K);
    mb.add(SZ_1G + SZ_16K, SZ_8K);
    mb.add(SZ_1G + SZ_8K, SZ_8K);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_1G, size: 3n * SZ_8K });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, 3n * SZ_8K]);
  });
  it('memblock_add_near_max_check: memblock_cap_size keeps PHYS_ADDR_MAX - base', () => {
    const mb = fresh();
    const base = PHYS_ADDR_MAX - SZ_1M;
    mb.add(base, SZ_2M);
    expect(mb.memory.region(0)).toMatchObject({ base, size: PHYS_ADDR_MAX - base });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_1M]);
  });
  it('memblock_add_many_check: the 129th region doubles memory.max; the new array is reserved', () => {
    const mb = fresh();
    mb.allow_resize();
    let base = PAGE_ALIGN(DUMMY_BASE);
    const newSize = PAGE_ALIGN(R);
    mb.add(base, newSize);
    base += newSize + SZ_64;
    for (let i = 0; i < INIT_MEMBLOCK_REGIONS; i++) {
      mb.add(base, SZ_64);
      base += SZ_64 + SZ_64;
      expect(mb.memory.cnt).toBe(i + 2);
      expect(mb.memory.total_size).toBe(newSize + BigInt(i + 1) * SZ_64);
    }
    expect(mb.memory.max).toBe(INIT_MEMBLOCK_REGIONS * 2);
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, newSize]);
    mb.add(SZ_16K, SZ_16K);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_16K, size: SZ_16K });
    expect(mb.memory.cnt).toBe(INIT_MEMBLOCK_REGIONS + 2);
    expect(mb.memory.total_size).toBe(BigInt(INIT_MEMBLOCK_REGIONS) * SZ_64 + newSize + SZ_16K);
    expect(mb.memory.max).toBe(INIT_MEMBLOCK_REGIONS * 2);
  });
});

/** The reserve_many family's layout: 128 MEM_SIZE reservations 2 * MEM_SIZE apart from `from`. */
const MEMORY_BASE = (idx: number, from = SZ_128K) => from + MEM_SIZE * 2n * BigInt(idx);

describe('basic_api.c: memblock_reserve_checks', () => {
  it('memblock_reserve_simple_check', () => {
    const mb = fresh();
    mb.reserve(SZ_2G, SZ_128M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_2G, size: SZ_128M });
  });
  it('memblock_reserve_disjoint_check', () => {
    const mb = fresh();
    mb.reserve(SZ_256M, SZ_16M);
    mb.reserve(SZ_512M, SZ_512M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_256M, size: SZ_16M });
    expect(mb.reserved.region(1)).toMatchObject({ base: SZ_512M, size: SZ_512M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, SZ_16M + SZ_512M]);
  });
  it('memblock_reserve_overlap_top_check', () => {
    const mb = fresh();
    mb.reserve(SZ_1G, SZ_1G);
    mb.reserve(SZ_128M, SZ_1G);
    const total = SZ_1G - SZ_128M + SZ_1G;
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_128M, size: total });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, total]);
  });
  it('memblock_reserve_overlap_bottom_check', () => {
    const mb = fresh();
    mb.reserve(SZ_2K, SZ_128K);
    mb.reserve(SZ_128K, SZ_128K);
    const total = SZ_128K - SZ_2K + SZ_128K;
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_2K, size: total });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, total]);
  });
  it('memblock_reserve_within_check', () => {
    const mb = fresh();
    mb.reserve(SZ_1M, SZ_8M);
    mb.reserve(SZ_2M, SZ_64K);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_1M, size: SZ_8M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_8M]);
  });
  it('memblock_reserve_twice_check', () => {
    const mb = fresh();
    mb.reserve(SZ_16K, SZ_2M);
    mb.reserve(SZ_16K, SZ_2M);
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_2M]);
  });
  it('memblock_reserve_between_check', () => {
    const mb = fresh();
    mb.reserve(SZ_1G, SZ_8K);
    mb.reserve(SZ_1G + SZ_16K, SZ_8K);
    mb.reserve(SZ_1G + SZ_8K, SZ_8K);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_1G, size: 3n * SZ_8K });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, 3n * SZ_8K]);
  });
  it('memblock_reserve_near_max_check', () => {
    const mb = fresh();
    const base = PHYS_ADDR_MAX - SZ_1M;
    mb.reserve(base, SZ_2M);
    expect(mb.reserved.region(0)).toMatchObject({ base, size: SZ_1M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_1M]);
  });

  /** One run of reserve_many / reserve_all_locations: the 129th reservation at position `skip`. */
  function reserve129(skip: number): void {
    const mb = fresh();
    mb.allow_resize();
    mb.add(DUMMY_BASE, MEM_SIZE);
    for (let i = 0; i < INIT_MEMBLOCK_REGIONS + 1; i++) {
      if (i === skip) continue;
      mb.reserve(MEMORY_BASE(i), MEM_SIZE);
      const n = i < skip ? i + 1 : i;
      if (mb.reserved.cnt !== n || mb.reserved.total_size !== BigInt(n) * MEM_SIZE) throw new Error(`skip ${skip}, i ${i}: cnt ${mb.reserved.cnt}`);
    }
    mb.reserve(MEMORY_BASE(skip), MEM_SIZE);
    const newSize = PAGE_ALIGN(R);
    expect(mb.reserved.cnt).toBe(INIT_MEMBLOCK_REGIONS + 2);
    expect(mb.reserved.total_size).toBe(BigInt(INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newSize);
    expect(mb.reserved.max).toBe(INIT_MEMBLOCK_REGIONS * 2);
    mb.reserve(SZ_16K, SZ_16K);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_16K, size: SZ_16K });
    expect(mb.reserved.cnt).toBe(INIT_MEMBLOCK_REGIONS + 3);
    expect(mb.reserved.total_size).toBe(BigInt(INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newSize + SZ_16K);
  }
  it('memblock_reserve_many_check: the 129th reservation doubles reserved.max and reserves the new array', () => reserve129(INIT_MEMBLOCK_REGIONS));
  it('memblock_reserve_all_locations_check (upstream since 6.11; holds for 6.6): the 129th at every position', () => {
    for (let skip = 0; skip < INIT_MEMBLOCK_REGIONS + 1; skip++) reserve129(skip);
  });
  it('memblock_reserve_many_may_conflict_check (upstream since 6.11; holds for 6.6): the new array avoids the range being reserved', () => {
    const offset = PAGE_ALIGN(DUMMY_BASE);
    for (let skip = 1; skip <= INIT_MEMBLOCK_REGIONS + 1; skip++) {
      const mb = fresh();
      mb.allow_resize();
      mb.add(MEMORY_BASE(0, offset), MEM_SIZE);
      mb.add(MEMORY_BASE(skip, offset), MEM_SIZE);
      for (let i = 1; i <= INIT_MEMBLOCK_REGIONS + 1; i++) {
        if (i === skip) continue;
        mb.reserve(MEMORY_BASE(i, offset), MEM_SIZE);
        expect(mb.reserved.cnt).toBe(i < skip ? i : i - 1);
      }
      mb.reserve(MEMORY_BASE(skip, offset), MEM_SIZE);
      const newSize = PAGE_ALIGN(R);
      expect(mb.reserved.cnt).toBe(INIT_MEMBLOCK_REGIONS + 2);
      expect(mb.reserved.total_size).toBe(BigInt(INIT_MEMBLOCK_REGIONS + 1) * MEM_SIZE + newSize);
      expect(mb.reserved.max).toBe(INIT_MEMBLOCK_REGIONS * 2);
      const r0 = mb.reserved.region(0);
      expect([r0.base + r0.size, r0.size]).toEqual([MEMORY_BASE(0, offset) + SZ_32K, newSize]);
      mb.reserve(SZ_16K, SZ_16K);
      expect(mb.reserved.region(0)).toMatchObject({ base: SZ_16K, size: SZ_16K });
      expect(mb.reserved.cnt).toBe(INIT_MEMBLOCK_REGIONS + 3);
    }
  });
});

describe('basic_api.c: memblock_remove_checks', () => {
  it('memblock_remove_simple_check', () => {
    const mb = fresh();
    mb.add(SZ_2K, SZ_4K);
    mb.add(SZ_128K, SZ_4M);
    mb.remove(SZ_2K, SZ_4K);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_128K, size: SZ_4M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_4M]);
  });
  it('memblock_remove_absent_check', () => {
    const mb = fresh();
    mb.add(SZ_512K, SZ_4M);
    mb.remove(SZ_64M, SZ_1G);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_512K, size: SZ_4M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_4M]);
  });
  it('memblock_remove_overlap_top_check', () => {
    const mb = fresh();
    mb.add(SZ_32M, SZ_32M);
    mb.remove(SZ_16M, SZ_32M);
    const total = SZ_32M + SZ_32M - (SZ_16M + SZ_32M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_32M + SZ_16M, size: total });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, total]);
  });
  it('memblock_remove_overlap_bottom_check', () => {
    const mb = fresh();
    mb.add(SZ_2M, SZ_64M);
    mb.remove(SZ_32M, SZ_256M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_2M, size: SZ_32M - SZ_2M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, SZ_32M - SZ_2M]);
  });
  it('memblock_remove_within_check', () => {
    const mb = fresh();
    mb.add(SZ_1M, SZ_32M);
    mb.remove(SZ_16M, SZ_1M);
    const s1 = SZ_16M - SZ_1M;
    const s2 = SZ_1M + SZ_32M - (SZ_16M + SZ_1M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_1M, size: s1 });
    expect(mb.memory.region(1)).toMatchObject({ base: SZ_16M + SZ_1M, size: s2 });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([2, s1 + s2]);
  });
  it('memblock_remove_only_region_check: 6.6 leaves the dummy {0, 0} with cnt 1 (upstream since 6.11 asserts cnt 0)', () => {
    const mb = fresh();
    mb.add(SZ_2K, SZ_4K);
    mb.remove(SZ_2K, SZ_4K);
    expect(mb.memory.region(0)).toMatchObject({ base: 0n, size: 0n });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, 0n]);
  });
  it('memblock_remove_near_max_check', () => {
    const mb = fresh();
    mb.add(PHYS_ADDR_MAX - SZ_2M, SZ_2M);
    mb.remove(PHYS_ADDR_MAX - SZ_1M, SZ_2M);
    const total = SZ_2M - SZ_1M;
    expect(mb.memory.region(0)).toMatchObject({ base: PHYS_ADDR_MAX - SZ_2M, size: total });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([1, total]);
  });
  it('memblock_remove_overlap_two_check', () => {
    const mb = fresh();
    mb.add(SZ_16M, SZ_32M);
    mb.add(SZ_64M, SZ_64M);
    mb.remove(SZ_32M, SZ_64M);
    expect(mb.memory.region(0)).toMatchObject({ base: SZ_16M, size: SZ_16M });
    expect(mb.memory.region(1)).toMatchObject({ base: SZ_32M + SZ_64M, size: SZ_32M });
    expect([mb.memory.cnt, mb.memory.total_size]).toEqual([2, SZ_16M + SZ_32M]);
  });
});

describe('basic_api.c: memblock_free_checks (memblock_free takes the physical address here)', () => {
  it('memblock_free_simple_check', () => {
    const mb = fresh();
    mb.reserve(SZ_4M, SZ_1M);
    mb.reserve(SZ_8M, SZ_1M);
    mb.phys_free(SZ_4M, SZ_1M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_8M, size: SZ_1M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_1M]);
  });
  it('memblock_free_absent_check', () => {
    const mb = fresh();
    mb.reserve(SZ_2M, SZ_8K);
    mb.phys_free(SZ_16M, SZ_128M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_2M, size: SZ_8K });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_8K]);
  });
  it('memblock_free_overlap_top_check', () => {
    const mb = fresh();
    mb.reserve(SZ_8M, SZ_32M);
    mb.phys_free(SZ_1M, SZ_8M);
    const total = SZ_32M + SZ_8M - (SZ_1M + SZ_8M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_1M + SZ_8M, size: total });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, total]);
  });
  it('memblock_free_overlap_bottom_check', () => {
    const mb = fresh();
    mb.reserve(SZ_8M, SZ_32M);
    mb.phys_free(SZ_32M, SZ_32M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_8M, size: SZ_32M - SZ_8M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_32M - SZ_8M]);
  });
  it('memblock_free_within_check', () => {
    const mb = fresh();
    mb.reserve(SZ_1M, SZ_8M);
    mb.phys_free(SZ_4M, SZ_1M);
    const s1 = SZ_4M - SZ_1M;
    const s2 = SZ_1M + SZ_8M - (SZ_4M + SZ_1M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_1M, size: s1 });
    expect(mb.reserved.region(1)).toMatchObject({ base: SZ_4M + SZ_1M, size: s2 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, s1 + s2]);
  });
  it('memblock_free_only_region_check: 6.6 leaves the dummy with cnt 1 (upstream since 6.11: cnt 0)', () => {
    const mb = fresh();
    mb.reserve(SZ_2K, SZ_4K);
    mb.phys_free(SZ_2K, SZ_4K);
    expect(mb.reserved.region(0)).toMatchObject({ base: 0n, size: 0n });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, 0n]);
  });
  it('memblock_phys_free_near_max_check', () => {
    const mb = fresh();
    mb.reserve(PHYS_ADDR_MAX - SZ_2M, SZ_2M);
    mb.phys_free(PHYS_ADDR_MAX - SZ_1M, SZ_2M);
    expect(mb.reserved.region(0)).toMatchObject({ base: PHYS_ADDR_MAX - SZ_2M, size: SZ_1M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_1M]);
  });
  it('memblock_free_overlap_two_check', () => {
    const mb = fresh();
    mb.reserve(SZ_16M, SZ_32M);
    mb.reserve(SZ_64M, SZ_64M);
    mb.phys_free(SZ_32M, SZ_64M);
    expect(mb.reserved.region(0)).toMatchObject({ base: SZ_16M, size: SZ_16M });
    expect(mb.reserved.region(1)).toMatchObject({ base: SZ_32M + SZ_64M, size: SZ_32M });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, SZ_16M + SZ_32M]);
  });
});

describe('basic_api.c: memblock_bottom_up_checks', () => {
  it('memblock_set_bottom_up_check and memblock_bottom_up_check', () => {
    const mb = fresh();
    mb.bottom_up = false;
    expect(mb.bottom_up).toBe(false);
    mb.bottom_up = true;
    expect(mb.bottom_up).toBe(true);
  });
});

describe('basic_api.c: memblock_trim_memory_checks', () => {
  const A = SMP_CACHE;
  it('memblock_trim_memory_aligned_check', () => {
    const mb = fresh();
    mb.add(A, A * 4n);
    mb.trim_memory(A);
    expect(mb.memory.region(0)).toMatchObject({ base: A, size: A * 4n });
    expect(mb.memory.cnt).toBe(1);
  });
  it('memblock_trim_memory_too_small_check', () => {
    const mb = fresh();
    mb.add(A, A * 2n);
    mb.add(A * 4n, A - SZ_2);
    mb.trim_memory(A);
    expect(mb.memory.region(0)).toMatchObject({ base: A, size: A * 2n });
    expect(mb.memory.cnt).toBe(1);
  });
  it('memblock_trim_memory_unaligned_base_check', () => {
    const mb = fresh();
    mb.add(A, A * 2n);
    mb.add(A * 4n + SZ_2, A * 2n - SZ_2);
    mb.trim_memory(A);
    expect(mb.memory.region(0)).toMatchObject({ base: A, size: A * 2n });
    expect(mb.memory.region(1)).toMatchObject({ base: A * 4n + SZ_2 + (A - SZ_2), size: A * 2n - SZ_2 - (A - SZ_2) });
    expect(mb.memory.cnt).toBe(2);
  });
  it('memblock_trim_memory_unaligned_end_check', () => {
    const mb = fresh();
    mb.add(A, A * 2n);
    mb.add(A * 4n, A * 2n - SZ_2);
    mb.trim_memory(A);
    expect(mb.memory.region(0)).toMatchObject({ base: A, size: A * 2n });
    expect(mb.memory.region(1)).toMatchObject({ base: A * 4n, size: A * 2n - SZ_2 - (A - SZ_2) });
    expect(mb.memory.cnt).toBe(2);
  });
});

describe('basic_api.c: memblock_overlaps_region_checks (upstream since 6.10; memblock_overlaps_region is 6.6 code)', () => {
  it('memblock_overlaps_region_check', () => {
    const mb = fresh();
    mb.add(SZ_1G, SZ_4M);
    const o = (b: bigint, s: bigint) => mb.overlaps_region(mb.memory, b, s);
    expect([o(SZ_1M, SZ_1M), o(SZ_2G, SZ_1M)]).toEqual([false, false]); // far away
    expect([o(SZ_1G - SZ_1M, SZ_1M), o(SZ_1G + SZ_4M, SZ_1M)]).toEqual([false, false]); // neighbours
    expect([o(SZ_1G - SZ_1M, SZ_2M), o(SZ_1G + SZ_2M, SZ_2M)]).toEqual([true, true]); // partial
    expect([o(SZ_1G, SZ_4M), o(SZ_1G - SZ_2M, SZ_8M), o(SZ_1G + SZ_1M, SZ_1M)]).toEqual([true, true, true]); // total
  });
});
