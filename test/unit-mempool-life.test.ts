import { describe, expect, it } from 'vitest';
import { EEXIST, EINVAL, ENOBUFS, ENOENT, ENOSPC } from '../src/errors.js';
import { Mempool, type MempoolConfig } from '../src/dpdk/mempool.js';
import { objSize, opsForFlags } from '../src/dpdk/mempool_config.js';
import {
  LCORE_ID_ANY, P_WORDS, RTE_BAD_IOVA, RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_NO_IOVA_CONTIG, RTE_MEMPOOL_F_NON_IO, RTE_MEMPOOL_F_NO_SPREAD,
  RTE_MEMPOOL_F_POOL_CREATED, RTE_MEMPOOL_F_SC_GET, RTE_MEMPOOL_F_SP_PUT,
} from '../src/dpdk/mempool_layout.js';
import { MEMPOOL_OPS_NAMES } from '../src/dpdk/mempool_ops.js';
import { rte_errno, set_rte_errno } from '../src/dpdk/rte_errno.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_mempool.c's life cycle and rte_mempool.h's counters in process: rte_mempool_create_empty's
 * checks (each refusal at its boundary, with its errno and text), rte_mempool_calc_obj_size,
 * the backend rte_mempool_create picks from SP_PUT/SC_GET, set_ops_byname, populate_iova /
 * _default / _anon, lookup, free, and the stats line of a thread that is not an lcore.
 */
function machine(mb = 8) {
  const arena = Arena.create(mb << 20);
  return { arena, mem: new AtomicsMem(arena.sab) };
}

const refusal = (cfg: MempoolConfig, message: string) =>
  expect(() => Mempool.checkConfig(cfg)).toThrow(expect.objectContaining({ errno: EINVAL, message }));

describe('rte_mempool_create_empty\'s checks', () => {
  it('n: 1 to 2^26', () => {
    for (const n of [0, 2 ** 26 + 1, 1.5]) refusal({ n, elt_size: 8 }, `n: ${n} objects (allowed: an integer from 1 to 2^26)`);
    for (const n of [1, 2 ** 26]) expect(() => Mempool.checkConfig({ n, elt_size: 8 })).not.toThrow();
  });

  it('elt_size, max_lcore (1 to RTE_MAX_LCORE 128), ops_name', () => {
    for (const e of [0, 2.5]) refusal({ n: 1, elt_size: e }, `elt_size: element size ${e} (allowed: a positive number of bytes)`);
    for (const l of [0, 129, 1.5]) refusal({ n: 1, elt_size: 8, max_lcore: l }, `max_lcore: ${l} lcores (allowed: 1 to 128)`);
    for (const l of [1, 128]) expect(() => Mempool.checkConfig({ n: 1, elt_size: 8, max_lcore: l })).not.toThrow();
    refusal({ n: 1, elt_size: 8, ops_name: 'bucket' as never }, `ops_name: unknown mempool ops 'bucket' (allowed: ${MEMPOOL_OPS_NAMES.join(', ')})`);
  });

  it('cache_size: 0 to RTE_MEMPOOL_CACHE_MAX_SIZE (512); a classic cache needs 1.5 x size <= n, v26 size <= n', () => {
    for (const c of [-1, 513, 1.5]) refusal({ n: 1000, elt_size: 8, cache_size: c }, `cache_size: cache size ${c} (allowed: 0 to 512 (RTE_MEMPOOL_CACHE_MAX_SIZE))`);
    expect(() => Mempool.checkConfig({ n: 768, elt_size: 8, cache_size: 512 })).not.toThrow();
    refusal({ n: 47, elt_size: 8, cache_size: 32 }, 'cache_size: a classic cache of 32 needs a pool of at least 48, this one has 47 (allowed: 1.5 x cache size <= n: at most 31)');
    expect(() => Mempool.checkConfig({ n: 48, elt_size: 8, cache_size: 32 })).not.toThrow();
    refusal({ n: 31, elt_size: 8, cache_size: 32, cache_algo: 'v26' }, 'cache_size: a v26 cache of 32 needs a pool of at least 32, this one has 31 (allowed: cache size <= n: at most 31)');
    expect(() => Mempool.checkConfig({ n: 32, elt_size: 8, cache_size: 32, cache_algo: 'v26' })).not.toThrow();
    refusal({ n: 8, elt_size: 8, cache_algo: 'lifo' as never }, "cache_algo: unknown cache algorithm 'lifo' (allowed: classic, v26, legacy)");
  });

  it('flags: only RTE_MEMPOOL_VALID_USER_FLAGS', () => {
    for (const f of [RTE_MEMPOOL_F_POOL_CREATED, RTE_MEMPOOL_F_NON_IO, -1]) {
      refusal({ n: 1, elt_size: 8, flags: f }, `flags: 0x${f.toString(16)} has bits outside RTE_MEMPOOL_VALID_USER_FLAGS (allowed: NO_SPREAD 0x1, NO_CACHE_ALIGN 0x2, SP_PUT 0x4, SC_GET 0x8, NO_IOVA_CONTIG 0x20)`);
    }
    expect(() => Mempool.checkConfig({ n: 1, elt_size: 8, flags: 0x2f })).not.toThrow();
  });

  it('a scenario\'s flag names replace the field names', () => {
    expect(() => Mempool.checkConfig({ n: 0, elt_size: 8 }, { n: '--pool-size' })).toThrow('--pool-size: 0 objects');
  });
});

