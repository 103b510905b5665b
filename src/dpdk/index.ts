/**
 * DPDK's memory structures over a shared image: rte_ring in every sync mode, rte_mempool
 * with its per-lcore caches and backends, rte_mbuf with reference counts and chains.
 *
 *   const arena = Arena.create(1 << 20);
 *   const ring = Ring.create(arena, new AtomicsMem(arena.sab), 'r', 1024, RING_F_SP_ENQ);
 *   ring.enqueue(42);                 // 0, or -ENOBUFS when full
 *
 * @module memrace/dpdk
 */
export { Ring, RingZcData, type RingRef } from './ring.js';
export * from './ring_layout.js';
export { Mempool, objSize, type MempoolConfig, type MempoolRef } from './mempool.js';
export { mempoolAudit, mempoolConservation, mempoolStats, type MempoolStats } from './mempool_audit.js';
export { MempoolCache, CACHE_ALGO_IMPLS, type CacheAlgo, type CommonPool } from './mempool_cache.js';
export { arenaMemory, type MemChunk, type PoolMemoryProvider } from './mempool_memory.js';
export { MEMPOOL_OPS_NAMES, type MempoolOpsName } from './mempool_ops.js';
export { nodeMemory } from './mempool_pages.js';
export { Pktmbuf, type PktmbufExtmem, type PktmbufPoolConfig } from './mbuf.js';
export { READ_COPIED } from './mbuf.js';
export { LCORE_ID_ANY, RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_NO_IOVA_CONTIG, RTE_MEMPOOL_F_NO_SPREAD, RTE_MEMPOOL_F_SC_GET, RTE_MEMPOOL_F_SP_PUT, RTE_MEMPOOL_VALID_USER_FLAGS } from './mempool_layout.js';
/** DPDK's C entry points (NULL and rte_errno instead of exceptions), for code transcribed from DPDK. */
export * from './eal.js';
