import { describe, expect, it } from 'vitest';
import { ENOENT } from '../src/errors.js';
import { Mempool, type MempoolConfig } from '../src/dpdk/mempool.js';
import { CACHE_VARIANT_FLUSH_FIRST, MempoolCache } from '../src/dpdk/mempool_cache.js';
import { RTE_MEMPOOL_CACHE_MAX_SIZE } from '../src/dpdk/mempool_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The cache algorithms at their boundary values (lib/mempool/rte_mempool.h,
 * rte_mempool_do_generic_put/get): each threshold itself and one past it, so an
 * off-by-one in a comparison changes where an object goes.
 */
function setup(cfg: MempoolConfig) {
  const arena = Arena.create(Mempool.memsize(cfg) * 2 + (1 << 16));
  const mem = new AtomicsMem(arena.sab);
  const main = Mempool.create(arena, mem, 'p', cfg);
  const lc = new Mempool(mem, main.ref, 0);
  return { arena, mem, main, lc, c: lc.cache! };
}

/** Every object of the pool, taken from the common pool by the main thread (no cache). */
function takeAll(main: Mempool): Int32Array {
  const out = new Int32Array(main.size);
  expect(main.get_bulk(out, main.size)).toBe(0);
  return out;
}

const cached = (c: MempoolCache) => {
  const got: number[] = [];
  c.forEach((o) => got.push(o));
  return got;
};

describe('classic cache (22.11 to 26.03): `n > flushthresh` bypasses, `len + n <= flushthresh` stays', () => {
  it('a put of exactly flushthresh (48 for a cache of 32) into an empty cache is cached; 49 goes to the common pool', () => {
    const { main, lc, c } = setup({ n: 200, elt_size: 8, cache_size: 32 });
    const out = takeAll(main);
    lc.put_bulk(out, 48);
    expect(c.len).toBe(48);
    expect(main.ops.get_count()).toBe(0);
    lc.cache_flush();
    lc.put_bulk(out, 49, 48);
    expect(c.len).toBe(0);
    expect(main.ops.get_count()).toBe(97);
    expect(lc.stats(0)).toMatchObject({ put_common_pool_bulk: 2, put_common_pool_objs: 97 });
  });

  it('a get of exactly len empties the cache without touching the common pool', () => {
    const { main, lc, c } = setup({ n: 200, elt_size: 8, cache_size: 32 });
    const out = takeAll(main);
    lc.put_bulk(out, 10);
    const got = new Int32Array(10);
    expect(lc.get_bulk(got, 10)).toBe(0);
    expect(c.len).toBe(0);
    expect([...got]).toEqual([...out.subarray(0, 10)].reverse());
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 0, get_success_objs: 10 });
  });

  it(`a remainder of exactly RTE_MEMPOOL_CACHE_MAX_SIZE (${RTE_MEMPOOL_CACHE_MAX_SIZE}) refills size + remainder; one more goes straight to the pool`, () => {
    const n = RTE_MEMPOOL_CACHE_MAX_SIZE;
    const a = setup({ n: 600, elt_size: 8, cache_size: 32 });
    const out = new Int32Array(n + 1);
    expect(a.lc.get_bulk(out, n)).toBe(0);
    expect(a.c.len).toBe(32);
    expect(a.main.ops.get_count()).toBe(600 - 32 - n);
    expect(a.lc.stats(0)).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: 32 + n });
    const b = setup({ n: 600, elt_size: 8, cache_size: 32 });
    expect(b.lc.get_bulk(out, n + 1)).toBe(0);
    expect(b.c.len).toBe(0);
    expect(b.main.ops.get_count()).toBe(600 - n - 1);
    expect(b.lc.stats(0)).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: n + 1 });
  });

  it('a refill hands out the objects above size, the hottest first, and keeps objs[0..size)', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8 });
    const order = new Int32Array(40);
    main.ops.dequeue_bulk(order, 40, 0);
    main.ops.enqueue_bulk(order, 40, 0);
    const got = new Int32Array(3);
    expect(lc.get_bulk(got, 3)).toBe(0);
    // size + remaining = 11 dequeued in the ring's order into objs[0..11): out = objs[10], objs[9], objs[8].
    expect([...got]).toEqual([order[10], order[9], order[8]]);
    expect(cached(c)).toEqual([...order.subarray(0, 8)]);
  });
});

