import { describe, expect } from 'vitest';
import { NUMA_NO_NODE, type Memblock } from '../../../src/kernel/memblock.js';
import { MEM_SIZE, SMP_CACHE, SZ_128, SZ_2, SZ_256, SZ_4, SZ_512, SZ_64, NODE_FRACTIONS, bothWays, end, setup_numa_memblock } from './harness.js';

/**
 * tools/testing/memblock/tests/alloc_exact_nid_api.c, transcribed:
 * memblock_alloc_exact_nid_raw(size, align, min_addr, max_addr, nid) against mm/memblock.c
 * of Linux 6.6: the requested node or nothing (no NUMA_NO_NODE fallback), though the
 * retry from min_addr = 0 still applies.
 */
const exact = (mb: Memblock, size: bigint, min: bigint, max: bigint, nid: number) => mb.alloc_exact_nid(size, SMP_CACHE, min, max, nid);

describe('alloc_exact_nid_api.c: memblock_alloc_exact_nid_numa_checks', () => {
  const numa = (bu: boolean) => {
    const mb = setup_numa_memblock(NODE_FRACTIONS, bu);
    return { mb, node: (i: number) => mb.memory.region(i), lo: mb.start_of_DRAM(), hi: mb.end_of_DRAM(), r: (i: number) => mb.reserved.region(i) };
  };
  bothWays('alloc_exact_nid_numa_simple_check', (bu) => {
    const { mb, node, lo, hi, r } = numa(bu);
    const size = node(3).size / SZ_4;
    expect(exact(mb, size, lo, hi, 3)).not.toBe(0n);
    expect(r(0)).toMatchObject({ size, base: bu ? node(3).base : end(node(3)) - size });
  });
  bothWays('alloc_exact_nid_numa_part_reserved_check', (bu) => {
    const { mb, node, lo, hi, r } = numa(bu);
    const r1 = { base: node(4).base, size: node(4).size / SZ_2 };
    const size = r1.size / SZ_4;
    mb.reserve(r1.base, r1.size);
    expect(exact(mb, size, lo, hi, 4)).not.toBe(0n);
    if (bu) expect(r(0)).toMatchObject({ base: node(4).base, size: r1.size + size });
    else expect(r(1)).toMatchObject({ base: end(node(4)) - size, size });
    expect(mb.reserved.cnt).toBe(bu ? 1 : 2);
  });
  bothWays('alloc_exact_nid_numa_split_range_low_check: the retry from 0, still on node 2', (bu) => {
    const { mb, node, r } = numa(bu);
    const min = end(node(2)) - SZ_256;
    expect(exact(mb, SZ_512, min, min + SZ_512, 2)).not.toBe(0n);
    expect(r(0)).toMatchObject({ size: SZ_512, base: bu ? node(2).base : end(node(2)) - SZ_512 });
  });
  bothWays('alloc_exact_nid_numa_no_overlap_split_check', (bu) => {
    const { mb, node, r } = numa(bu);
    const min = node(6).base - SZ_256;
    expect(exact(mb, SZ_512, min, min + SZ_512, 2)).not.toBe(0n);
    expect(r(0)).toMatchObject({ size: SZ_512, base: bu ? node(2).base : end(node(2)) - SZ_512 });
  });
  bothWays('alloc_exact_nid_numa_no_overlap_low_check: node 0 outside [min, max): the retry from 0 finds it', (bu) => {
    const { mb, node, r } = numa(bu);
    expect(exact(mb, SZ_64, node(2).base, end(node(5)), 0)).not.toBe(0n);
    expect(r(0)).toMatchObject({ size: SZ_64, base: bu ? node(0).base : end(node(0)) - SZ_64 });
  });
  bothWays('alloc_exact_nid_numa_small_node_check: twice node 1: NULL', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    expect(exact(mb, SZ_2 * node(1).size, lo, hi, 1)).toBe(0n);
    expect(mb.reserved.total_size).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_node_reserved_check: node 2 fully reserved: NULL', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    mb.reserve(node(2).base, node(2).size);
    expect(exact(mb, node(2).size, lo, hi, 2)).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_part_reserved_fail_check: node 4 split by a reservation: NULL', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const size = node(4).size / SZ_2;
    mb.reserve(node(4).base + size / SZ_2, size);
    expect(exact(mb, size, lo, hi, 4)).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_split_range_high_check: node 3 has only 256 below max_addr: NULL', (bu) => {
    const { mb, node } = numa(bu);
    const min = node(3).base - SZ_256;
    expect(exact(mb, SZ_512, min, min + SZ_512, 3)).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_no_overlap_high_check: node 7 starts past max_addr: NULL', (bu) => {
    const { mb, node } = numa(bu);
    expect(exact(mb, SZ_64, node(2).base, end(node(5)), 7)).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_large_region_check: half of memory: NULL', (bu) => {
    const { mb, lo, hi } = numa(bu);
    expect(exact(mb, MEM_SIZE / SZ_2, lo, hi, 3)).toBe(0n);
  });
  bothWays('alloc_exact_nid_numa_reserved_full_merge_check', (bu) => {
    const { mb, node, r } = numa(bu);
    const size = node(6).size;
    const r1 = { base: node(7).base, size: SZ_128 };
    const r2 = { base: r1.base - (size + SZ_128), size: SZ_128 };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(exact(mb, size, r2.base + r2.size, r1.base, 6)).not.toBe(0n);
    expect(r(0)).toMatchObject({ base: r2.base, size: size + 2n * SZ_128 });
    expect(mb.reserved.cnt).toBe(1);
  });
  bothWays('alloc_exact_nid_numa_split_all_reserved_check: NUMA_NO_NODE, room only across a node boundary: NULL', (bu) => {
    const { mb, node, lo, hi } = numa(bu);
    const r2 = { base: node(7).base + SZ_128, size: hi - (node(7).base + SZ_128) };
    const r1 = { base: lo, size: MEM_SIZE - (r2.size + SZ_256) };
    mb.reserve(r1.base, r1.size);
    mb.reserve(r2.base, r2.size);
    expect(exact(mb, SZ_256, r1.base + r1.size, r2.base, NUMA_NO_NODE)).toBe(0n);
  });
});