describe('sizes and backends', () => {
  it('rte_mempool_calc_obj_size: body rounded to 8, the element to a cache line unless NO_CACHE_ALIGN, the trailer cookie in debug mode', () => {
    expect(objSize(1, 0)).toEqual({ header: 64, elt: 8, trailer: 56, total: 128 });
    expect(objSize(64, 0)).toEqual({ header: 64, elt: 64, trailer: 0, total: 128 });
    expect(objSize(65, RTE_MEMPOOL_F_NO_CACHE_ALIGN)).toEqual({ header: 64, elt: 72, trailer: 0, total: 136 });
    expect(objSize(64, RTE_MEMPOOL_F_NO_CACHE_ALIGN, true)).toEqual({ header: 64, elt: 64, trailer: 8, total: 136 });
    expect(objSize(64, 0, true)).toEqual({ header: 64, elt: 64, trailer: 64, total: 192 });
  });

  it('rte_mempool_create\'s backend from SP_PUT and SC_GET', () => {
    expect([opsForFlags(0), opsForFlags(RTE_MEMPOOL_F_SP_PUT), opsForFlags(RTE_MEMPOOL_F_SC_GET), opsForFlags(RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET)])
      .toEqual(['ring_mp_mc', 'ring_sp_mc', 'ring_mp_sc', 'ring_sp_sc']);
  });

  it.each([
    ['ring', { n: 100, elt_size: 40 }],
    ['stack, cache, private data', { n: 100, elt_size: 40, ops_name: 'stack', cache_size: 32, private_data_size: 100 }],
    ['lf_stack, debug, NO_CACHE_ALIGN', { n: 50, elt_size: 8, ops_name: 'lf_stack', debug: true, flags: RTE_MEMPOOL_F_NO_CACHE_ALIGN }],
  ] as Array<[string, MempoolConfig]>)('Mempool.memsize is enough for a pool (%s) in an arena of exactly that size', (_, cfg) => {
    const arena = Arena.create(Mempool.memsize(cfg));
    const mp = Mempool.create(arena, new AtomicsMem(arena.sab), 'm', cfg);
    expect([mp.full(), mp.private_data_size]).toEqual([true, Math.ceil((cfg.private_data_size ?? 0) / 64) * 64]);
  });

  it('NO_CACHE_ALIGN implies NO_SPREAD and an 8-byte object alignment; RTE_MEMPOOL_HEADER_SIZE is the header\'s words', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create(arena, mem, 'a', { n: 4, elt_size: 8, flags: RTE_MEMPOOL_F_NO_CACHE_ALIGN });
    expect([mp.flags & RTE_MEMPOOL_F_NO_SPREAD, mp.get_obj_alignment()]).toEqual([RTE_MEMPOOL_F_NO_SPREAD, 8]);
    const b = Mempool.create(arena, mem, 'b', { n: 4, elt_size: 8 });
    expect([b.flags & RTE_MEMPOOL_F_NO_SPREAD, b.get_obj_alignment(), Mempool.HEADER_SIZE(b, 0)]).toEqual([0, 64, P_WORDS * 4]);
    expect(b.get_priv()).toBe(b.base + P_WORDS);
  });
});

