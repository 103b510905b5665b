import { describe, expect, it } from 'vitest';
import { EEXIST, EINVAL, ENAMETOOLONG, ENOENT } from '../../../src/errors.js';
import { rte_errno, rte_ring_create, rte_ring_create_elem, rte_ring_free, rte_ring_lookup } from '../../../src/dpdk/eal.js';
import type { Ring } from '../../../src/dpdk/ring.js';
import { RING_F_EXACT_SZ, RING_F_MP_HTS_ENQ, RING_F_SC_DEQ, RING_F_SP_ENQ, RING_SZ_MASK } from '../../../src/dpdk/ring_layout.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * app/test/test_ring.c (DPDK 26.07), transcribed: each `it` names the upstream function.
 * test_ring.c runs every case for each element size in esize[] = {-1, 4, 8, 16, 20}, -1
 * meaning the legacy rte_ring_create (elements of sizeof(void *), a 32-bit word in the
 * image: a pointer is a word index here).
 */
const ESIZE = [-1, 4, 8, 16, 20] as const;
const RING_SIZE = 4096;
const SOCKET_ID_ANY = -1;

function machine(mb = 4) {
  const arena = Arena.create(mb << 20);
  return { arena, mem: new AtomicsMem(arena.sab) };
}

type M = ReturnType<typeof machine>;

/** test_ring.h's test_ring_create. */
function test_ring_create({ arena, mem }: M, name: string, esize: number, count: number, socket: number, flags: number): Ring | null {
  return esize === -1 ? rte_ring_create(arena, mem, name, count, socket, flags) : rte_ring_create_elem(arena, mem, name, esize, count, socket, flags);
}

describe('test_ring.c', () => {
  it('test_ring_negative_tests: zero size, esize 23, the names', () => {
    const m = machine();
    // Count 0 is not a power of two (RTE_IS_POWER_OF_2(0) is false).
    expect(test_ring_create(m, 'test_zero_size_ring', -1, 0, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(test_ring_create(m, 'test_bad_element_size', 23, RING_SIZE + 1, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
  });

  it.each(ESIZE)('test_ring_negative_tests, esize %d: odd count, RTE_RING_SZ_MASK + 1, 4097, lookup, a name used twice, free', (esize) => {
    const m = machine();
    expect(test_ring_create(m, 'test_bad_ring_size', esize, RING_SIZE + 1, SOCKET_ID_ANY, 0)).toBeNull();
    expect(test_ring_create(m, 'test_bad_ring_size', esize, RING_SZ_MASK + 1, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_ring_lookup(m.arena, m.mem, 'ring_not_found')).toBeNull();
    expect(rte_errno()).toBe(ENOENT);
    expect(test_ring_create(m, 'test_ring_count', esize, 4097, SOCKET_ID_ANY, 0)).toBeNull();
    const rp = test_ring_create(m, 'test_ring_negative', esize, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ)!;
    expect(rp).not.toBeNull();
    expect(rte_ring_lookup(m.arena, m.mem, 'test_ring_negative')!.ref.base).toBe(rp.ref.base);
    expect(rp.empty()).toBe(true);
    expect(test_ring_create(m, 'test_ring_negative', esize, RING_SIZE, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EEXIST);
    rte_ring_free(m.arena, rp);
    expect(rte_ring_lookup(m.arena, m.mem, 'test_ring_negative')).toBeNull();
    // Freed, the name can be used again (the next esize's round in DPDK relies on it).
    expect(test_ring_create(m, 'test_ring_negative', esize, RING_SIZE, SOCKET_ID_ANY, 0)).not.toBeNull();
  });
});

describe('rte_ring_create_elem and rte_ring_init refusals (rte_ring.c; not test_ring.c cases)', () => {
  it('a name has at most 28 characters (RTE_RING_NAMESIZE 29); a longer one is ENAMETOOLONG', () => {
    const m = machine();
    expect(rte_ring_create(m.arena, m.mem, 'r'.repeat(28), 16, SOCKET_ID_ANY, 0)).not.toBeNull();
    expect(rte_ring_create(m.arena, m.mem, 'r'.repeat(29), 16, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(ENAMETOOLONG);
  });

  it('flags outside RING_F_MASK, or two sync modes on one side, are EINVAL', () => {
    const m = machine();
    expect(rte_ring_create(m.arena, m.mem, 'a', 16, SOCKET_ID_ANY, 0x80)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_ring_create(m.arena, m.mem, 'b', 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_MP_HTS_ENQ)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_ring_create(m.arena, m.mem, 'c', 16, SOCKET_ID_ANY, RING_F_EXACT_SZ | RING_F_SC_DEQ)).not.toBeNull();
  });

  it('rte_ring_free(NULL) is a no-op; freeing twice leaves the second alone', () => {
    const m = machine();
    rte_ring_free(m.arena, null);
    const r = rte_ring_create(m.arena, m.mem, 'twice', 16, SOCKET_ID_ANY, 0)!;
    rte_ring_free(m.arena, r);
    rte_ring_free(m.arena, r);
    expect(rte_ring_lookup(m.arena, m.mem, 'twice')).toBeNull();
  });
});
