import { describe, expect, it } from 'vitest';
import { ConfigError, ENOENT } from '../src/errors.js';
import { Mempool, type MempoolConfig } from '../src/dpdk/mempool.js';
import { CACHE_VARIANT_FLUSH_FIRST, MempoolCache } from '../src/dpdk/mempool_cache.js';
import { LCORE_ID_ANY } from '../src/dpdk/mempool_layout.js';
import { MEMPOOL_OPS_NAMES } from '../src/dpdk/mempool_ops.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

function setup(cfg: MempoolConfig, name = 'p') {
  const arena = Arena.create(Mempool.memsize(cfg) * 2 + (1 << 16));
  const mem = new AtomicsMem(arena.sab);
  const main = Mempool.create(arena, mem, name, cfg);
  return { arena, mem, main, on: (lcore: number) => new Mempool(mem, main.ref, lcore) };
}

describe('rte_mempool basics (test_mempool.c)', () => {
  it.each(MEMPOOL_OPS_NAMES)('a pool of 16 on %s is full at start, empty after 16 gets, refuses the 17th, full again after the puts', (ops) => {
    const { main } = setup({ n: 16, elt_size: 64, ops_name: ops });
    expect(main.full()).toBe(true);
    expect(main.avail_count()).toBe(16);
    const out = new Int32Array(17);
    for (let i = 0; i < 16; i++) expect(main.get(out, i)).toBe(0);
    expect(main.empty()).toBe(true);
    expect(main.in_use_count()).toBe(16);
    expect(main.get(out, 16)).toBe(-ENOENT);
    expect(new Set(out.subarray(0, 16)).size).toBe(16);
    main.put_bulk(out, 16);
    expect(main.full()).toBe(true);
    expect(main.audit()).toEqual([]);
  });

  it('get_bulk is all or nothing', () => {
    const { main } = setup({ n: 10, elt_size: 8 });
    const out = new Int32Array(16);
    expect(main.get_bulk(out, 11)).toBe(-ENOENT);
    expect(main.avail_count()).toBe(10);
    expect(main.get_bulk(out, 10)).toBe(0);
    expect(main.stats()).toMatchObject({ get_success_bulk: 1, get_success_objs: 10, get_fail_bulk: 1, get_fail_objs: 11 });
  });

  it('stack is LIFO: the object put last comes out first', () => {
    for (const ops of ['stack', 'lf_stack'] as const) {
      const { main } = setup({ n: 4, elt_size: 8, ops_name: ops });
      const out = new Int32Array(4);
      main.get_bulk(out, 4);
      main.put(out[2]);
      main.put(out[0]);
      expect(main.get(out, 3)).toBe(0);
      expect(out[3]).toBe(out[0]);
    }
  });

  it('gives each object a cache-line aligned element: 64-byte header, body, trailer padding', () => {
    const { main, mem } = setup({ n: 3, elt_size: 100, private_data_size: 10 });
    expect([main.header_size, main.elt_size, main.total_size]).toEqual([64, 104, 192]);
    expect(main.private_data_size).toBe(64);
    const objs: number[] = [];
    expect(main.obj_iter((o) => objs.push(o))).toBe(3);
    expect(objs.map((o) => (o * 4) % 64)).toEqual([0, 0, 0]);
    expect(Mempool.from_obj(mem, objs[1])).toBe(main.base);
  });
});

