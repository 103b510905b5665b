import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runStress } from '../../../src/lab/stress.js';
import { EEXIST, EINVAL, ENAMETOOLONG, ENOENT, ENOSPC } from '../../../src/errors.js';
import {
  rte_errno, rte_mempool_create, rte_mempool_free, rte_mempool_list_dump, rte_mempool_lookup, rte_mempool_walk, rte_ring_create, rte_ring_free, rte_ring_list_dump, rte_ring_lookup,
} from '../../../src/dpdk/eal.js';
import { Mempool } from '../../../src/dpdk/mempool.js';
import { MempoolCache } from '../../../src/dpdk/mempool_cache.js';
import {
  RTE_MEMPOOL_EVENT_DESTROY, RTE_MEMPOOL_EVENT_READY, rte_mempool_event_callback_register, rte_mempool_event_callback_unregister,
} from '../../../src/dpdk/mempool_events.js';
import {
  LCORE_ID_ANY, P_POOL_DATA, RTE_BAD_IOVA, RTE_MEMPOOL_ALIGN, RTE_MEMPOOL_F_NO_IOVA_CONTIG, RTE_MEMPOOL_CACHE_MAX_SIZE, RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_NO_SPREAD, RTE_MEMPOOL_F_NON_IO,
  RTE_MEMPOOL_F_POOL_CREATED, RTE_MEMPOOL_F_SC_GET, RTE_MEMPOOL_F_SP_PUT, RTE_MEMPOOL_VALID_USER_FLAGS,
} from '../../../src/dpdk/mempool_layout.js';
import type { MemChunk } from '../../../src/dpdk/mempool_memory.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';
import { MUTATING } from '../../mutating.js';

/**
 * app/test/test_mempool.c (DPDK 26.07), transcribed: each `it` names the upstream function
 * it comes from. MEMPOOL_SIZE is the file's (rte_lcore_count() * (MAX_KEEP +
 * RTE_MEMPOOL_CACHE_MAX_SIZE)) - 1 for 4 lcores; MEMPOOL_ELT_SIZE 2048.
 */
const MAX_KEEP = 16;
const LCORES = 4;
const MEMPOOL_SIZE = LCORES * (MAX_KEEP + RTE_MEMPOOL_CACHE_MAX_SIZE) - 1;
const MEMPOOL_ELT_SIZE = 2048;
const SOCKET_ID_ANY = -1;

function machine(mb = 64) {
  const arena = Arena.create(mb << 20);
  return { arena, mem: new AtomicsMem(arena.sab) };
}

/** my_obj_init: the object's index in its first word, zeros after. */
const my_obj_init = (mem: AtomicsMem) => (_mp: unknown, obj: number, i: number) => {
  mem.store(obj, i);
};

