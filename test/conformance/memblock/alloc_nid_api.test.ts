import { describe, expect, it } from 'vitest';
import { NUMA_NO_NODE, type Memblock } from '../../../src/kernel/memblock.js';
import { MEM_SIZE, NUMA_NODES, SMP_CACHE, SZ_128, SZ_1K, SZ_2, SZ_256, SZ_4, SZ_512, SZ_64, SZ_8, NODE_FRACTIONS, bothWays, end, setup_memblock, setup_numa_memblock } from './harness.js';

/**
 * tools/testing/memblock/tests/alloc_nid_api.c, transcribed: memblock_alloc_try_nid(size,
 * align, min_addr, max_addr, nid) against mm/memblock.c of Linux 6.6. The "narrow range"
 * and "reserved no space" cases depend on memblock_alloc_internal's retry with min_addr = 0.
 * memblock_alloc_try_nid_raw takes the same placement path (it only skips the memset the
 * zeroed-contents checks look at; contents are not modelled), so each case runs once.
 */
const alloc = (mb: Memblock, size: bigint, min: bigint, max: bigint, nid = NUMA_NO_NODE) => mb.alloc_try_nid(size, SMP_CACHE, min, max, nid);
const r0 = (mb: Memblock) => mb.reserved.region(0);

describe('alloc_nid_api.c: memblock_alloc_nid_range_checks', () => {
  bothWays('alloc_nid_simple_check (alloc_nid_top_down_simple_check / alloc_nid_bottom_up_simple_check)', (bu) => {
    const mb = setup_memblock(bu);
    const min = mb.start_of_DRAM() + SMP_CACHE * 2n;
    const max = min + SZ_512;
    expect(alloc(mb, SZ_128, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_128, base: bu ? min : max - SZ_128 });
    if (bu) expect(end(r0(mb)) < max).toBe(true);
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_128]);
  });
  bothWays('alloc_nid_misaligned_check (top_down_end_misaligned / bottom_up_start_misaligned)', (bu) => {
    const mb = setup_memblock(bu);
    const min = bu ? mb.start_of_DRAM() + SZ_2 : mb.start_of_DRAM() + SMP_CACHE * 2n;
    const max = bu ? min + SZ_512 : min + SZ_512 + SZ_2;
    expect(alloc(mb, SZ_128, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_128, base: bu ? min + (SMP_CACHE - SZ_2) : max - SZ_128 - SZ_2 });
    expect(end(r0(mb)) < max).toBe(true);
  });
  bothWays('alloc_nid_narrow_range_check: no room in [min, max), the retry from 0 (memblock_alloc_internal)', (bu) => {
    const mb = setup_memblock(bu);
    const min = mb.start_of_DRAM() + SZ_512;
    const max = min + SMP_CACHE;
    expect(alloc(mb, SZ_256, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_256, base: bu ? mb.start_of_DRAM() : max - SZ_256 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_256]);
  });
  bothWays('alloc_nid_reserved_with_space_check', (bu) => {
    const mb = setup_memblock(bu);
    const r1 = { base: mb.end_of_DRAM() - SMP_CACHE * 2n, size: SMP_CACHE };
    const r2 = { base: r1.base - (SZ_64 + SMP_CACHE + SZ_128), size: SZ_128 };
    const min = r2.base + r2.size;
    const max = r1.base;
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, SZ_64, min, max)).not.toBe(0n);
    if (bu) {
      expect(mb.reserved.region(1)).toMatchObject({ base: max, size: r1.size });
      expect(mb.reserved.region(0)).toMatchObject({ base: r2.base, size: r2.size + SZ_64 });
    } else {
      expect(mb.reserved.region(1)).toMatchObject({ base: max - SZ_64, size: r1.size + SZ_64 });
      expect(mb.reserved.region(0)).toMatchObject(r2);
    }
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, r1.size + r2.size + SZ_64]);
  });
  bothWays('alloc_nid_reserved_no_space_check: a gap too small between two reservations, the retry from 0', (bu) => {
    const mb = setup_memblock(bu);
    const r1 = { base: mb.end_of_DRAM() - SMP_CACHE * 2n, size: SMP_CACHE };
    const r2 = { base: r1.base - (SZ_128 + SMP_CACHE), size: SZ_128 };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, SZ_256, r2.base + r2.size, r1.base)).not.toBe(0n);
    if (bu) {
      expect(mb.reserved.regions().map((r) => [r.base, r.size])).toEqual([[mb.start_of_DRAM(), SZ_256], [r2.base, r2.size], [r1.base, r1.size]]);
      expect(mb.reserved.cnt).toBe(3);
    } else {
      expect(mb.reserved.region(1)).toMatchObject(r1);
      expect(mb.reserved.region(0)).toMatchObject({ base: r2.base - SZ_256, size: r2.size + SZ_256 });
      expect(mb.reserved.cnt).toBe(2);
    }
    expect(mb.reserved.total_size).toBe(r1.size + r2.size + SZ_256);
  });
  bothWays('alloc_nid_cap_max_check: max_addr past the end of memory', (bu) => {
    const mb = setup_memblock(bu);
    const min = bu ? mb.start_of_DRAM() + SZ_1K : mb.end_of_DRAM() - SZ_1K;
    expect(alloc(mb, SZ_256, min, mb.end_of_DRAM() + SZ_256)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_256, base: bu ? min : mb.end_of_DRAM() - SZ_256 });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_nid_cap_min_check: min_addr below the start of memory', (bu) => {
    const mb = setup_memblock(bu);
    const [min, max] = bu ? [mb.start_of_DRAM(), mb.end_of_DRAM() - SZ_256] : [mb.start_of_DRAM() - SZ_256, mb.end_of_DRAM()];
    expect(alloc(mb, SZ_1K, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_1K, base: bu ? mb.start_of_DRAM() : mb.end_of_DRAM() - SZ_1K });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_nid_min_reserved_check (alloc_nid_min_reserved_generic_check)', (bu) => {
    const mb = setup_memblock(bu);
    const max = mb.end_of_DRAM();
    const min = max - SZ_64;
    mb.reserve(min - SZ_128, SZ_128);
    expect(alloc(mb, SZ_64, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ base: min - SZ_128, size: SZ_128 + SZ_64 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_128 + SZ_64]);
  });
  bothWays('alloc_nid_max_reserved_check (alloc_nid_max_reserved_generic_check)', (bu) => {
    const mb = setup_memblock(bu);
    const max = mb.end_of_DRAM() - SZ_64;
    const min = max - SZ_128;
    mb.reserve(max, SZ_64);
    expect(alloc(mb, SZ_128, min, max)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ base: min, size: SZ_128 + SZ_64 });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([1, SZ_128 + SZ_64]);
  });
  bothWays('alloc_nid_exact_address_check (alloc_nid_exact_address_generic_check)', (bu) => {
    const mb = setup_memblock(bu);
    const min = mb.start_of_DRAM() + SMP_CACHE;
    expect(alloc(mb, SZ_1K, min, min + SZ_1K)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ base: min, size: SZ_1K });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_nid_reserved_full_merge_check (alloc_nid_reserved_full_merge_generic_check)', (bu) => {
    const mb = setup_memblock(bu);
    const r1 = { base: mb.end_of_DRAM() - SMP_CACHE * 2n, size: SMP_CACHE };
    const r2 = { base: r1.base - (SZ_64 + SZ_128), size: SZ_128 };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, SZ_64, r2.base + r2.size, r1.base)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ base: r2.base, size: r1.size + r2.size + SZ_64 });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_nid_reserved_all_check (alloc_nid_reserved_all_generic_check): no allocation', (bu) => {
    const mb = setup_memblock(bu);
    const r1 = { base: mb.end_of_DRAM() - SMP_CACHE, size: SMP_CACHE };
    const r2 = { base: mb.start_of_DRAM(), size: MEM_SIZE - (SMP_CACHE + SMP_CACHE) };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, SZ_256, r2.base + r2.size, r1.base)).toBe(0n);
  });
  bothWays('alloc_nid_low_max_check (alloc_nid_low_max_generic_check): no allocation', (bu) => {
    const mb = setup_memblock(bu);
    expect(alloc(mb, SZ_1K, mb.start_of_DRAM(), mb.start_of_DRAM() + SMP_CACHE)).toBe(0n);
  });

  it('the retry is what the narrow-range case needs: without it [min, max) has no room', () => {
    const mb = setup_memblock(false);
    const min = mb.start_of_DRAM() + SZ_512;
    expect(mb.alloc_range_nid(SZ_256, SMP_CACHE, min, min + SMP_CACHE, NUMA_NO_NODE, false)).toBe(0n);
  });
});


