import { describe, expect, it } from 'vitest';
import { EEXIST, EINVAL, ENAMETOOLONG, ENOENT } from '../../../src/errors.js';
import { rte_errno, rte_ring_create, rte_ring_create_elem, rte_ring_free, rte_ring_lookup } from '../../../src/dpdk/eal.js';
import { RingZcData, type Ring } from '../../../src/dpdk/ring.js';
import { ENOBUFS } from '../../../src/errors.js';
import { RING_F_EXACT_SZ, RING_F_MC_HTS_DEQ, RING_F_MC_RTS_DEQ, RING_F_MP_HTS_ENQ, RING_F_MP_RTS_ENQ, RING_F_SC_DEQ, RING_F_SP_ENQ, RING_SZ_MASK } from '../../../src/dpdk/ring_layout.js';
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

/** Words per element: esize -1 is a pointer, one word here. */
const wordsOf = (esize: number) => (esize === -1 ? 1 : esize / 4);

/** test_ring_mem_init: element i holds i in every word (made distinct per word). */
function elems(count: number, esize: number): Int32Array {
  const ew = wordsOf(esize);
  return Int32Array.from({ length: count * ew }, (_, k) => (Math.floor(k / ew) << 4) | k % ew);
}

/** test_ring_mem_cmp over the first n words: the index of the first difference, or -1. */
function firstDiff(a: Int32Array, b: Int32Array, n: number): number {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/**
 * test_enqdeq_impl[]: each entry's create flags with its API. The SPSC and MPMC entries
 * call rte_ring_sp_/mp_ functions on rings created with matching flags, which here is the
 * ring's own mode (memrace has no per-call mode override).
 */
const ENQDEQ_IMPL = [
  ['MP/MC sync mode, bulk, default API', 0, 'bulk'],
  ['SP/SC sync mode, bulk', RING_F_SP_ENQ | RING_F_SC_DEQ, 'bulk'],
  ['MP/MC sync mode, bulk, MPMC API', 0, 'bulk'],
  ['MP_RTS/MC_RTS sync mode, bulk', RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ, 'bulk'],
  ['MP_HTS/MC_HTS sync mode, bulk', RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ, 'bulk'],
  ['MP/MC sync mode, burst, default API', 0, 'burst'],
  ['SP/SC sync mode, burst', RING_F_SP_ENQ | RING_F_SC_DEQ, 'burst'],
  ['MP/MC sync mode, burst, MPMC API', 0, 'burst'],
  ['MP_RTS/MC_RTS sync mode, burst', RING_F_MP_RTS_ENQ | RING_F_MC_RTS_DEQ, 'burst'],
  ['MP_HTS/MC_HTS sync mode, burst', RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ, 'burst'],
  ['SP/SC sync mode (ZC), bulk', RING_F_SP_ENQ | RING_F_SC_DEQ, 'zc-bulk'],
  ['MP_HTS/MC_HTS sync mode (ZC), bulk', RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ, 'zc-bulk'],
  ['SP/SC sync mode (ZC), burst', RING_F_SP_ENQ | RING_F_SC_DEQ, 'zc-burst'],
  ['MP_HTS/MC_HTS sync mode (ZC), burst', RING_F_MP_HTS_ENQ | RING_F_MC_HTS_DEQ, 'zc-burst'],
] as const;

/** test_ring_enqueue_zc_bulk/_burst and the dequeue pair: reserve, and when that got any, copy through the two runs of slots and finish. */
function zcEnqueue(r: Ring, mem: AtomicsMem, src: Int32Array, off: number, n: number, ew: number, burst: boolean): number {
  const zcd = new RingZcData();
  const got = burst ? r.enqueue_zc_burst_start(n, zcd) : r.enqueue_zc_bulk_start(n, zcd);
  if (got === 0) return 0;
  for (let i = 0; i < got; i++) {
    const at = zcd.slot(i, ew);
    for (let k = 0; k < ew; k++) mem.store(at + k, src[off + i * ew + k]);
  }
  r.enqueue_zc_finish(got);
  return got;
}

function zcDequeue(r: Ring, mem: AtomicsMem, dst: Int32Array, off: number, n: number, ew: number, burst: boolean): number {
  const zcd = new RingZcData();
  const got = burst ? r.dequeue_zc_burst_start(n, zcd) : r.dequeue_zc_bulk_start(n, zcd);
  if (got === 0) return 0;
  for (let i = 0; i < got; i++) {
    const at = zcd.slot(i, ew);
    for (let k = 0; k < ew; k++) dst[off + i * ew + k] = mem.load(at + k);
  }
  r.dequeue_zc_finish(got);
  return got;
}

type Api = (typeof ENQDEQ_IMPL)[number][2];

/**
 * One test_enqdeq_impl entry on a fresh ring of RING_SIZE with src/dst of RING_SIZE * 2
 * elements: test_ring_enq_impl / test_ring_deq_impl move n elements from (to) the cursor
 * cur_src (cur_dst), counted in elements; `inc` advances a cursor as test_ring_inc_ptr does.
 */
function enqdeq(esize: number, flags: number, api: Api) {
  const m = machine(8);
  const r = test_ring_create(m, 'test_ring_burst_bulk_tests', esize, RING_SIZE, SOCKET_ID_ANY, flags)!;
  const ew = wordsOf(esize);
  const src = elems(RING_SIZE * 2, esize);
  const dst = new Int32Array(RING_SIZE * 2 * ew);
  const zc = api === 'zc-bulk' || api === 'zc-burst';
  const burst = api === 'burst' || api === 'zc-burst';
  const enq = (at: number, n: number) =>
    zc ? zcEnqueue(r, m.mem, src, at * ew, n, ew, burst) : burst ? r.enqueue_burst(src, n, at * ew) : r.enqueue_bulk(src, n, at * ew);
  const deq = (at: number, n: number) =>
    zc ? zcDequeue(r, m.mem, dst, at * ew, n, ew, burst) : burst ? r.dequeue_burst(dst, n, at * ew) : r.dequeue_bulk(dst, n, at * ew);
  /** test_ring_mem_cmp(src, dst, elements): -1 when equal. */
  const cmp = (elements: number) => firstDiff(dst, src, elements * ew);
  return { m, r, enq, deq, cmp, burst };
}

const EVERY_IMPL_AND_ESIZE = ENQDEQ_IMPL.flatMap(([desc, flags, api]) => ESIZE.map((e) => [desc, e, flags, api] as const));
const MAX_BULK = 32;

describe('test_ring.c: test_ring_burst_bulk_tests1-4 (every test_enqdeq_impl entry, ZC included, every esize)', () => {
  it.each(EVERY_IMPL_AND_ESIZE)('test_ring_burst_bulk_tests1, %s, esize %d: a random shift, then fill to RING_SIZE - 1 and empty, 8 times, data intact', (_, esize, flags, api) => {
    const { m, r, enq, deq, cmp } = enqdeq(esize, flags, api);
    const rsz = RING_SIZE - 1;
    let seed = 0x2545f491;
    for (let j = 0; j !== 8; j++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const rand = Math.max(seed % RING_SIZE, 1);
      const got = [enq(0, rand) !== 0, deq(0, rand), enq(0, rsz) !== 0, r.free_count(), r.count(), r.full(), r.empty()];
      const back = [deq(0, rsz), r.free_count(), r.count(), r.full(), r.empty()];
      expect([...got, ...back]).toEqual([true, rand, true, 0, rsz, true, false, rsz, rsz, 0, false, true]);
      expect(cmp(rsz)).toBe(-1);
    }
    rte_ring_free(m.arena, r);
  });

  it.each(EVERY_IMPL_AND_ESIZE)('test_ring_burst_bulk_tests2, %s, esize %d: enqueue 1, 2, MAX_BULK; dequeue 1, 2, MAX_BULK; data intact', (_, esize, flags, api) => {
    const { m, r, enq, deq, cmp } = enqdeq(esize, flags, api);
    // cur_src is not advanced after the MAX_BULK enqueue, as upstream.
    const got = [enq(0, 1), enq(1, 2), enq(3, MAX_BULK), deq(0, 1), deq(1, 2), deq(3, MAX_BULK)];
    expect(got).toEqual([1, 2, MAX_BULK, 1, 2, MAX_BULK]);
    expect(cmp(3 + MAX_BULK)).toBe(-1);
    rte_ring_free(m.arena, r);
  });

  it.each(EVERY_IMPL_AND_ESIZE)('test_ring_burst_bulk_tests3, %s, esize %d: RING_SIZE / MAX_BULK rounds of MAX_BULK in and out cover the whole ring', (_, esize, flags, api) => {
    const { m, r, enq, deq, cmp } = enqdeq(esize, flags, api);
    const rounds = RING_SIZE / MAX_BULK;
    let bad = 0;
    for (let j = 0; j < rounds; j++) bad += (enq(j * MAX_BULK, MAX_BULK) === MAX_BULK ? 0 : 1) + (deq(j * MAX_BULK, MAX_BULK) === MAX_BULK ? 0 : 1);
    expect(bad).toBe(0);
    expect(cmp(rounds * MAX_BULK)).toBe(-1);
    rte_ring_free(m.arena, r);
  });

  it.each(EVERY_IMPL_AND_ESIZE)('test_ring_burst_bulk_tests4, %s, esize %d: fill to one free slot (a bulk asks MAX_BULK - 3, a burst MAX_BULK and gets MAX_BULK - 3), a full ring refuses, then empty it the same way', (_, esize, flags, api) => {
    const { m, r, enq, deq, cmp, burst } = enqdeq(esize, flags, api);
    const rounds = RING_SIZE / MAX_BULK - 1;
    const numElems = burst ? MAX_BULK : MAX_BULK - 3;
    let bad = 0;
    for (let j = 0; j < rounds; j++) bad += enq(j * MAX_BULK, MAX_BULK) === MAX_BULK ? 0 : 1;
    let at = rounds * MAX_BULK;
    const fill = [bad, enq(at, 2), enq(at + 2, numElems), r.full(), enq(at + 2 + MAX_BULK - 3, MAX_BULK)];
    expect(fill).toEqual([0, 2, MAX_BULK - 3, true, 0]);
    for (let j = 0; j < rounds; j++) bad += deq(j * MAX_BULK, MAX_BULK) === MAX_BULK ? 0 : 1;
    at = rounds * MAX_BULK;
    expect([bad, deq(at, 2), deq(at + 2, numElems), r.empty()]).toEqual([0, 2, MAX_BULK - 3, true]);
    expect(cmp(at + 2 + MAX_BULK - 3)).toBe(-1);
    rte_ring_free(m.arena, r);
  });
});

describe('test_ring.c: test_ring_basic_ex and test_ring_with_exact_size, every esize', () => {
  it.each(ESIZE)('test_ring_basic_ex, esize %d: RING_SIZE - 1 singles in and out, then bursts and bulks of 2', (esize) => {
    const m = machine(8);
    const rp = test_ring_create(m, 'test_ring_basic_ex', esize, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ)!;
    const ew = wordsOf(esize);
    const src = elems(RING_SIZE, esize);
    const dst = new Int32Array(RING_SIZE * ew);
    expect(rte_ring_lookup(m.arena, m.mem, 'test_ring_basic_ex')!.ref.base).toBe(rp.ref.base);
    expect(rp.empty()).toBe(true);
    let bad = 0;
    for (let j = 0; j < RING_SIZE - 1; j++) bad += rp.enqueue_elem(src, j * ew) === 0 ? 0 : 1;
    expect([bad, rp.full()]).toEqual([0, true]);
    for (let j = 0; j < RING_SIZE - 1; j++) bad += rp.dequeue(dst, j * ew) === 0 ? 0 : 1;
    expect(bad).toBe(0);
    expect(rp.empty()).toBe(true);
    expect(firstDiff(dst, src, (RING_SIZE - 1) * ew)).toBe(-1);
    dst.fill(0);
    expect(rp.enqueue_burst(src, 2, 0)).toBe(2);
    expect(rp.dequeue_burst(dst, 2, 0)).toBe(2);
    expect(rp.enqueue_bulk(src, 2, 2 * ew)).toBe(2);
    expect(rp.dequeue_bulk(dst, 2, 2 * ew)).toBe(2);
    expect(firstDiff(dst, src, 4 * ew)).toBe(-1);
    rte_ring_free(m.arena, rp);
  });

  it.each(ESIZE)('test_ring_with_exact_size, esize %d: an exact ring of 16 holds 16 where the standard one holds 15', (esize) => {
    const m = machine();
    const std = test_ring_create(m, 'std', esize, 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ)!;
    const exact = test_ring_create(m, 'exact sz', esize, 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ)!;
    const ew = wordsOf(esize);
    const src = elems(17, esize);
    const dst = new Int32Array(17 * ew);
    expect(std.get_size()).toBeLessThanOrEqual(exact.get_size());
    for (let j = 0; j < 15; j++) {
      expect(std.enqueue_elem(src, j * ew)).toBe(0);
      expect(exact.enqueue_elem(src, j * ew)).toBe(0);
    }
    expect(std.enqueue_elem(src, 15 * ew)).toBe(-ENOBUFS);
    expect(exact.enqueue_elem(src, 15 * ew)).not.toBe(-ENOBUFS);
    expect(exact.dequeue_burst(dst, 16)).toBe(16);
    expect(exact.get_capacity()).toBe(16);
    expect(firstDiff(dst, src, 16 * ew)).toBe(-1);
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