describe('test_mempool.c', () => {
  it('test_mempool_creation_with_exceeded_cache_size: RTE_MEMPOOL_CACHE_MAX_SIZE + 32 is NULL, rte_errno EINVAL', () => {
    const { arena, mem } = machine();
    expect(rte_mempool_create(arena, mem, 'test_mempool_cache_too_big', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, RTE_MEMPOOL_CACHE_MAX_SIZE + 32, 0, my_obj_init(mem), SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
  });

  it('test_mempool_creation_with_invalid_flags: ~RTE_MEMPOOL_VALID_USER_FLAGS is NULL, rte_errno EINVAL', () => {
    const { arena, mem } = machine();
    expect(rte_mempool_create(arena, mem, 'test_mempool_invalid_flags', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, null, SOCKET_ID_ANY, ~RTE_MEMPOOL_VALID_USER_FLAGS)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    // memrace's own debug switch is not a flag: bit 0x1000 is refused like any other unknown bit.
    expect(rte_mempool_create(arena, mem, 'p', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0x1000)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    const dbg = rte_mempool_create(arena, mem, 'dbg', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0, { debug: true })!;
    expect(dbg.cookies).not.toBeNull();
    expect(dbg.flags & 0x1000).toBe(0);
  });

  it('test_mempool_sp_sc: NO_CACHE_ALIGN | SP_PUT | SC_GET gives ring_sp_sc, found again by rte_mempool_lookup', () => {
    const { arena, mem } = machine();
    const mp = rte_mempool_create(arena, mem, 'test_mempool_sp_sc', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, my_obj_init(mem), SOCKET_ID_ANY,
      RTE_MEMPOOL_F_NO_CACHE_ALIGN | RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET)!;
    expect(mp.ops_name).toBe('ring_sp_sc');
    // "no cache align" implies "no spread"; the backend was allocated; image memory has a valid IOVA.
    expect(mp.flags).toBe(RTE_MEMPOOL_F_NO_CACHE_ALIGN | RTE_MEMPOOL_F_NO_SPREAD | RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET | RTE_MEMPOOL_F_POOL_CREATED);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(0);
    expect(rte_mempool_lookup(arena, mem, 'test_mempool_sp_sc')!.base).toBe(mp.base);
    const out = new Int32Array(1);
    expect(mp.get(out)).toBe(0);
    expect(Mempool.from_obj(mem, out[0])).toBe(mp.base);
    mp.put(out[0]);
    rte_mempool_free(mp);
    expect(rte_mempool_lookup(arena, mem, 'test_mempool_sp_sc')).toBeNull();
    expect(rte_errno()).toBe(ENOENT);
  });

  it.each([
    [RTE_MEMPOOL_F_SP_PUT, 'ring_sp_mc'],
    [RTE_MEMPOOL_F_SC_GET, 'ring_mp_sc'],
    [0, 'ring_mp_mc'],
  ])('rte_mempool_create_empty: flags %d choose the %s backend', (flags, ops) => {
    const { arena, mem } = machine(1);
    expect(rte_mempool_create(arena, mem, 'p', 64, 64, 0, 0, null, SOCKET_ID_ANY, flags)!.ops_name).toBe(ops);
  });

  it('test_mempool_same_name_twice_creation: the second create is NULL with EEXIST; after rte_mempool_free the name is free again', () => {
    const { arena, mem } = machine();
    const mp = rte_mempool_create(arena, mem, 'test_mempool_same_name', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, null, SOCKET_ID_ANY, 0);
    expect(mp).not.toBeNull();
    expect(rte_mempool_create(arena, mem, 'test_mempool_same_name', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, null, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(EEXIST);
    rte_mempool_free(mp);
    const again = rte_mempool_create(arena, mem, 'test_mempool_same_name', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0);
    expect(again).not.toBeNull();
    expect(again!.base).not.toBe(mp!.base);
  });

  it('test_mempool_basic (no cache, default cache, user-owned cache): counts, get_priv, virt2iova, contents unmodified', () => {
    const { arena, mem } = machine();
    const nocache = rte_mempool_create(arena, mem, 'test_nocache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, my_obj_init(mem), SOCKET_ID_ANY, 0)!;
    const cached = rte_mempool_create(arena, mem, 'test_cache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, RTE_MEMPOOL_CACHE_MAX_SIZE, 0, my_obj_init(mem), SOCKET_ID_ANY, 0)!;
    const user = MempoolCache.create(arena, mem, RTE_MEMPOOL_CACHE_MAX_SIZE)!;
    for (const [mp, cache] of [[nocache, null], [new Mempool(mem, cached.ref, 0), null], [nocache, user]] as const) {
      const c = cache ?? mp.cache;
      const one = new Int32Array(2);
      expect(mp.generic_get(one, 1, c)).toBe(0);
      const offset = cache ? cache.len : 0;
      expect(mp.avail_count() + offset).toBe(MEMPOOL_SIZE - 1);
      expect(mp.get_priv()).toBe(mp.base + Mempool.HEADER_SIZE(mp, mp.cache_size) / 4);
      expect(Mempool.virt2iova(mem, one[0])).toBe(one[0] * 4);
      mp.generic_put(one, 1, c);
      expect(mp.generic_get(one, 1, c)).toBe(0);
      expect(mp.generic_get(one, 1, c, 1)).toBe(0);
      mp.generic_put(one, 2, c);
      const table = new Int32Array(MEMPOOL_SIZE);
      let i = 0;
      while (i < MEMPOOL_SIZE && mp.generic_get(table, 1, c, i) === 0) i++;
      expect(i).toBe(MEMPOOL_SIZE);
      let modified = 0;
      while (i--) {
        if (mem.load(table[i]) > MEMPOOL_SIZE) modified++;
        for (let w = 1; w < MEMPOOL_ELT_SIZE / 4; w++) if (mem.i32[table[i] + w] !== 0) modified++;
        mp.generic_put(table, 1, c, i);
      }
      expect(modified).toBe(0);
      if (cache) mp.cache_flush(cache);
    }
    expect(nocache.audit()).toEqual([]);
  });

  it('test_mempool_basic_ex: full, MEMPOOL_SIZE gets, the next fails, empty, full again after the puts', () => {
    const { arena, mem } = machine();
    const mp = rte_mempool_create(arena, mem, 'test_nocache', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, null, SOCKET_ID_ANY, 0)!;
    expect(mp.full()).toBe(true);
    const objs = new Int32Array(MEMPOOL_SIZE + 1);
    for (let i = 0; i < MEMPOOL_SIZE; i++) expect(mp.get(objs, i)).toBe(0);
    expect(mp.get(objs, MEMPOOL_SIZE)).toBe(-ENOENT);
    expect(mp.empty()).toBe(true);
    for (let i = 0; i < MEMPOOL_SIZE; i++) mp.put(objs[i]);
    expect(mp.full()).toBe(true);
  });

  it('test_mempool: mem_iter visits every chunk; get_mem_range covers size x elt_size; obj alignment RTE_MEMPOOL_ALIGN, 8 with NO_CACHE_ALIGN', () => {
    const { arena, mem } = machine();
    const mp = rte_mempool_create(arena, mem, 'test_iter_obj', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, my_obj_init(mem), SOCKET_ID_ANY, 0)!;
    expect(mp.obj_iter(() => {})).toBe(MEMPOOL_SIZE);
    let seen = 0;
    expect(mp.mem_iter((hdr, idx) => (seen += idx === seen && hdr.len > 0 ? 1 : 0))).toBe(1);
    expect(seen).toBe(1);
    const range = mp.get_mem_range();
    expect(range.start).toBeGreaterThan(0);
    expect(range.length).toBeGreaterThanOrEqual(MEMPOOL_SIZE * MEMPOOL_ELT_SIZE);
    expect(mp.get_obj_alignment()).toBe(RTE_MEMPOOL_ALIGN);
    const small = rte_mempool_create(arena, mem, 'test_alignment', 1, 8, 0, 0, my_obj_init(mem), SOCKET_ID_ANY, RTE_MEMPOOL_F_NO_CACHE_ALIGN)!;
    expect(small.get_obj_alignment()).toBe(8);
    expect(small.get_mem_range().is_contiguous).toBe(true);
    expect(rte_mempool_lookup(arena, mem, 'test_iter_obj')!.base).toBe(mp.base);
  });

  it('test_mempool: with one lcore (MEMPOOL_SIZE 527) the cache-512 pool is refused by the classic rule (1.5 x 512 > 527, DPDK <= 26.03) and accepted by 26.07 (512 <= 527)', () => {
    const { arena, mem } = machine();
    const n = 1 * (MAX_KEEP + RTE_MEMPOOL_CACHE_MAX_SIZE) - 1;
    expect(rte_mempool_create(arena, mem, 'test_cache', n, MEMPOOL_ELT_SIZE, RTE_MEMPOOL_CACHE_MAX_SIZE, 0, null, SOCKET_ID_ANY, 0, { cache_algo: 'classic' })).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_mempool_create(arena, mem, 'test_cache', n, MEMPOOL_ELT_SIZE, RTE_MEMPOOL_CACHE_MAX_SIZE, 0, null, SOCKET_ID_ANY, 0, { cache_algo: 'v26' })).not.toBeNull();
  });

  describe('test_mempool_events (populate_default)', () => {
    const data = [0, 1, 2].map(() => ({ mp: null as Mempool | null, event: -1, invoked: false }));
    const cb = (event: number, mp: Mempool, user: unknown) => Object.assign(user as (typeof data)[0], { mp, event, invoked: true });
    afterEach(() => data.forEach((d) => rte_mempool_event_callback_unregister(cb, d)));

    it('registers three callbacks; READY on populate; an unregistered one sees nothing; DESTROY on free', () => {
      const { arena, mem } = machine(2);
      for (const d of data) expect(rte_mempool_event_callback_register(cb, d)).toBe(0);
      expect(rte_mempool_event_callback_register(cb, data[0])).toBe(-EEXIST);
      expect(rte_mempool_event_callback_unregister(cb, {})).toBe(-ENOENT);
      expect(rte_mempool_event_callback_unregister(cb, null)).toBe(-ENOENT);
      const mp0 = rte_mempool_create(arena, mem, 'empty0', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0)!;
      for (const d of data) expect([d.invoked, d.event, d.mp]).toEqual([true, RTE_MEMPOOL_EVENT_READY, mp0]);
      expect(rte_mempool_event_callback_unregister(cb, data[0])).toBe(0);
      data.forEach((d) => Object.assign(d, { mp: null, event: -1, invoked: false }));
      const mp1 = rte_mempool_create(arena, mem, 'empty1', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0)!;
      expect(data[0].invoked).toBe(false);
      for (const mp of [mp0, mp1]) {
        data.forEach((d) => Object.assign(d, { mp: null, event: -1, invoked: false }));
        rte_mempool_free(mp);
        for (const d of data.slice(1)) expect([d.invoked, d.event, d.mp]).toEqual([true, RTE_MEMPOOL_EVENT_DESTROY, mp]);
        expect(data[0].invoked).toBe(false);
      }
    });
  });
});

describe('test_mempool.c on lcore workers', () => {
  // A stress run on workers: seconds per mutant under npm run mutate, where the rest of this file runs in process.
  it.skipIf(MUTATING)('test_mempool_sp_sc: a single producer and a single consumer lcore share the ring_sp_sc pool through scsp_obj_table; every object stays owned by the pool and counted once', async () => {
    const r = await runStress({ scenario: resolve('test/conformance/dpdk/test_mempool_sp_sc.scenario.mjs'), params: { duration: '300ms' } });
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect([r.verdict, r.outcomes.find((o) => o.outcome === 'foreign')?.count]).toEqual(['pass', 0]);
    expect(r.outcomes.find((o) => o.outcome === 'ok')?.count).toBeGreaterThan(0);
  });
});

describe('test_mempool.c: the create_empty + populate life cycle', () => {
  it('test_mempool: create_empty then populate_anon fills the pool; a second populate_anon returns 0', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'test_anon', { n: MEMPOOL_SIZE, elt_size: MEMPOOL_ELT_SIZE, cache_size: RTE_MEMPOOL_CACHE_MAX_SIZE, cache_algo: 'v26' });
    expect([mp.populated_size, mp.nb_mem_chunks, mp.avail_count()]).toEqual([0, 0, 0]);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
    expect(mp.populate_anon()).toBe(MEMPOOL_SIZE);
    expect(mp.full()).toBe(true);
    expect(mp.populate_anon()).toBe(0);
    expect(rte_errno()).toBe(EINVAL);
    expect(mp.populate_default()).toBe(-EEXIST);
  });

  it.each(['stack', 'ring_mp_mc'] as const)('test_mempool: create_empty, set_ops_byname(%s), populate_default, then test_mempool_basic with a user cache', (ops) => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, ops === 'stack' ? 'test_stack' : 'default_pool', { n: MEMPOOL_SIZE, elt_size: MEMPOOL_ELT_SIZE, cache_size: RTE_MEMPOOL_CACHE_MAX_SIZE, cache_algo: 'v26' });
    expect(mp.set_ops_byname('no_such_ops')).toBe(-EINVAL);
    expect(mp.set_ops_byname(ops)).toBe(0);
    expect(mp.populate_default()).toBe(MEMPOOL_SIZE);
    expect(mp.set_ops_byname('ring_sp_sc')).toBe(-EEXIST);
    expect(mp.ops_name).toBe(ops);
    expect(mp.obj_iter((obj, i) => my_obj_init(mem)(mp, obj, i))).toBe(MEMPOOL_SIZE);
    const user = MempoolCache.create(arena, mem, RTE_MEMPOOL_CACHE_MAX_SIZE)!;
    const one = new Int32Array(1);
    expect(mp.generic_get(one, 1, user)).toBe(0);
    expect(mp.avail_count() + user.len).toBe(MEMPOOL_SIZE - 1);
    mp.generic_put(one, 1, user);
    mp.cache_flush(user);
    expect(mp.full()).toBe(true);
    expect(mp.audit()).toEqual([]);
  });

  it('test_mempool_events (populate_anon): READY only once the pool is fully populated', () => {
    const { arena, mem } = machine(2);
    const seen: number[] = [];
    const cb = (event: number) => seen.push(event);
    expect(rte_mempool_event_callback_register(cb, null)).toBe(0);
    try {
      const mp = Mempool.create_empty(arena, mem, 'empty0', { n: 64, elt_size: 64 });
      expect(seen).toEqual([]);
      expect(mp.populate_anon()).toBe(64);
      expect(seen).toEqual([RTE_MEMPOOL_EVENT_READY]);
      mp.free();
      expect(seen).toEqual([RTE_MEMPOOL_EVENT_READY, RTE_MEMPOOL_EVENT_DESTROY]);
    } finally {
      rte_mempool_event_callback_unregister(cb, null);
    }
  });

  it('test_mempool_events_safety: a callback unregisters itself, another registers a new one after itself (called on DESTROY only, -EEXIST the second time)', () => {
    const { arena, mem } = machine(8);
    const data = { invoked: false };
    const events_cb = (_e: number, _mp: Mempool, user: unknown) => {
      (user as typeof data).invoked = true;
    };
    type Safety = { invoked: boolean; api: typeof rte_mempool_event_callback_unregister; cb: typeof events_cb; user: unknown; ret: number };
    const safety_cb = (_e: number, _mp: Mempool, user: unknown) => {
      const d = user as Safety;
      d.invoked = true;
      d.ret = d.api(d.cb, d.user);
    };
    const sdata: Safety[] = [
      { invoked: false, api: rte_mempool_event_callback_unregister, cb: safety_cb, user: null, ret: -1 },
      { invoked: false, api: rte_mempool_event_callback_register, cb: events_cb, user: data, ret: -1 },
    ];
    sdata[0].user = sdata[0];
    try {
      for (const d of sdata) rte_mempool_event_callback_register(safety_cb, d);
      const mp = Mempool.create_empty(arena, mem, 'empty', { n: MEMPOOL_SIZE, elt_size: MEMPOOL_ELT_SIZE });
      data.invoked = false;
      expect(mp.populate_default()).toBe(MEMPOOL_SIZE);
      expect([sdata[0].ret, sdata[1].ret, data.invoked]).toEqual([0, 0, false]);
      sdata[0].invoked = false;
      mp.free();
      expect([sdata[0].invoked, sdata[1].ret, data.invoked]).toEqual([false, -EEXIST, true]);
    } finally {
      rte_mempool_event_callback_unregister(events_cb, data);
      for (const d of sdata) rte_mempool_event_callback_unregister(safety_cb, d);
    }
  });

  it('mempool_event_callback_invoke (rte_mempool.c, not a test_mempool.c case): a callback registered by one that is not last is called in the same walk; NULL func is EINVAL', () => {
    const { arena, mem } = machine(2);
    const order: string[] = [];
    const late = () => order.push('late');
    const first = () => {
      order.push('first');
      rte_mempool_event_callback_register(late, null);
    };
    const second = () => order.push('second');
    try {
      rte_mempool_event_callback_register(first, null);
      rte_mempool_event_callback_register(second, null);
      rte_mempool_create(arena, mem, 'walked', 64, 64, 0, 0, null, SOCKET_ID_ANY, 0);
      expect(order).toEqual(['first', 'second', 'late']);
      expect([rte_mempool_event_callback_register(null, null), rte_errno()]).toEqual([-EINVAL, EINVAL]);
      expect([rte_mempool_event_callback_unregister(late, {}), rte_errno()]).toEqual([-ENOENT, ENOENT]);
    } finally {
      for (const f of [first, second, late]) rte_mempool_event_callback_unregister(f, null);
    }
  });

  it('test_mempool: rte_mempool_walk visits every pool in creation order; rte_mempool_list_dump and rte_ring_list_dump dump each', () => {
    const { arena, mem } = machine(8);
    for (const name of ['test_nocache', 'test_cache', 'test_iter_obj']) rte_mempool_create(arena, mem, name, 64, 64, 0, 0, null, SOCKET_ID_ANY, 0);
    rte_mempool_free(rte_mempool_lookup(arena, mem, 'test_cache'));
    const names: string[] = [];
    rte_mempool_walk(arena, mem, (mp, arg) => names.push(`${arg}${mp.name}`), '\t');
    expect(names).toEqual(['\ttest_nocache', '\ttest_iter_obj']);
    const dump = rte_mempool_list_dump(arena, mem);
    expect([dump.includes('test_nocache'), dump.includes('test_iter_obj'), dump.includes('test_cache')]).toEqual([true, true, false]);
    expect(rte_ring_list_dump(arena, mem)).toContain('MP_test_nocache');
  });

  it('test_mempool_flag_non_io_set_when_no_iova_contig_set: NO_IOVA_CONTIG keeps NON_IO even with a valid IOVA', () => {
    const { arena, mem } = machine(2);
    const size = MEMPOOL_ELT_SIZE * 16;
    const virt = arena.alloc('test_mempool', size);
    const mp = Mempool.create_empty(arena, mem, 'empty', { n: MEMPOOL_SIZE, elt_size: MEMPOOL_ELT_SIZE, flags: RTE_MEMPOOL_F_NO_IOVA_CONTIG });
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
    expect(mp.populate_iova(virt, virt, size)).toBeGreaterThan(0);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
  });

  it('test_mempool_flag_non_io_unset_when_populated_with_valid_iova: BAD_IOVA keeps NON_IO, one valid chunk clears it for good', () => {
    const { arena, mem } = machine();
    const total = MEMPOOL_ELT_SIZE * MEMPOOL_SIZE;
    const block = Math.floor(total / 3);
    const virt = arena.alloc('test_mempool', total);
    const mp = Mempool.create_empty(arena, mem, 'empty', { n: MEMPOOL_SIZE, elt_size: MEMPOOL_ELT_SIZE });
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
    expect(mp.populate_iova(virt + block, RTE_BAD_IOVA, block)).toBeGreaterThan(0);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(RTE_MEMPOOL_F_NON_IO);
    const one = new Int32Array(1);
    expect(mp.get(one)).toBe(0);
    expect(Mempool.virt2iova(mem, one[0])).toBe(RTE_BAD_IOVA);
    mp.put(one[0]);
    expect(mp.populate_iova(virt, virt, block)).toBeGreaterThan(0);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(0);
    expect(mp.populate_iova(virt + 2 * block, RTE_BAD_IOVA, block)).toBeGreaterThan(0);
    expect(mp.flags & RTE_MEMPOOL_F_NON_IO).toBe(0);
    expect(mp.nb_mem_chunks).toBe(3);
    // 3 blocks of a third hold fewer than MEMPOOL_SIZE elements of 2048 + header: the pool is not full yet.
    expect(mp.populated_size).toBeLessThan(MEMPOOL_SIZE);
    expect(mp.populate_iova(virt, virt, 10)).toBe(0);
  });

  it('rte_mempool_populate_iova on a full pool is -ENOSPC; with a backend name taken it is -EEXIST', () => {
    const { arena, mem } = machine(1);
    const mp = Mempool.create_empty(arena, mem, 'full', { n: 4, elt_size: 64 });
    const at = arena.alloc('chunk', 4096);
    expect(mp.populate_iova(at, at, 4096)).toBe(4);
    expect(mp.populate_iova(at, at, 4096)).toBe(-ENOSPC);
    rte_ring_create(arena, mem, 'MP_taken', 16, SOCKET_ID_ANY, 0);
    const taken = Mempool.create_empty(arena, mem, 'taken', { n: 4, elt_size: 64 });
    expect(taken.populate_iova(at, at, 4096)).toBe(-EEXIST);
  });
});

describe('names (rte_mempool_create_empty, rte_ring_create; not a test_mempool.c case)', () => {
  it('a pool name has at most 25 characters (RTE_MEMPOOL_NAMESIZE 26); a longer one is ENAMETOOLONG', () => {
    const { arena, mem } = machine(1);
    expect(rte_mempool_create(arena, mem, 'p'.repeat(25), 16, 64, 0, 0, null, SOCKET_ID_ANY, 0)).not.toBeNull();
    expect(rte_mempool_create(arena, mem, 'p'.repeat(26), 16, 64, 0, 0, null, SOCKET_ID_ANY, 0)).toBeNull();
    expect(rte_errno()).toBe(ENAMETOOLONG);
  });

  it('the ring backend is the ring "MP_<pool>": a ring of that name makes the create fail with EEXIST, and the chunks it reserved go back', () => {
    const { arena, mem } = machine(1);
    const taken = rte_ring_create(arena, mem, 'MP_x', 64, SOCKET_ID_ANY, 0)!;
    let freed = 0;
    const memory = (name: string, bytes: number): MemChunk => ({ addr: arena.alloc(name, bytes), len: bytes, free: () => freed++ });
    expect(rte_mempool_create(arena, mem, 'x', 16, 64, 0, 0, null, SOCKET_ID_ANY, 0, { memory })).toBeNull();
    expect([rte_errno(), freed]).toEqual([EEXIST, 1]);
    expect(rte_mempool_lookup(arena, mem, 'x')).toBeNull();
    rte_ring_free(arena, taken);
    const mp = rte_mempool_create(arena, mem, 'x', 16, 64, 0, 0, null, SOCKET_ID_ANY, 0, { memory })!;
    expect(rte_ring_lookup(arena, mem, 'MP_x')!.ref.base).toBe(mem.load(mp.base + P_POOL_DATA));
    rte_mempool_free(mp);
    expect([rte_ring_lookup(arena, mem, 'MP_x'), freed]).toEqual([null, 2]);
  });

  it('a lookup handle sees the pool as its lcore does: its own default cache', () => {
    const { arena, mem } = machine(1);
    const mp = rte_mempool_create(arena, mem, 'c', 64, 64, 16, 0, null, SOCKET_ID_ANY, 0)!;
    expect(mp.lcore).toBe(LCORE_ID_ANY);
    const l2 = rte_mempool_lookup(arena, mem, 'c', 2)!;
    expect([l2.lcore, l2.cache?.base]).toEqual([2, mp.default_cache(2)!.base]);
  });
});
