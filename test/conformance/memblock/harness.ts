import { it } from 'vitest';
import { Memblock, MEMBLOCK_HOTPLUG, type phys_addr_t } from '../../../src/kernel/memblock.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * tools/testing/memblock's harness (tests/common.[ch]) as facts: MEM_SIZE 32K of memory
 * registered by setup_memblock, PHYS_MEM_SIZE 16M of dummy physical memory, eight NUMA
 * nodes. The harness mallocs its dummy memory; here it sits at 4 GiB (page aligned, and
 * above 32 bits so every case runs with a 64-bit phys_addr_t).
 */
export const SZ = (n: number): phys_addr_t => BigInt(n);
export const SZ_2 = 2n;
export const SZ_4 = 4n;
export const SZ_8 = 8n;
export const SZ_16 = 16n;
export const SZ_32 = 32n;
export const SZ_64 = 64n;
export const SZ_128 = 128n;
export const SZ_256 = 256n;
export const SZ_512 = 512n;
export const SZ_1K = 1n << 10n;
export const SZ_2K = 2n << 10n;
export const SZ_4K = 4n << 10n;
export const SZ_8K = 8n << 10n;
export const SZ_16K = 16n << 10n;
export const SZ_32K = 32n << 10n;
export const SZ_64K = 64n << 10n;
export const SZ_128K = 128n << 10n;
export const SZ_256K = 256n << 10n;
export const SZ_512K = 512n << 10n;
export const SZ_1M = 1n << 20n;
export const SZ_2M = 2n << 20n;
export const SZ_4M = 4n << 20n;
export const SZ_8M = 8n << 20n;
export const SZ_16M = 16n << 20n;
export const SZ_32M = 32n << 20n;
export const SZ_64M = 64n << 20n;
export const SZ_128M = 128n << 20n;
export const SZ_256M = 256n << 20n;
export const SZ_512M = 512n << 20n;
export const SZ_1G = 1n << 30n;
export const SZ_2G = 2n << 30n;
export const SZ_4G = 4n << 30n;
export const MEM_SIZE = SZ_32K;
export const PHYS_MEM_SIZE = SZ_16M;
export const NUMA_NODES = 8;
/** The harness builds against tools/include/linux/cache.h: L1_CACHE_SHIFT 5, so SMP_CACHE_BYTES is 32 (the kernel's is per arch). */
export const SMP_CACHE = 32n;
export const PAGE_SZ = 4096n;
/** dummy_physical_memory_base(). */
export const DUMMY_BASE = SZ_4G;
export const PAGE_ALIGN = (v: bigint): bigint => ((v + PAGE_SZ - 1n) / PAGE_SZ) * PAGE_SZ;

/** A memblock as the harness leaves it after reset_memblock_regions + reset_memblock_attributes. */
export function fresh(): Memblock {
  const arena = Arena.create(Memblock.words() * 4 + 4096);
  return Memblock.create(arena, new AtomicsMem(arena.sab), () => {});
}

/** setup_memblock: MEM_SIZE of memory at the dummy base. */
export function setup_memblock(bottomUp = false): Memblock {
  const mb = fresh();
  mb.bottom_up = bottomUp;
  mb.add(DUMMY_BASE, MEM_SIZE);
  return mb;
}

/**
 * setup_numa_memblock: MEM_SIZE split over the eight nodes by fractions in basis points,
 * each added with MEMBLOCK_HOTPLUG (the harness does so without --movable-node).
 */
export function setup_numa_memblock(fracs: readonly number[], bottomUp = false): Memblock {
  const mb = fresh();
  mb.bottom_up = bottomUp;
  let base = DUMMY_BASE;
  for (let i = 0; i < NUMA_NODES; i++) {
    const size = (MEM_SIZE * BigInt(fracs[i])) / 10000n;
    mb.add_node(base, size, i, MEMBLOCK_HOTPLUG);
    base += size;
  }
  return mb;
}

/** node_fractions[] of alloc_nid_api.c and alloc_exact_nid_api.c, in basis points of MEM_SIZE. */
export const NODE_FRACTIONS = [2500, 625, 1250, 1250, 625, 625, 2500, 625];

/** run_top_down / run_bottom_up: one case per direction, named as the upstream wrapper runs it. */
export function bothWays(name: string, body: (bottomUp: boolean) => void): void {
  it(`${name} [top-down]`, () => body(false));
  it(`${name} [bottom-up]`, () => body(true));
}

/** region_end(). */
export const end = (r: { base: bigint; size: bigint }): bigint => r.base + r.size;
