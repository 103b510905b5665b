import { describe, expect, it } from 'vitest';
import { ENOMEM } from '../src/errors.js';
import {
  attachMempool, attachRing, rte_mempool_free, rte_mempool_list_dump, rte_mempool_lookup, rte_mempool_walk, rte_ring_create, rte_ring_free, rte_ring_list_dump,
  rte_ring_lookup,
} from '../src/dpdk/eal.js';
import { Mempool } from '../src/dpdk/mempool.js';
import { H_COOKIE, H_INDEX, H_POOL, MEM_LIST_CAP, RTE_BAD_IOVA } from '../src/dpdk/mempool_layout.js';
import { type MemChunk, reserveChunks } from '../src/dpdk/mempool_memory.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_mempool_audit and the model's stricter audit (mempool_audit.ts) on doctored pools,
 * one violation each, with its exact text; rte_mempool_dump's cache lines; the mem list
 * (MEM_LIST_CAP chunks, rte_mempool_get_mem_range); populate_default's chunk reservation;
 * the EAL lookups a worker attaches with.
 */
function machine() {
  const arena = Arena.create(16 << 20);
  return { arena, mem: new AtomicsMem(arena.sab) };
}

const messages = (mp: Mempool) => mp.audit().map((v) => v.message);

describe('mempoolAudit on doctored pools', () => {
  it('a cache longer than its algorithm allows (classic: flushthresh), or negative', () => {
    const { arena, mem } = machine();
    const main = Mempool.create(arena, mem, 'c', { n: 200, elt_size: 8, cache_size: 32 });
    const lc = new Mempool(mem, main.ref, 1);
    lc.cache!.len = 49;
    expect(messages(main)[0]).toBe('cache[1] len 49 outside 0..48 (classic)');
    lc.cache!.len = -1;
    expect(messages(main)[0]).toBe('cache[1] len -1 outside 0..48 (classic)');
    lc.cache!.len = 48;
    expect(messages(main)[0]).not.toMatch(/outside/);
  });

  it('an object header that names another pool or another index', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create(arena, mem, 'h', { n: 4, elt_size: 8 });
    mem.store(mp.hdrOf(2) + H_POOL, mp.base + 1);
    expect(messages(mp)).toEqual(['object 2 has a header that does not name this pool']);
    mem.store(mp.hdrOf(2) + H_POOL, mp.base);
    mem.store(mp.hdrOf(3) + H_INDEX, 2);
    expect(messages(mp)).toEqual(['object 3 has a header that does not name this pool']);
  });

  it('a pool not fully populated, and a foreign object in the common pool', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'p', { n: 4, elt_size: 64 });
    const at = arena.alloc('chunk', 256);
    expect(mp.populate_iova(at, RTE_BAD_IOVA, 256)).toBe(2);
    mp.ops.enqueue_bulk(Int32Array.of(12345), 1, 0);
    expect(messages(mp)).toEqual(['obj_iter visited 2 objects, size is 4', 'the common pool (ring_mp_mc) holds 12345, which is not an object of this pool']);
    expect(mp.conservation(0).map((v) => v.message)).toEqual(['common pool 3 + caches 0 + held 0 = 3, size is 4']);
  });

  it('debug mode: an object in the common pool whose cookie says allocated; a corrupt header cookie; records past DBG_RECORDS counted', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create(arena, mem, 'd', { n: 4, elt_size: 8, debug: true });
    const out = new Int32Array(1);
    expect(mp.get_bulk(out, 1)).toBe(0);
    mp.ops.enqueue_bulk(out, 1, 0);
    const i = mem.load(out[0] - 16 + H_INDEX);
    expect(messages(mp)).toEqual([`object ${i} sits in the common pool (ring_mp_mc) but its cookie says allocated`]);
    mem.store(out[0] - 16 + H_COOKIE, 7);
    expect(messages(mp)).toEqual([`object ${i} has a corrupt header cookie`, `object ${i} sits in the common pool (ring_mp_mc) but its cookie says corrupt`]);

    const q = Mempool.create(arena, mem, 'q', { n: 2, elt_size: 8, debug: true });
    const lc = new Mempool(mem, q.ref, 5);
    const one = new Int32Array(1);
    expect(q.get_bulk(one, 1)).toBe(0);
    q.put_bulk(one, 1);
    for (let k = 0; k < 10; k++) lc.put_bulk(one, 1);
    const m = messages(q);
    expect(m.filter((x) => x.startsWith('double put'))).toHaveLength(8);
    expect(m[m.length - 1]).toBe('2 more cookie errors');
  });
});

describe('rte_mempool_dump', () => {
  it('with caches: cache_count of every lcore, their total, and the common pool without them', () => {
    const { arena, mem } = machine();
    const main = Mempool.create(arena, mem, 'dump', { n: 96, elt_size: 8, cache_size: 32, max_lcore: 2 });
    const lc = new Mempool(mem, main.ref, 1);
    const out = new Int32Array(3);
    expect(lc.get_bulk(out, 3)).toBe(0);
    const lines = main.dump().split('\n');
    expect(lines.slice(11, 18)).toEqual([
      '  internal cache infos:', '    cache_size=32', '    cache_algo=classic', '    cache_count[0]=0', '    cache_count[1]=32', '    total_cache_count=32', '  common_pool_count=61',
    ]);
    expect(lines).toContain('    get_success_objs=3');
  });
});