describe('rte_mempool creation errors', () => {
  const ok: MempoolConfig = { n: 64, elt_size: 32 };
  it('rejects what rte_mempool_create_empty rejects, naming the field', () => {
    expect(() => Mempool.checkConfig({ ...ok, cache_size: 513 })).toThrow(/cache_size: cache size 513.*allowed: 0 to 512/);
    expect(() => Mempool.checkConfig({ ...ok, elt_size: 0 })).toThrow(ConfigError);
    expect(() => Mempool.checkConfig({ ...ok, n: 0 })).toThrow(/^n:/);
    expect(() => Mempool.checkConfig({ ...ok, ops_name: 'bucket' as never }, { ops_name: '--ops' })).toThrow(/--ops: unknown mempool ops 'bucket'/);
    expect(() => Mempool.checkConfig({ ...ok, cache_algo: 'lru' as never })).toThrow(/cache_algo: unknown cache algorithm 'lru'/);
  });

  it('classic needs 1.5 x cache <= n, v26 only cache <= n', () => {
    expect(() => Mempool.checkConfig({ n: 16, elt_size: 8, cache_size: 16 }, { cache_size: '--cache' })).toThrow(/--cache: a classic cache of 16 needs a pool of at least 24/);
    expect(() => Mempool.checkConfig({ n: 16, elt_size: 8, cache_size: 16, cache_algo: 'v26' })).not.toThrow();
    expect(() => Mempool.checkConfig({ n: 24, elt_size: 8, cache_size: 16 })).not.toThrow();
  });

  it('DPDK wins over SPEC.md: CALC_CACHE_FLUSHTHRESH truncates, so a cache of 1 fits a pool of 1 (1.5 x 1 > 1)', () => {
    expect(() => Mempool.checkConfig({ n: 1, elt_size: 8, cache_size: 1 })).not.toThrow();
    expect(() => Mempool.checkConfig({ n: 4, elt_size: 8, cache_size: 3 })).not.toThrow();
    expect(() => Mempool.checkConfig({ n: 4, elt_size: 8, cache_size: 4 })).toThrow(/at least 6/);
  });
});

describe('classic per-lcore cache (rte_mempool_do_generic_put/get, 22.11 to 25.11)', () => {
  it('fills to flushthresh, then flushes the whole cache and keeps the new objects; bigger puts go straight to the ring', () => {
    const { main, on } = setup({ n: 200, elt_size: 8, cache_size: 32 });
    const lc = on(0);
    const c = lc.cache!;
    expect(c.flushthresh).toBe(48);
    const out = new Int32Array(200);
    main.get_bulk(out, 200);
    lc.put_bulk(out, 40);
    expect(c.len).toBe(40);
    lc.put_bulk(out, 8, 40);
    expect(c.len).toBe(48);
    lc.put(out[48]);
    expect(c.len).toBe(1);
    expect(main.ops.get_count()).toBe(48);
    lc.put_bulk(out, 49, 49);
    expect(c.len).toBe(1);
    expect(main.ops.get_count()).toBe(97);
    expect(lc.stats(0)).toMatchObject({ put_bulk: 4, put_objs: 98, put_common_pool_bulk: 2, put_common_pool_objs: 97 });
  });

  it('a short get refills size + remainder and leaves len = size; hot objects come out first', () => {
    const { on } = setup({ n: 200, elt_size: 8, cache_size: 32 });
    const lc = on(1);
    const out = new Int32Array(8);
    expect(lc.get_bulk(out, 4)).toBe(0);
    expect(lc.cache!.len).toBe(32);
    expect(lc.stats(1)).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: 36 });
    lc.put(out[2]);
    expect(lc.get(out, 5)).toBe(0);
    expect(out[5]).toBe(out[2]);
  });

  it('when the ring cannot refill, takes the remainder directly; when that fails too, restores the cache and returns -ENOENT', () => {
    const { main, on } = setup({ n: 40, elt_size: 8, cache_size: 16 });
    const lc = on(0);
    const out = new Int32Array(40);
    main.get_bulk(out, 30);
    lc.put_bulk(out, 5);
    expect(lc.cache!.len).toBe(5);
    const got = new Int32Array(20);
    expect(lc.get_bulk(got, 20)).toBe(-ENOENT);
    expect(lc.cache!.len).toBe(5);
    expect(lc.get_bulk(got, 12)).toBe(0);
    expect(lc.cache!.len).toBe(0);
    expect(main.ops.get_count()).toBe(3);
  });

  it('a get can fail while another lcore\'s cache holds objects', () => {
    const { main, on } = setup({ n: 24, elt_size: 8, cache_size: 16 });
    const out = new Int32Array(24);
    const a = on(0);
    expect(a.get_bulk(out, 1)).toBe(0);
    expect(a.cache!.len).toBe(16);
    expect(on(1).get_bulk(out, 8, 1)).toBe(-ENOENT);
    expect(main.avail_count()).toBe(23);
  });
});