describe('create_empty, set_ops_byname, populate', () => {
  it('set_ops_byname: -EINVAL for an unknown name, 0 before the backend exists, -EEXIST after; the pool then runs on it', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'e', { n: 8, elt_size: 8 });
    expect([mp.ops_name, mp.flags & RTE_MEMPOOL_F_NON_IO, mp.populated_size, mp.avail_count()]).toEqual(['ring_mp_mc', RTE_MEMPOOL_F_NON_IO, 0, 0]);
    expect(mp.set_ops_byname('nope')).toBe(-EINVAL);
    expect(mp.set_ops_byname('stack')).toBe(0);
    expect(Mempool.lookup(arena, mem, 'e')!.ops_name).toBe('stack');
    expect(mp.populate_default()).toBe(8);
    expect([mp.ops_name, mp.full(), mp.flags & RTE_MEMPOOL_F_POOL_CREATED]).toEqual(['stack', true, RTE_MEMPOOL_F_POOL_CREATED]);
    expect(mp.set_ops_byname('ring_sp_sc')).toBe(-EEXIST);
    expect([mp.populate_default(), mp.nb_mem_chunks]).toEqual([-EEXIST, 1]);
  });

  it('populate_iova: the first object at addr rounded up to the alignment; what fits, up to what is missing; 0 when nothing fits; -ENOSPC when full', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'i', { n: 5, elt_size: 64 });
    const at = arena.alloc('chunk', 4096);
    // total 128 bytes per object; 10 bytes lost to the alignment.
    expect(mp.populate_iova(at + 10, RTE_BAD_IOVA, 54 + 128 * 2 + 127)).toBe(2);
    expect(mp.memChunks()).toEqual([{ addr: at + 10, len: 54 + 128 * 2 + 127, iova: RTE_BAD_IOVA }]);
    expect(mp.hdrOf(0) * 4).toBe(at + 64);
    expect(mp.populate_iova(at + 1024 + 1, RTE_BAD_IOVA, 63)).toBe(0);
    expect(mp.populate_iova(at + 1024 + 1, RTE_BAD_IOVA, 62 + 128)).toBe(0);
    expect([mp.flags & RTE_MEMPOOL_F_NON_IO, mp.populated_size]).toEqual([RTE_MEMPOOL_F_NON_IO, 2]);
    expect(mp.populate_iova(at + 2048, at + 2048, 128 * 8)).toBe(3);
    expect([mp.flags & RTE_MEMPOOL_F_NON_IO, mp.populated_size, mp.full()]).toEqual([0, 5, true]);
    expect(Mempool.virt2iova(mem, mp.hdrOf(4) + 16)).toBe(at + 2048 + 2 * 128 + 64);
    expect(Mempool.virt2iova(mem, mp.hdrOf(0) + 16)).toBe(RTE_BAD_IOVA);
    expect(mp.populate_iova(at + 3072, at + 3072, 128)).toBe(-ENOSPC);
    expect(mp.get_mem_range()).toEqual({ start: at + 10, length: 2048 + 128 * 8 - 10, is_contiguous: false });
  });

  it('NO_IOVA_CONTIG keeps NON_IO with a valid IOVA', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'nc', { n: 2, elt_size: 64, flags: RTE_MEMPOOL_F_NO_IOVA_CONTIG });
    const at = arena.alloc('c2', 1024);
    expect(mp.populate_iova(at, at, 1024)).toBe(2);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
  });

  it('populate_anon: the objects added; 0 with rte_errno EINVAL once the pool has memory', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'an', { n: 6, elt_size: 8 });
    set_rte_errno(0);
    expect(mp.populate_anon()).toBe(6);
    expect(rte_errno()).toBe(0);
    expect(mp.populate_anon()).toBe(0);
    expect(rte_errno()).toBe(EINVAL);
  });

  it('a lookup handle cannot populate; lookup of an unknown name is NULL with ENOENT', () => {
    const { arena, mem } = machine();
    Mempool.create_empty(arena, mem, 'lk', { n: 2, elt_size: 8 });
    const other = Mempool.lookup(arena, mem, 'lk')!;
    expect(() => other.populate_default()).toThrow('mempool lk: only the handle create_empty returned can populate it');
    expect(() => other.populate_iova(arena.alloc('c3', 256), RTE_BAD_IOVA, 256)).toThrow('mempool lk: only the handle create_empty returned can populate it');
    set_rte_errno(0);
    expect(Mempool.lookup(arena, mem, 'nothere')).toBeNull();
    expect(rte_errno()).toBe(ENOENT);
  });

  it('rte_mempool_free: each chunk\'s free callback once; the name (and MP_<name>) free again; a second free gives nothing back', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'fr', { n: 4, elt_size: 64 });
    const freed: string[] = [];
    const a = arena.alloc('fa', 256);
    const b = arena.alloc('fb', 256);
    expect(mp.populate_iova(a, a, 256, () => freed.push('a'))).toBe(2);
    expect(mp.populate_iova(b, b, 256, () => freed.push('b'))).toBe(2);
    expect(mp.mem_iter(() => {})).toBe(2);
    mp.free();
    expect(freed).toEqual(['a', 'b']);
    mp.free();
    expect(freed).toEqual(['a', 'b']);
    expect(Mempool.lookup(arena, mem, 'fr')).toBeNull();
    expect(Mempool.create(arena, mem, 'fr', { n: 4, elt_size: 64 }).full()).toBe(true);
  });
});