describe('alloc_nid_api.c: memblock_alloc_nid_numa_checks (eight nodes, each region flagged MEMBLOCK_HOTPLUG)', () => {
  const numa = (bu: boolean) => {
    const mb = setup_numa_memblock(NODE_FRACTIONS, bu);
    return { mb, node: (i: number) => mb.memory.region(i), lo: mb.start_of_DRAM(), hi: mb.end_of_DRAM() };
  };
  bothWays('numa_simple_check: a quarter of node 3', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const size = node(3).size / SZ_4;
    expect(alloc(mb, size, lo, hi, 3)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size, base: bu ? node(3).base : end(node(3)) - size });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('numa_small_node_check: twice node 1 falls back to NUMA_NO_NODE (node 6 top-down, node 0 bottom-up)', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const size = SZ_2 * node(1).size;
    expect(alloc(mb, size, lo, hi, 1)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size, base: bu ? node(0).base : end(node(6)) - size });
  });
  bothWays('numa_node_reserved_check: node 2 fully reserved, the fallback node', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const size = node(2).size;
    mb.reserve(node(2).base, node(2).size);
    expect(alloc(mb, size, lo, hi, 2)).not.toBe(0n);
    expect(mb.reserved.region(bu ? 0 : 1)).toMatchObject({ size, base: bu ? node(0).base : end(node(6)) - size });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, 2n * size]);
  });
  bothWays('numa_part_reserved_check: node 4 half reserved, room left in it', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const r1 = { base: node(4).base, size: node(4).size / SZ_2 };
    const size = r1.size / SZ_4;
    expect(SZ_8 <= node(4).size).toBe(true);
    mb.reserve(r1.base, r1.size);
    expect(alloc(mb, size, lo, hi, 4)).not.toBe(0n);
    if (bu) {
      expect(r0(mb)).toMatchObject({ base: node(4).base, size: r1.size + size });
      expect(mb.reserved.cnt).toBe(1);
    } else {
      expect(mb.reserved.region(1)).toMatchObject({ base: end(node(4)) - size, size });
      expect(mb.reserved.cnt).toBe(2);
    }
    expect(mb.reserved.total_size).toBe(r1.size + size);
  });
  bothWays('numa_part_reserved_fallback_check: node 4 split by a reservation, no contiguous room', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const size = node(4).size / SZ_2;
    mb.reserve(node(4).base + size / SZ_2, size);
    expect(alloc(mb, size, lo, hi, 4)).not.toBe(0n);
    expect(mb.reserved.region(bu ? 0 : 1)).toMatchObject({ size, base: bu ? node(0).base : end(node(NUMA_NODES - 1)) - size });
    expect([mb.reserved.cnt, mb.reserved.total_size]).toEqual([2, 2n * size]);
  });
  bothWays('numa_split_range_low_check: [min, max) straddles the end of node 2, the retry from 0', (bu) => {
    const { mb, node } = numa(bu);
    const min = end(node(2)) - SZ_256;
    expect(alloc(mb, SZ_512, min, min + SZ_512, 2)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_512, base: bu ? node(2).base : end(node(2)) - SZ_512 });
  });
  bothWays('numa_split_range_high_check: node 3 requested, the range straddles its start: the end of node 2 / the start of node 0', (bu) => {
    const { mb, node } = numa(bu);
    const min = bu ? node(3).base - SZ_256 : end(node(2)) - SZ_256;
    expect(alloc(mb, SZ_512, min, min + SZ_512, 3)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_512, base: bu ? node(0).base : end(node(2)) - SZ_512 });
  });
  bothWays('numa_no_overlap_split_check: node 2 requested, the range straddles nodes 5/6: the retry from 0 finds node 2', (bu) => {
    const { mb, node } = numa(bu);
    const min = node(6).base - SZ_256;
    expect(alloc(mb, SZ_512, min, min + SZ_512, 2)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_512, base: bu ? node(2).base : end(node(2)) - SZ_512 });
  });
  bothWays('numa_no_overlap_low_check: node 0 requested, the range is nodes 2..5: NUMA_NO_NODE within the range', (bu) => {
    const { mb, node } = numa(bu);
    const [min, max] = [node(2).base, end(node(5))];
    expect(alloc(mb, SZ_64, min, max, 0)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_64, base: bu ? min : max - SZ_64 });
  });
  bothWays('numa_no_overlap_high_check: node 7 requested, the range is nodes 2..5: NUMA_NO_NODE within the range', (bu) => {
    const { mb, node } = numa(bu);
    const [min, max] = [node(2).base, end(node(5))];
    expect(alloc(mb, SZ_64, min, max, 7)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ size: SZ_64, base: bu ? min : max - SZ_64 });
  });
  bothWays('numa_large_region_check (alloc_nid_numa_large_region_generic_check): half of memory fits no node: NULL', (bu) => {
    const { mb, lo, hi } = numa(bu);
    expect(alloc(mb, MEM_SIZE / SZ_2, lo, hi, 3)).toBe(0n);
  });
  bothWays('numa_reserved_full_merge_check (alloc_nid_numa_reserved_full_merge_generic_check): node 6 exactly between two reservations', (bu) => {
    const { mb, node } = numa(bu);
    const size = node(6).size;
    const r1 = { base: node(7).base, size: SZ_128 };
    const r2 = { base: r1.base - (size + SZ_128), size: SZ_128 };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, size, r2.base + r2.size, r1.base, 6)).not.toBe(0n);
    expect(r0(mb)).toMatchObject({ base: r2.base, size: r1.size + r2.size + size });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('numa_split_all_reserved_check (alloc_nid_numa_split_all_reserved_generic_check): room only across a node boundary: NULL', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const r2 = { base: node(7).base + SZ_128, size: hi - (node(7).base + SZ_128) };
    const r1 = { base: lo, size: MEM_SIZE - (r2.size + SZ_256) };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(alloc(mb, SZ_256, r1.base + r1.size, r2.base)).toBe(0n);
  });
  bothWays('alloc_node_numa_on_correct_nid (memblock_alloc_node): node 2 keeps its nid', (bu) => {
    const { mb, node } = numa(bu);
    expect(mb.alloc_try_nid(SZ_512, SMP_CACHE, 0n, 0n, 2)).not.toBe(0n);
    expect(node(2).nid).toBe(2);
  });
});