describe('v26 per-lcore cache (SPEC.md part 1)', () => {
  it('an overflowing put flushes the coldest half and keeps the hot objects; puts above size/2 bypass', () => {
    const { main, on } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const lc = on(0);
    const out = new Int32Array(100);
    main.get_bulk(out, 100);
    lc.put_bulk(out, 17);
    expect(lc.cache!.len).toBe(0);
    for (let i = 17; i < 49; i++) lc.put(out[i]);
    expect(lc.cache!.len).toBe(32);
    lc.put(out[49]);
    expect(lc.cache!.len).toBe(17);
    const cached: number[] = [];
    lc.cache!.forEach((o) => cached.push(o));
    expect(cached).toEqual([...out.subarray(33, 50)]);
    expect(main.ops.get_count()).toBe(17 + 16);
  });

  it('a miss refills size/2; gets above size/2 bypass the cache', () => {
    const { on } = setup({ n: 100, elt_size: 8, cache_size: 32, cache_algo: 'v26' });
    const lc = on(0);
    const out = new Int32Array(32);
    expect(lc.get_bulk(out, 4)).toBe(0);
    expect(lc.cache!.len).toBe(12);
    expect(lc.get_bulk(out, 17)).toBe(0);
    expect(lc.cache!.len).toBe(12);
    expect(lc.audit()).toEqual([]);
  });
});

describe('legacy per-lcore cache (DPDK up to 22.07, rte_mempool_do_generic_put/get)', () => {
  it('a put copies to objs[len]; reaching flushthresh flushes everything above size, the objects just put among them', () => {
    const { main, on } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const lc = on(0);
    const out = new Int32Array(40);
    main.get_bulk(out, 40);
    lc.put_bulk(out, 7);
    expect(lc.cache!.len).toBe(7);
    expect(main.ops.get_count()).toBe(0);
    // 7 + 5 = 12 = flushthresh (1.5 x 8): objs[8..12) go, the last four objects put.
    lc.put_bulk(out, 5, 7);
    expect(lc.cache!.len).toBe(8);
    const cached: number[] = [];
    lc.cache!.forEach((o) => cached.push(o));
    expect(cached).toEqual([...out.subarray(0, 8)]);
    expect(main.ops.get_count()).toBe(4);
    expect(main.audit()).toEqual([]);
  });

  it('a short get refills size + n - len above len and hands out the top; a get of size or more bypasses', () => {
    const { main, on } = setup({ n: 40, elt_size: 8, cache_size: 8, cache_algo: 'legacy' });
    const lc = on(0);
    const out = new Int32Array(40);
    expect(lc.get_bulk(out, 3)).toBe(0);
    expect(lc.cache!.len).toBe(8);
    expect(main.stats()).toMatchObject({ get_common_pool_bulk: 1, get_common_pool_objs: 11 });
    expect(lc.get_bulk(out, 8, 3)).toBe(0);
    expect(lc.cache!.len).toBe(8);
    expect(main.stats()).toMatchObject({ get_common_pool_bulk: 2, get_common_pool_objs: 19 });
    lc.put_bulk(out, 11);
    expect(lc.audit()).toEqual([]);
  });

  it('the flush-first variant publishes the slots above size before the put fills them', () => {
    const { main, on } = setup({ n: 40, elt_size: 8, cache_size: 3, cache_algo: 'legacy', variant: CACHE_VARIANT_FLUSH_FIRST });
    const lc = on(0);
    const out = new Int32Array(2);
    expect(lc.get_bulk(out, 2)).toBe(0);
    // Refilled objs[0..5), out = objs[4], objs[3]; putting out[0] back flushes objs[3], which is out[1].
    lc.put(out[0]);
    const common = new Int32Array(40);
    const inPool = main.ops.get_count();
    main.ops.dequeue_bulk(common, inPool, 0);
    expect(common.subarray(0, inPool)).toContain(out[1]);
    expect(common.subarray(0, inPool)).not.toContain(out[0]);
  });
});

