import type { Arena } from '../shm/arena.js';

/**
 * One chunk of pool memory (struct rte_mempool_memhdr): a byte address in the image,
 * 64-byte aligned, its length, and how to give it back (free_cb; absent for memory that
 * lives as long as the image).
 */
export interface MemChunk {
  addr: number;
  len: number;
  free?: () => void;
}

/**
 * Where a pool's elements live: up to `bytes` for socket `socketId`, at least `minBytes`
 * (one element) in one piece. A provider that cannot give everything contiguously returns
 * less and is asked again for the rest, as rte_mempool_populate_default asks for smaller
 * memzones; it throws when it has not even `minBytes` (rte_mempool_create's ENOMEM).
 */
export type PoolMemoryProvider = (name: string, bytes: number, socketId: number, minBytes: number) => MemChunk;

/** The arena: everything in one chunk, kept as long as the image. */
export function arenaMemory(arena: Arena): PoolMemoryProvider {
  return (name, bytes) => ({ addr: arena.alloc(name, bytes), len: bytes });
}

/**
 * rte_mempool_populate_default's memory half: chunks until n elements fit, each asked
 * for what is still missing (regions named after the pool's `tag`); on failure the chunks taken so far go back
 * (rte_mempool_free_memchunks) before the error propagates.
 */
export function reserveChunks(memory: PoolMemoryProvider, tag: string, n: number, total: number, socket: number): MemChunk[] {
  const chunks: MemChunk[] = [];
  try {
    for (let fit = 0; fit < n; ) {
      const c = memory(`${tag}.objs${chunks.length ? `.${chunks.length}` : ''}`, (n - fit) * total, socket, total);
      chunks.push(c);
      fit += Math.floor(c.len / total);
    }
  } catch (e) {
    for (const c of chunks) c.free?.();
    throw e;
  }
  return chunks;
}