describe('counters', () => {
  class AddCount extends AtomicsMem {
    adds = 0;
    override add(i: number, v: number): number {
      this.adds++;
      return super.add(i, v);
    }
  }

  it('a thread that is not an lcore counts its stats with atomic adds on the shared line; an lcore plainly on its own', () => {
    const arena = Arena.create(8 << 20);
    const mem = new AddCount(arena.sab);
    const main = Mempool.create(arena, mem, 's', { n: 64, elt_size: 8, ops_name: 'stack' });
    const lc = new Mempool(mem, main.ref, 3);
    const out = new Int32Array(4);
    mem.adds = 0;
    expect(lc.get_bulk(out, 4)).toBe(0);
    lc.put_bulk(out, 4);
    expect(mem.adds).toBe(0);
    expect(main.get_bulk(out, 4)).toBe(0);
    expect(mem.adds).toBe(4);
    expect(main.stats(main.nb_lcores)).toMatchObject({ get_success_bulk: 1, get_success_objs: 4, get_common_pool_bulk: 1, get_common_pool_objs: 4 });
    expect(main.stats(3)).toMatchObject({ get_success_bulk: 1, put_bulk: 1, put_objs: 4 });
    expect(main.stats()).toMatchObject({ get_success_bulk: 2, get_success_objs: 8 });
    expect(main.get_bulk(out, 64)).toBe(-ENOENT);
    expect(main.stats()).toMatchObject({ get_fail_bulk: 1, get_fail_objs: 64 });
  });

  it('avail_count: the common pool plus every lcore cache, clamped to size; in_use_count, empty, full', () => {
    const { arena, mem } = machine();
    const main = Mempool.create(arena, mem, 'c', { n: 96, elt_size: 8, cache_size: 32 });
    const lc = new Mempool(mem, main.ref, 1);
    const out = new Int32Array(96);
    expect(main.get_bulk(out, 96)).toBe(0);
    expect([main.empty(), main.full(), main.in_use_count()]).toEqual([true, false, 96]);
    lc.put_bulk(out, 10);
    expect([main.avail_count(), main.ops.get_count(), lc.cache!.len]).toEqual([10, 0, 10]);
    lc.cache_flush();
    expect([main.avail_count(), main.ops.get_count(), lc.cache!.len]).toEqual([10, 10, 0]);
    main.put_bulk(out, 86, 10);
    expect([main.full(), main.empty(), main.in_use_count()]).toEqual([true, false, 0]);
    expect(main.default_cache(LCORE_ID_ANY)).toBeNull();
    expect(main.default_cache(main.nb_lcores)).toBeNull();
    expect(main.default_cache(main.nb_lcores - 1)).not.toBeNull();
  });
});

describe('the backend as the pool sees it', () => {
  it('before populate there is no backend: a get is -ENOENT, nothing is counted, the audit finds nothing to walk', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'nb', { n: 4, elt_size: 8, socket_id: 1 });
    expect([mp.get_bulk(new Int32Array(1), 1), mp.avail_count(), mp.socket_id, mp.ops.enqueue_bulk(Int32Array.of(1), 1, 0)]).toEqual([-ENOENT, 0, 1, -ENOBUFS]);
    expect(mp.audit().map((v) => v.message)).toEqual(['obj_iter visited 0 objects, size is 4']);
  });

  it('a ring backend walked after its indices wrapped: every free object once, each naming its pool (rte_mempool_from_obj)', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create(arena, mem, 'w', { n: 5, elt_size: 8 });
    expect(mp.socket_id).toBe(-1);
    const out = new Int32Array(3);
    for (let k = 0; k < 7; k++) {
      expect(mp.get_bulk(out, 3)).toBe(0);
      mp.put_bulk(out, 3);
    }
    expect(mp.get_bulk(out, 2)).toBe(0);
    const seen: number[] = [];
    mp.ops.forEach((o) => seen.push(o));
    expect(seen).toHaveLength(3);
    expect(new Set([...seen, out[0], out[1]]).size).toBe(5);
    expect(seen.map((o) => Mempool.from_obj(mem, o))).toEqual([mp.base, mp.base, mp.base]);
    expect(mp.audit()).toEqual([]);
    expect(mp.conservation(2)).toEqual([]);
  });

  it('a stack pool leaves no ring behind: after free, a ring may take the name MP_<pool>, and the pool\'s name is free', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create(arena, mem, 'st', { n: 4, elt_size: 8, ops_name: 'stack' });
    mp.free();
    expect(Mempool.create(arena, mem, 'st', { n: 4, elt_size: 8, ops_name: 'lf_stack' }).ops_name).toBe('lf_stack');
  });
});