describe('threads that are not lcores, and user-owned caches', () => {
  it('a non-lcore thread bypasses the caches and counts its stats on the shared line', () => {
    const { main, on } = setup({ n: 64, elt_size: 8, cache_size: 16 });
    const any = on(LCORE_ID_ANY);
    expect(any.cache).toBeNull();
    const out = new Int32Array(4);
    any.get_bulk(out, 4);
    any.put_bulk(out, 4);
    expect(main.ops.get_count()).toBe(64);
    expect(main.stats(main.nb_lcores)).toMatchObject({ put_bulk: 1, put_common_pool_objs: 4, get_success_objs: 4 });
  });

  it('rte_mempool_cache_create refuses 0 and sizes over 512; generic get/put and flush work through a user cache', () => {
    const { arena, mem, main } = setup({ n: 64, elt_size: 8 });
    expect(MempoolCache.create(arena, mem, 0)).toBeNull();
    expect(MempoolCache.create(arena, mem, 513)).toBeNull();
    const uc = MempoolCache.create(arena, mem, 8)!;
    const out = new Int32Array(4);
    expect(main.generic_get(out, 4, uc)).toBe(0);
    expect(uc.len).toBe(8);
    main.generic_put(out, 4, uc);
    // DPDK: avail_count does not see user-owned caches ("User-owned mempool caches are not accounted for").
    expect(main.avail_count()).toBe(64 - 12);
    expect(main.conservation(0, [uc])).toEqual([]);
    expect(main.audit([uc])).toEqual([]);
    main.cache_flush(uc);
    expect(uc.len).toBe(0);
    expect(main.full()).toBe(true);
  });
});

describe('debug mode: cookies', () => {
  it('flips the header cookie on get and put and catches a double put, naming both lcores', () => {
    const { main, on } = setup({ n: 8, elt_size: 16, debug: true });
    const a = on(2);
    const b = on(5);
    const out = new Int32Array(2);
    a.get_bulk(out, 2);
    expect(main.cookies!.state(out[0])).toBe('allocated');
    a.put(out[0]);
    expect(main.cookies!.state(out[0])).toBe('free');
    b.put(out[0]);
    expect(main.avail_count()).toBe(7);
    expect(main.cookies!.errors().records).toEqual([{ kind: 'double put (object already free)', obj: out[0], lcore: 5, previous: 2 }]);
    expect(main.audit().map((v) => v.message)).toEqual(['double put (object already free) by lcore 5 (previous owner lcore 2)']);
  });

  it('refuses a put into the wrong pool and reports a write past the object end', () => {
    const cfg: MempoolConfig = { n: 4, elt_size: 16, debug: true };
    const arena = Arena.create(1 << 18);
    const mem = new AtomicsMem(arena.sab);
    const p = Mempool.create(arena, mem, 'p', cfg);
    const q = Mempool.create(arena, mem, 'q', cfg);
    const out = new Int32Array(1);
    q.get(out);
    p.put(out[0]);
    expect(p.avail_count()).toBe(4);
    expect(p.cookies!.errors().records[0]).toMatchObject({ kind: 'put into the wrong pool', obj: out[0], previous: q.base });
    mem.store(out[0] + 4, 0x41414141);
    mem.store(out[0] + 5, 0x41414141);
    expect(q.audit().map((v) => v.message)).toContain('object 0 has a corrupt trailer cookie (written past its end)');
    q.put(out[0]);
    expect(q.avail_count()).toBe(3);
  });

  it('dumps what rte_mempool_dump prints', () => {
    const { main, on } = setup({ n: 64, elt_size: 8, cache_size: 16, max_lcore: 2 });
    on(1).get_bulk(new Int32Array(1), 1);
    // flags=10: RTE_MEMPOOL_F_POOL_CREATED, set once the backend is allocated, as DPDK prints it.
    expect(main.dump()).toMatch(/mempool <p>@\d+\n  flags=10\n  socket_id=-1\n  size=64\n  header_size=64\n  elt_size=8/);
    expect(main.dump()).toMatch(/cache_count\[0\]=0\n    cache_count\[1\]=16\n    total_cache_count=16\n  common_pool_count=47/);
  });
});
