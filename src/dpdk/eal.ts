import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { MemraceError } from '../errors.js';
import { Mempool, type MempoolRef } from './mempool.js';
import type { MempoolConfig } from './mempool_config.js';
import { Pktmbuf, type PktmbufExtmem, type PktmbufPoolConfig } from './mbuf.js';
import { Ring, type RingRef } from './ring.js';
import { orNull } from './rte_errno.js';
import { TAILQ_MEMPOOL, TAILQ_RING, Tailq } from './tailq.js';

/**
 * DPDK's C entry points over the TypeScript API, for code transcribed from DPDK (the
 * conformance suite, user scenarios): each returns what DPDK returns (a handle or null
 * with rte_errno set, a count, a negative errno) and never throws for a refusal DPDK
 * reports. The machine (arena and port) is passed where DPDK finds it in the EAL.
 */
export { rte_errno } from './rte_errno.js';

/** rte_ring_create_elem. */
export function rte_ring_create_elem(arena: Arena, mem: Mem, name: string, esize: number, count: number, _socket_id: number, flags: number): Ring | null {
  return orNull(() => Ring.create(arena, mem, name, count, flags, { esize }));
}

/** rte_ring_create: elements of sizeof(void *), which the image keeps in one 32-bit word. */
export function rte_ring_create(arena: Arena, mem: Mem, name: string, count: number, socket_id: number, flags: number): Ring | null {
  return rte_ring_create_elem(arena, mem, name, 4, count, socket_id, flags);
}

/** rte_ring_lookup. */
export function rte_ring_lookup(arena: Arena, mem: Mem, name: string): Ring | null {
  return Ring.lookup(arena, mem, name);
}

/** rte_ring_free (NULL is ignored). */
export function rte_ring_free(arena: Arena, r: Ring | null): void {
  r?.free(arena);
}

/** rte_mempool_create, with memrace's extra knobs (cache algorithm, debug, lcores) in `extra`. */
export function rte_mempool_create(
  arena: Arena,
  mem: Mem,
  name: string,
  n: number,
  elt_size: number,
  cache_size: number,
  private_data_size: number,
  obj_init: MempoolConfig['obj_init'] | null,
  socket_id: number,
  flags: number,
  extra: Partial<MempoolConfig> = {},
): Mempool | null {
  return orNull(() => Mempool.create(arena, mem, name, { ...extra, n, elt_size, cache_size, private_data_size, socket_id, flags, obj_init: obj_init ?? undefined }));
}

/** rte_mempool_lookup, as lcore `lcore` (LCORE_ID_ANY by default) sees the pool. */
export function rte_mempool_lookup(arena: Arena, mem: Mem, name: string, lcore?: number): Mempool | null {
  return Mempool.lookup(arena, mem, name, lcore);
}

/** rte_mempool_free (NULL is ignored). */
export function rte_mempool_free(mp: Mempool | null): void {
  mp?.free();
}

/**
 * What an lcore worker does to reach a ring set up before it started: rte_ring_lookup of
 * its name in the image. Throws when the name is not there or names another ring (the
 * scenario's setup and the image disagree).
 */
export function attachRing(arena: Arena, mem: Mem, ref: RingRef): Ring {
  const r = Ring.lookup(arena, mem, ref.name);
  if (r === null || r.ref.base !== ref.base) throw new MemraceError('E_LAYOUT', `rte_ring_lookup('${ref.name}') did not find the ring set up at word ${ref.base}`);
  return r;
}

/** The same for a mempool, as lcore `lcore` (actor `owner` in lock words) sees it. */
export function attachMempool(arena: Arena, mem: Mem, ref: MempoolRef, lcore: number, owner: number): Mempool {
  const mp = Mempool.lookup(arena, mem, ref.name, lcore, owner);
  if (mp === null || mp.base !== ref.base) throw new MemraceError('E_LAYOUT', `rte_mempool_lookup('${ref.name}') did not find the pool set up at word ${ref.base}`);
  return mp;
}

/** rte_pktmbuf_pool_create_extbuf: a pool of mbufs with pinned external buffers (null with rte_errno EINVAL or ENOMEM). */
export function rte_pktmbuf_pool_create_extbuf(
  arena: Arena,
  mem: Mem,
  name: string,
  n: number,
  cfg: PktmbufPoolConfig,
  ext_mem: readonly PktmbufExtmem[],
  socket_id: number,
): Mempool | null {
  return orNull(() => Pktmbuf.pool_create_extbuf(arena, mem, name, n, { ...cfg, socket_id }, ext_mem));
}

/**
 * rte_mempool_walk: func(mp, arg) on every pool of the machine in creation order, each
 * handle as a non-lcore thread sees it. The names are read under the tailq lock, the
 * pools then looked up one by one (DPDK holds the read lock through the walk; a pool freed
 * meanwhile is skipped here).
 */
export function rte_mempool_walk(arena: Arena, mem: Mem, func: (mp: Mempool, arg: unknown) => void, arg: unknown): void {
  for (const { name } of Tailq.find(arena, mem)?.entries(TAILQ_MEMPOOL) ?? []) {
    const mp = Mempool.lookup(arena, mem, name);
    if (mp !== null) func(mp, arg);
  }
}

/** rte_mempool_list_dump: every pool's dump, in creation order. */
export function rte_mempool_list_dump(arena: Arena, mem: Mem): string {
  const out: string[] = [];
  rte_mempool_walk(arena, mem, (mp) => out.push(mp.dump()), null);
  return out.join('\n');
}

/** rte_ring_list_dump: every ring's dump, in creation order (a mempool's backend ring "MP_<pool>" included). */
export function rte_ring_list_dump(arena: Arena, mem: Mem): string {
  const out: string[] = [];
  for (const { name } of Tailq.find(arena, mem)?.entries(TAILQ_RING) ?? []) out.push(Ring.lookup(arena, mem, name)?.dump() ?? '');
  return out.join('\n');
}
