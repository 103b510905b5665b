import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { MempoolCache } from './mempool_cache.js';
import { DEFAULT_MAX_LCORE, checkMempoolConfig, objSize, opsForFlags, type MempoolConfig } from './mempool_config.js';
import {
  CACHE_ALGOS, CACHE_WORDS, MEMHDR_WORDS, MEM_LIST_CAP, P_CACHES, P_CACHE_ALGO, P_CACHE_SIZE, P_DEBUG, P_EAL, P_ELT_SIZE, P_FLAGS,
  P_HEADER_SIZE, P_MEM_LIST, P_NB_LCORES, P_NB_MEM_CHUNKS, P_OPS, P_POOL_DATA, P_POPULATED, P_PRIV, P_PRIV_SIZE, P_SIZE, P_SOCKET,
  P_STATS, P_TAILQ, P_TOTAL_SIZE, P_TRAILER_SIZE, P_VARIANT, P_WORDS, RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_NON_IO,
  RTE_MEMPOOL_F_NO_SPREAD, STAT_WORDS,
} from './mempool_layout.js';
import { opsIndexOf } from './mempool_ops.js';
import { RTE_MEMPOOL_NAMESIZE, TAILQ_MEMPOOL, Tailq, checkName, regionTag } from './tailq.js';

/**
 * rte_mempool_create_empty's half in the image: check the arguments in DPDK's order (n,
 * cache, flags: EINVAL; the name: ENAMETOOLONG, EEXIST), carve the header, the per-lcore
 * caches, the stats and an empty mem list, and enter the name in the machine's mempool
 * list. The backend is chosen (from SP_PUT/SC_GET unless ops_name says) but not allocated
 * until the first populate; NON_IO stays set until memory with a valid IOVA arrives.
 * Returns the pool's base word and the tag its regions are named after.
 */
export function layoutEmpty(arena: Arena, mem: Mem, name: string, cfg: MempoolConfig): { base: number; tag: string } {
  checkMempoolConfig(cfg);
  checkName(name, RTE_MEMPOOL_NAMESIZE, 'mempool');
  const tailq = Tailq.of(arena, mem);
  tailq.assertFree(TAILQ_MEMPOOL, name);
  let flags = (cfg.flags ?? 0) | RTE_MEMPOOL_F_NON_IO;
  // "no cache align" implies "no spread".
  if (flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN) flags |= RTE_MEMPOOL_F_NO_SPREAD;
  const lcores = cfg.max_lcore ?? DEFAULT_MAX_LCORE;
  const cacheSize = cfg.cache_size ?? 0;
  const privSize = Math.ceil((cfg.private_data_size ?? 0) / 64) * 64;
  const sz = objSize(cfg.elt_size, flags, cfg.debug);
  const tag = regionTag(arena, `mempool:${name}`);
  // One line ahead of the header keeps the base word off 0 even in a fresh image: mbufs
  // and object headers name their pool by it, and 0 is NULL.
  const base = arena.allocWords(tag, 16 + P_WORDS + privSize / 4) + 16;
  const caches = cacheSize ? arena.allocWords(`${tag}.caches`, lcores * CACHE_WORDS) : 0;
  for (let l = 0; caches && l < lcores; l++) MempoolCache.init(mem, caches + l * CACHE_WORDS, cacheSize);
  const fields: Array<[number, number]> = [
    [P_SIZE, cfg.n], [P_ELT_SIZE, sz.elt], [P_HEADER_SIZE, sz.header], [P_TRAILER_SIZE, sz.trailer],
    [P_TOTAL_SIZE, sz.total], [P_CACHE_SIZE, cacheSize], [P_CACHE_ALGO, CACHE_ALGOS.indexOf(cfg.cache_algo ?? 'classic')],
    [P_FLAGS, flags], [P_OPS, opsIndexOf(cfg.ops_name ?? opsForFlags(flags))], [P_SOCKET, cfg.socket_id ?? -1],
    [P_PRIV_SIZE, privSize], [P_PRIV, base + P_WORDS], [P_NB_MEM_CHUNKS, 0],
    [P_MEM_LIST, arena.allocWords(`${tag}.mem_list`, MEM_LIST_CAP * MEMHDR_WORDS)], [P_NB_LCORES, lcores], [P_CACHES, caches],
    [P_VARIANT, cfg.variant ?? 0], [P_STATS, arena.allocWords(`${tag}.stats`, (lcores + 1) * STAT_WORDS)], [P_POOL_DATA, 0],
    [P_DEBUG, cfg.debug ? 1 : 0], [P_POPULATED, 0],
  ];
  for (const [k, v] of fields) mem.store(base + k, v);
  tailq.insert(TAILQ_MEMPOOL, base + P_TAILQ, name);
  mem.store(base + P_EAL, tailq.head);
  return { base, tag };
}