describe('the mem list and populate_default\'s chunks', () => {
  it(`at most MEM_LIST_CAP (${MEM_LIST_CAP}) chunks: populate_iova of one more is -ENOMEM`, () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'many', { n: MEM_LIST_CAP + 1, elt_size: 64 });
    for (let c = 0; c < MEM_LIST_CAP; c++) expect(mp.populate_iova(arena.alloc(`c${c}`, 128), RTE_BAD_IOVA, 128)).toBe(1);
    expect(mp.populate_iova(arena.alloc('last', 128), RTE_BAD_IOVA, 128)).toBe(-ENOMEM);
    expect(mp.nb_mem_chunks).toBe(MEM_LIST_CAP);
    const objs: number[] = [];
    mp.obj_iter((o) => objs.push(o));
    expect(objs.map((o, i) => mp.hdrOf(i) + 16 === o)).toEqual(objs.map(() => true));
  });

  it('rte_mempool_get_mem_range: from the lowest chunk to the end of the highest, contiguous when they touch', () => {
    const { arena, mem } = machine();
    const mp = Mempool.create_empty(arena, mem, 'rng', { n: 4, elt_size: 64 });
    const at = arena.alloc('span', 1024);
    expect(mp.populate_iova(at + 256, RTE_BAD_IOVA, 256)).toBe(2);
    expect(mp.populate_iova(at, RTE_BAD_IOVA, 256)).toBe(2);
    expect(mp.get_mem_range()).toEqual({ start: at, length: 512, is_contiguous: true });
    expect([mp.hdrOf(0) * 4, mp.hdrOf(2) * 4, mp.hdrOf(3) * 4]).toEqual([at + 256, at, at + 128]);
  });

  it('reserveChunks asks again for what is still missing, naming each chunk; on failure gives back what it took', () => {
    const asked: Array<[string, number, number]> = [];
    const freed: number[] = [];
    let addr = 0;
    const half = (name: string, bytes: number, _s: number, min: number): MemChunk => {
      asked.push([name, bytes, min]);
      const len = Math.max(min, Math.floor(bytes / 2 / min) * min);
      const c = { addr: (addr += 4096), len, free: () => freed.push(c.addr) };
      return c;
    };
    expect(reserveChunks(half, 'mempool:x', 8, 100, -1).map((c) => c.len)).toEqual([400, 200, 100, 100]);
    expect(asked).toEqual([['mempool:x.objs', 800, 100], ['mempool:x.objs.1', 400, 100], ['mempool:x.objs.2', 200, 100], ['mempool:x.objs.3', 100, 100]]);
    let calls = 0;
    const failing = (name: string, bytes: number, s: number, min: number): MemChunk => {
      if (++calls === 3) throw new Error('no memory');
      return half(name, bytes, s, min);
    };
    freed.length = 0;
    expect(() => reserveChunks(failing, 'mempool:y', 8, 100, -1)).toThrow('no memory');
    expect(freed).toHaveLength(2);
  });
});

describe('the EAL lookups (eal.ts)', () => {
  it('rte_ring_create / lookup / free; attachRing and attachMempool refuse a name that is missing or names another object', () => {
    const { arena, mem } = machine();
    const r = rte_ring_create(arena, mem, 'r', 64, -1, 0)!;
    expect(rte_ring_lookup(arena, mem, 'r')!.ref.base).toBe(r.ref.base);
    expect(attachRing(arena, mem, r.ref).ref.base).toBe(r.ref.base);
    expect(() => attachRing(arena, mem, { name: 'r', base: r.ref.base + 1 })).toThrow(`rte_ring_lookup('r') did not find the ring set up at word ${r.ref.base + 1}`);
    rte_ring_free(arena, r);
    rte_ring_free(arena, null);
    expect(() => attachRing(arena, mem, r.ref)).toThrow("rte_ring_lookup('r') did not find");
    const mp = Mempool.create(arena, mem, 'm', { n: 4, elt_size: 8, cache_size: 2, max_lcore: 2 });
    const lc = attachMempool(arena, mem, mp.ref, 1, 7);
    expect([lc.base, lc.lcore, lc.cache !== null]).toEqual([mp.base, 1, true]);
    expect(() => attachMempool(arena, mem, { name: 'm', base: 3 }, 0, 0)).toThrow("rte_mempool_lookup('m') did not find the pool set up at word 3");
    expect(rte_mempool_lookup(arena, mem, 'm', 0)!.cache).not.toBeNull();
    rte_mempool_free(mp);
    rte_mempool_free(null);
    expect(() => attachMempool(arena, mem, mp.ref, 0, 0)).toThrow("rte_mempool_lookup('m') did not find");
  });

  it('rte_mempool_walk and the list dumps on a machine without any list: nothing', () => {
    const { arena, mem } = machine();
    const seen: string[] = [];
    rte_mempool_walk(arena, mem, (mp) => seen.push(mp.name), null);
    expect([seen, rte_mempool_list_dump(arena, mem), rte_ring_list_dump(arena, mem)]).toEqual([[], '', '']);
  });
});