describe('v26 cache: requests above size/2 bypass both ways, the cache never exceeds size', () => {
  it('a put of exactly size/2 is cached, size/2 + 1 bypasses; a put that reaches exactly size stays', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const out = takeAll(main);
    lc.put_bulk(out, 17);
    expect(c.len).toBe(0);
    lc.put_bulk(out, 16, 17);
    expect(c.len).toBe(16);
    lc.put_bulk(out, 16, 33);
    expect(c.len).toBe(32);
    expect(main.ops.get_count()).toBe(17);
  });

  it('a get of exactly size/2 goes through the cache (a refill of size/2); size/2 + 1 bypasses it', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const got = new Int32Array(17);
    expect(lc.get_bulk(got, 16)).toBe(0);
    expect(c.len).toBe(0);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: 16 });
    expect(lc.get_bulk(got, 17)).toBe(0);
    expect(c.len).toBe(0);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 2, get_common_pool_objs: 33 });
    expect(main.ops.get_count()).toBe(100 - 33);
  });

  it('a get of exactly size/2 from a cache holding more is served from it alone', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const out = takeAll(main);
    lc.put_bulk(out, 16);
    lc.put_bulk(out, 4, 16);
    const got = new Int32Array(16);
    expect(lc.get_bulk(got, 16)).toBe(0);
    expect(c.len).toBe(4);
    expect([...got]).toEqual([...out.subarray(4, 20)].reverse());
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 0 });
  });

  it('a get of exactly len is served from the cache alone', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const out = takeAll(main);
    lc.put_bulk(out, 5);
    const got = new Int32Array(5);
    expect(lc.get_bulk(got, 5)).toBe(0);
    expect([...got]).toEqual([...out.subarray(0, 5)].reverse());
    expect(c.len).toBe(0);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 0 });
  });

  it('a short get refills size/2 above what is cached and hands out the hottest: the refill\'s top', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const out = takeAll(main);
    lc.put_bulk(out, 3);
    main.put_bulk(out, 97, 3);
    const got = new Int32Array(4);
    expect(lc.get_bulk(got, 4)).toBe(0);
    // objs = out[0..3) then 16 refilled: the four on top are refilled ones, not out[0..3).
    expect(c.len).toBe(3 + 16 - 4);
    expect([...got].some((o) => [...out.subarray(0, 3)].includes(o))).toBe(false);
    expect(cached(c).slice(0, 3)).toEqual([...out.subarray(0, 3)]);
  });

  it('an overflowing put flushes exactly size/2 from the bottom and moves the rest down in order', () => {
    const { main, lc, c } = setup({ n: 100, elt_size: 8, cache_size: 8, cache_algo: 'v26' });
    const out = takeAll(main);
    lc.put_bulk(out, 4);
    lc.put_bulk(out, 4, 4);
    expect(c.len).toBe(8);
    lc.put_bulk(out, 1, 8);
    expect(cached(c)).toEqual([...out.subarray(4, 9)]);
    const flushed = new Int32Array(4);
    expect(main.ops.dequeue_bulk(flushed, 4, 0)).toBe(0);
    expect([...flushed].sort((x, y) => x - y)).toEqual([...out.subarray(0, 4)].sort((x, y) => x - y));
  });
});

