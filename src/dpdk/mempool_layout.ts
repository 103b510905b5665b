/**
 * Word offsets and constants of an rte_mempool in the image.
 *
 * The pool header (one region) holds the constants on line 0 and the debug error log on
 * line 1; the per-lcore caches follow, each on its own lines (only its lcore writes it);
 * then the per-lcore stats, one line per lcore plus one shared by threads that are not
 * lcores. Elements live in pool memory (the arena, or a NUMA node's pages: see
 * mempool_pages.ts), in one or more chunks (the mem list), each element `total_size`
 * bytes: a 64-byte header, the object, the trailer. No element straddles two chunks.
 */
export const P_SIZE = 0;
export const P_ELT_SIZE = 1;
export const P_HEADER_SIZE = 2;
export const P_TRAILER_SIZE = 3;
export const P_TOTAL_SIZE = 4;
export const P_CACHE_SIZE = 5;
export const P_CACHE_ALGO = 6;
export const P_FLAGS = 7;
export const P_OPS = 8;
export const P_SOCKET = 9;
export const P_PRIV_SIZE = 10;
export const P_PRIV = 11;
export const P_POOL_DATA = 13;
export const P_NB_LCORES = 14;
export const P_CACHES = 15;
export const P_STATS = 16;
export const P_VARIANT = 17;
/** mp->nb_mem_chunks and mp->mem_list: MEMHDR_WORDS per chunk the objects were populated from. */
export const P_NB_MEM_CHUNKS = 12;
export const P_MEM_LIST = 18;
/** The pool's rte_mempool_tailq entry (next, then the name): words 19 to 27. */
export const P_TAILQ = 19;
/** Header and trailer cookies on (memrace's per-pool RTE_LIBRTE_MEMPOOL_DEBUG); not a flag, so it never shows in mp->flags. */
export const P_DEBUG = 28;
/** Word of the machine's tailq heads this pool is listed in (0: not listed). */
export const P_EAL = 29;
/** mp->populated_size: objects placed so far (create_empty leaves 0, populate adds). */
export const P_POPULATED = 30;
/** Debug log: count of cookie errors, then DBG_RECORDS records of DBG_WORDS words. */
export const P_DBG = 32;
export const DBG_RECORDS = 8;
export const DBG_WORDS = 4;
export const P_WORDS = P_DBG + 1 + DBG_RECORDS * DBG_WORDS;

/** struct rte_mempool_memhdr as the image keeps it: the chunk's byte address, length and IOVA, and its elements. */
export const M_ADDR = 0;
export const M_LEN = 1;
export const M_IOVA = 2;
/** Byte address of the chunk's first element (addr rounded up to the object alignment) and how many it holds. */
export const M_FIRST = 3;
export const M_OBJS = 4;
export const MEMHDR_WORDS = 8;
/** Chunks a pool's mem list holds. */
export const MEM_LIST_CAP = 64;
/** RTE_BAD_IOVA ((rte_iova_t)-1): memory whose IO address is unknown. */
export const RTE_BAD_IOVA = -1;

/** DPDK's RTE_MEMPOOL_CACHE_MAX_SIZE; a cache's objs array holds twice this (as DPDK's does). */
export const RTE_MEMPOOL_CACHE_MAX_SIZE = 512;
/** A cache: size, flushthresh, len on its first line; the objs array from the second. */
export const C_SIZE = 0;
export const C_FLUSHTHRESH = 1;
export const C_LEN = 2;
export const C_OBJS = 16;
export const CACHE_WORDS = C_OBJS + 2 * RTE_MEMPOOL_CACHE_MAX_SIZE;

/** DPDK's default RTE_MAX_LCORE. */
export const RTE_MAX_LCORE = 128;
/** rte_lcore_id() of a thread that is not an lcore: such threads bypass the default caches. */
export const LCORE_ID_ANY = -1;

/** Per-lcore stats, as struct rte_mempool_debug_stats, one cache line per lcore. */
export const STAT_NAMES = [
  'put_bulk', 'put_objs', 'put_common_pool_bulk', 'put_common_pool_objs',
  'get_common_pool_bulk', 'get_common_pool_objs', 'get_success_bulk', 'get_success_objs',
  'get_fail_bulk', 'get_fail_objs',
] as const;
export type StatName = (typeof STAT_NAMES)[number];
export const S_PUT_BULK = 0;
export const S_PUT_OBJS = 1;
export const S_PUT_COMMON_BULK = 2;
export const S_PUT_COMMON_OBJS = 3;
export const S_GET_COMMON_BULK = 4;
export const S_GET_COMMON_OBJS = 5;
export const S_GET_SUCCESS_BULK = 6;
export const S_GET_SUCCESS_OBJS = 7;
export const S_GET_FAIL_BULK = 8;
export const S_GET_FAIL_OBJS = 9;
/**
 * memrace's own, after rte_mempool_debug_stats' words (not in STAT_NAMES, so not dumped): gets
 * the v26 cache served from the cache and the common pool together, its size/2 refill refused.
 */
export const S_GET_CACHE_FALLBACK = 10;
export const STAT_WORDS = 16;

/** Element header words, before the object: owning pool, index, last lcores, cookie (64-bit, words 14-15). */
export const HDR_BYTES = 64;
export const H_POOL = 0;
export const H_INDEX = 1;
export const H_LAST_GET = 2;
export const H_LAST_PUT = 3;
/** hdr->iova: the header's IOVA (RTE_BAD_IOVA when populated without one). */
export const H_IOVA = 4;
export const H_COOKIE = 14;
/** Trailer bytes in debug mode: one 64-bit cookie. */
export const TLR_BYTES = 8;

/** DPDK's cookies: header COOKIE1 while allocated, COOKIE2 while free; the trailer's never changes. */
export const RTE_MEMPOOL_HEADER_COOKIE1 = BigInt.asIntN(64, 0xbadbadbadadd2e55n);
export const RTE_MEMPOOL_HEADER_COOKIE2 = BigInt.asIntN(64, 0xf2eef2eedadd2e55n);
export const RTE_MEMPOOL_TRAILER_COOKIE = BigInt.asIntN(64, 0xadd2e55badbadbadn);

/** RTE_MEMPOOL_ALIGN: objects start on a cache line unless NO_CACHE_ALIGN. */
export const RTE_MEMPOOL_ALIGN = 64;

/** mp->flags, with DPDK's values (rte_mempool.h). */
export const RTE_MEMPOOL_F_NO_SPREAD = 0x0001;
export const RTE_MEMPOOL_F_NO_CACHE_ALIGN = 0x0002;
export const RTE_MEMPOOL_F_SP_PUT = 0x0004;
export const RTE_MEMPOOL_F_SC_GET = 0x0008;
/** Internal: the backend was allocated (rte_mempool_ops_alloc ran). */
export const RTE_MEMPOOL_F_POOL_CREATED = 0x0010;
export const RTE_MEMPOOL_F_NO_IOVA_CONTIG = 0x0020;
/** Internal: no object may be used for IO (set at creation, cleared by a populate with a valid IOVA). */
export const RTE_MEMPOOL_F_NON_IO = 0x0040;
/** The flags an application may pass to rte_mempool_create(_empty); any other bit is EINVAL. */
export const RTE_MEMPOOL_VALID_USER_FLAGS =
  RTE_MEMPOOL_F_NO_SPREAD | RTE_MEMPOOL_F_NO_CACHE_ALIGN | RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET | RTE_MEMPOOL_F_NO_IOVA_CONTIG;

/** Cache algorithms by name and code. */
export const CACHE_ALGOS = ['classic', 'v26', 'legacy'] as const;
export type CacheAlgoName = (typeof CACHE_ALGOS)[number];
export const ALGO_CLASSIC = 0;
export const ALGO_V26 = 1;
export const ALGO_LEGACY = 2;

/** Kinds of debug error records. */
export const DBG_DOUBLE_PUT = 1;
export const DBG_WRONG_POOL = 2;
export const DBG_BAD_COOKIE = 3;
export const DBG_BAD_TRAILER = 4;
export const DBG_GET_NOT_FREE = 5;
export const DBG_KIND_NAMES = ['', 'double put (object already free)', 'put into the wrong pool', 'corrupt header cookie', 'corrupt trailer cookie', 'got an object not marked free'];

/** DPDK's CALC_CACHE_FLUSHTHRESH: size * 1.5, truncated. */
export function calcCacheFlushthresh(size: number): number {
  return Math.floor((size * 3) / 2);
}