describe('legacy cache (up to 22.07): `len + n >= flushthresh` flushes above size, `n >= size` bypasses a get', () => {
  it('a put that stops one short of flushthresh keeps everything', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const out = takeAll(main);
    lc.put_bulk(out, 11);
    expect(c.len).toBe(11);
    expect(main.ops.get_count()).toBe(0);
  });

  it('a get of size - 1 goes through the cache; a get of exactly size bypasses it', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const got = new Int32Array(8);
    expect(lc.get_bulk(got, 7)).toBe(0);
    expect(c.len).toBe(8);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: 15 });
    expect(lc.get_bulk(got, 8)).toBe(0);
    expect(c.len).toBe(8);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 2, get_common_pool_objs: 23 });
    expect(main.ops.get_count()).toBe(40 - 23);
  });

  it('a get of exactly len needs no refill', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const out = takeAll(main);
    lc.put_bulk(out, 5);
    const got = new Int32Array(5);
    expect(lc.get_bulk(got, 5)).toBe(0);
    expect(c.len).toBe(0);
    expect(lc.stats(0)).toMatchObject({ get_common_pool_bulk: 0 });
  });

  it('when the refill fails the get is served straight from the common pool, or fails with the cache untouched', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const out = takeAll(main);
    lc.put_bulk(out, 2);
    main.put_bulk(out, 4, 2);
    const got = new Int32Array(6);
    // 3 > len 2: the refill wants 3 + 8 - 2 = 9 and the pool has 4; the pool serves the 3 itself.
    expect(lc.get_bulk(got, 3)).toBe(0);
    expect(c.len).toBe(2);
    expect(main.ops.get_count()).toBe(1);
    expect(lc.get_bulk(got, 4)).toBe(-ENOENT);
    expect(c.len).toBe(2);
    expect(main.ops.get_count()).toBe(1);
  });

  it('a put that would overflow the objs array (2 x the largest cache) goes to the common pool', () => {
    const max = RTE_MEMPOOL_CACHE_MAX_SIZE;
    const { main, lc, c } = setup({ n: 1300, elt_size: 8, cache_size: max, cache_algo: 'legacy' });
    const out = takeAll(main);
    // flushthresh is 768: 767 stays; 767 + 258 = 1025 is over the 1024 slots and bypasses.
    lc.put_bulk(out, 767);
    expect(c.len).toBe(767);
    lc.put_bulk(out, 258, 767);
    expect(c.len).toBe(767);
    expect(main.ops.get_count()).toBe(258);
    // 767 + 257 = 1024 fits: copied, then everything above size flushed.
    lc.put_bulk(out, 257, 1025);
    expect(c.len).toBe(max);
    expect(main.ops.get_count()).toBe(258 + 1024 - max);
  });
});

describe('legacy cache, flush-first variant (broken on purpose)', () => {
  it('still copies the put objects, after the flush: the cache ends holding them at objs[len..]', () => {
    const { main, lc, c } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy', variant: CACHE_VARIANT_FLUSH_FIRST });
    const out = takeAll(main);
    lc.put_bulk(out, 3);
    lc.put_bulk(out, 2, 3);
    expect(cached(c)).toEqual([...out.subarray(0, 5)]);
  });
});

describe('rte_mempool_cache_create', () => {
  it('takes sizes 1 to RTE_MEMPOOL_CACHE_MAX_SIZE and refuses 0, one more, and a fraction', () => {
    const arena = Arena.create(1 << 16);
    const mem = new AtomicsMem(arena.sab);
    expect(MempoolCache.create(arena, mem, 0)).toBeNull();
    expect(MempoolCache.create(arena, mem, RTE_MEMPOOL_CACHE_MAX_SIZE + 1)).toBeNull();
    expect(MempoolCache.create(arena, mem, 1.5)).toBeNull();
    const one = MempoolCache.create(arena, mem, 1)!;
    expect([one.size, one.flushthresh, one.len]).toEqual([1, 1, 0]);
    const max = MempoolCache.create(arena, mem, RTE_MEMPOOL_CACHE_MAX_SIZE)!;
    expect([max.size, max.flushthresh, max.len]).toEqual([512, 768, 0]);
  });
});
