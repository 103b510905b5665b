import { ENOENT } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  ALGO_LEGACY, CACHE_WORDS, C_FLUSHTHRESH, C_LEN, C_OBJS, C_SIZE, RTE_MEMPOOL_CACHE_MAX_SIZE, calcCacheFlushthresh,
} from './mempool_layout.js';

/**
 * What a cache algorithm asks of its pool: the common pool's all-or-nothing calls, which
 * count the common-pool stats. The cache's own objs array is handed to them as a window of
 * the image (`mem.i32` at the array's word): the cache is private to its lcore, as DPDK's
 * memcpy into it is; the racy accesses are the backend's, and those go through the port.
 */
export interface CommonPool {
  ops_enqueue_bulk(objs: Int32Array, n: number, off: number): number;
  ops_dequeue_bulk(out: Int32Array, n: number, off: number): number;
  /** Counts a get served by a cache's fallback path (the cached objects plus the rest from the common pool). */
  count_cache_fallback(): void;
}

/**
 * struct rte_mempool_cache: a LIFO stack of objects that only its lcore (or the owner of a
 * user-owned cache) touches, with plain accesses: a hit costs no atomic at all. `len` lives
 * in the image so avail_count and the oracles can read it (racily while lcores run, as
 * DPDK's does).
 */
export class MempoolCache {
  readonly size: number;
  readonly flushthresh: number;
  readonly objs: number;

  constructor(
    private readonly mem: Mem,
    readonly base: number,
  ) {
    this.size = mem.load(base + C_SIZE);
    this.flushthresh = mem.load(base + C_FLUSHTHRESH);
    this.objs = base + C_OBJS;
  }

  /** mempool_cache_init. */
  static init(mem: Mem, base: number, size: number): void {
    mem.store(base + C_SIZE, size);
    mem.store(base + C_FLUSHTHRESH, calcCacheFlushthresh(size));
    mem.store(base + C_LEN, 0);
  }

  /**
   * rte_mempool_cache_create: a user-owned cache (null for size 0 or over 512, as DPDK's
   * EINVAL). DPDK's socket_id argument is left out until the image has more than one node.
   */
  static create(arena: Arena, mem: Mem, size: number): MempoolCache | null {
    if (!Number.isInteger(size) || size <= 0 || size > RTE_MEMPOOL_CACHE_MAX_SIZE) return null;
    const base = arena.allocWords(`mempool_cache@${arena.layout().used}`, CACHE_WORDS);
    MempoolCache.init(mem, base, size);
    return new MempoolCache(mem, base);
  }

  get len(): number {
    return this.mem.read(this.base + C_LEN);
  }

  set len(v: number) {
    this.mem.write(this.base + C_LEN, v);
  }

  /** Objects currently cached, hottest last (audits). */
  forEach(fn: (obj: number) => void): void {
    const len = this.mem.load(this.base + C_LEN);
    for (let i = 0; i < len; i++) fn(this.mem.load(this.objs + i));
  }
}

/** A cache algorithm: how a put fills and flushes, how a get drains and refills. */
export interface CacheAlgo {
  readonly name: string;
  put(pool: CommonPool, mem: Mem, c: MempoolCache, objs: Int32Array, n: number, off: number): void;
  /** 0, or -ENOENT with nothing taken and the cache as it was. */
  get(pool: CommonPool, mem: Mem, c: MempoolCache, out: Int32Array, n: number, off: number): number;
  /** The most objects a cache of `size` may hold between calls (audit bound). */
  maxLen(c: MempoolCache): number;
  /** The smallest pool a cache of `size` may front (rte_mempool_create_empty's check). */
  minPoolSize(size: number): number;
}

/** Pop n objects off the top of the cache into out (the hottest first). */
function popTop(mem: Mem, top: number, out: Int32Array, n: number, off: number): void {
  for (let i = 0; i < n; i++) out[off + i] = mem.read(top - i);
}

/**
 * DPDK 22.11 to 26.03 (rte_mempool_do_generic_put/get; replaced in 26.07 by commit f5e1310f16,
 * "mempool: improve cache behaviour and performance"): the cache grows to flushthresh =
 * 1.5 * size; a put that would cross it flushes the whole cache and keeps the new objects;
 * a get that runs short refills size + remainder and leaves len = size.
 */
export const classic: CacheAlgo = {
  name: 'classic',
  put(pool, mem, c, objs, n, off) {
    if (n > c.flushthresh) {
      pool.ops_enqueue_bulk(objs, n, off);
      return;
    }
    const len = c.len;
    if (len + n <= c.flushthresh) {
      mem.writeBlock(c.objs + len, objs, off, n);
      c.len = len + n;
      return;
    }
    pool.ops_enqueue_bulk(mem.i32, len, c.objs);
    mem.writeBlock(c.objs, objs, off, n);
    c.len = n;
  },
  get(pool, mem, c, out, n, off) {
    const len = c.len;
    const taken = n < len ? n : len;
    popTop(mem, c.objs + len - 1, out, taken, off);
    const remaining = n - taken;
    if (remaining === 0) {
      c.len = len - taken;
      return 0;
    }
    // Here the cache is empty (taken = len). Refill size + remaining, unless that would overflow objs.
    const size = c.size;
    if (remaining <= RTE_MEMPOOL_CACHE_MAX_SIZE && pool.ops_dequeue_bulk(mem.i32, size + remaining, c.objs) === 0) {
      popTop(mem, c.objs + size + remaining - 1, out, remaining, off + taken);
      c.len = size;
      return 0;
    }
    if (pool.ops_dequeue_bulk(out, remaining, off + taken) < 0) {
      // The taken objects still sit in objs[0..len): restoring len puts them back.
      c.len = len;
      return -ENOENT;
    }
    c.len = 0;
    return 0;
  },
  maxLen: (c) => c.flushthresh,
  minPoolSize: (size) => calcCacheFlushthresh(size),
};

/**
 * DPDK 26.07 (as SPEC.md part 1 describes it; DPDK's 26.07 get differs: it serves n <= len
 * from the cache whatever n is, and only the remainder above size/2 bypasses): the cache never exceeds size; an overflow
 * flushes the coldest size/2 objects (the bottom of the stack) and keeps the hot ones, a
 * miss refills size/2, and requests above size/2 bypass the cache both ways.
 */
export const v26: CacheAlgo = {
  name: 'v26',
  put(pool, mem, c, objs, n, off) {
    const half = c.size >>> 1;
    if (n > half) {
      pool.ops_enqueue_bulk(objs, n, off);
      return;
    }
    let len = c.len;
    if (len + n > c.size) {
      pool.ops_enqueue_bulk(mem.i32, half, c.objs);
      for (let i = half; i < len; i++) mem.write(c.objs + i - half, mem.read(c.objs + i));
      len -= half;
    }
    mem.writeBlock(c.objs + len, objs, off, n);
    c.len = len + n;
  },
  get(pool, mem, c, out, n, off) {
    const half = c.size >>> 1;
    if (n > half) return pool.ops_dequeue_bulk(out, n, off) < 0 ? -ENOENT : 0;
    let len = c.len;
    if (n > len) {
      if (pool.ops_dequeue_bulk(mem.i32, half, c.objs + len) === 0) {
        len += half;
      } else {
        // The common pool has less than half a cache: the cached objects plus the rest straight from it.
        if (pool.ops_dequeue_bulk(out, n - len, off + len) < 0) return -ENOENT;
        popTop(mem, c.objs + len - 1, out, len, off);
        c.len = 0;
        pool.count_cache_fallback();
        return 0;
      }
    }
    popTop(mem, c.objs + len - 1, out, n, off);
    c.len = len - n;
    return 0;
  },
  maxLen: (c) => c.size,
  minPoolSize: (size) => size,
};

/**
 * DPDK up to 22.07 (rte_mempool_do_generic_put/get before commit a2833ecc5e, "mempool: fix
 * cache flushing algorithm", 22.11): a put copies to objs[len] and, once len reaches
 * flushthresh, flushes everything above size, the objects just put among them; a get of
 * size or more bypasses the cache, a short one refills size + n - len above len. DPDK's
 * objs array holds 3 x RTE_MEMPOOL_CACHE_MAX_SIZE, the model's 2 x: a put that would
 * overflow it goes to the common pool (only caches over 342 objects ever reach that).
 * `flushFirst` is the broken variant: the copy moved below the flush, which then publishes
 * slots the copy has not written yet.
 */
function legacyAlgo(flushFirst: boolean): CacheAlgo {
  return {
    name: 'legacy',
    put(pool, mem, c, objs, n, off) {
      const len = c.len;
      if (len + n > 2 * RTE_MEMPOOL_CACHE_MAX_SIZE) {
        pool.ops_enqueue_bulk(objs, n, off);
        return;
      }
      if (!flushFirst) mem.writeBlock(c.objs + len, objs, off, n);
      if (len + n >= c.flushthresh) {
        pool.ops_enqueue_bulk(mem.i32, len + n - c.size, c.objs + c.size);
        c.len = c.size;
      } else {
        c.len = len + n;
      }
      if (flushFirst) mem.writeBlock(c.objs + len, objs, off, n);
    },
    get(pool, mem, c, out, n, off) {
      const size = c.size;
      if (n >= size) return pool.ops_dequeue_bulk(out, n, off) < 0 ? -ENOENT : 0;
      let len = c.len;
      if (len < n) {
        const req = n + size - len;
        if (pool.ops_dequeue_bulk(mem.i32, req, c.objs + len) < 0) return pool.ops_dequeue_bulk(out, n, off) < 0 ? -ENOENT : 0;
        len += req;
      }
      popTop(mem, c.objs + len - 1, out, n, off);
      c.len = len - n;
      return 0;
    },
    maxLen: (c) => Math.max(c.size, c.flushthresh - 1),
    minPoolSize: (size) => calcCacheFlushthresh(size),
  };
}

export const legacy = legacyAlgo(false);

/**
 * The pool's variant word (P_VARIANT, shared with OPS_VARIANT_*): a legacy cache whose put
 * flushes before it copies (legacyAlgo's `flushFirst`).
 */
export const CACHE_VARIANT_FLUSH_FIRST = 3;
const legacyFlushFirst = legacyAlgo(true);

/** By cache algorithm code (ALGO_CLASSIC, ALGO_V26, ALGO_LEGACY). */
export const CACHE_ALGO_IMPLS: readonly CacheAlgo[] = [classic, v26, legacy];

/** The algorithm a pool's caches run: by its code, the broken legacy put for CACHE_VARIANT_FLUSH_FIRST. */
export function cacheAlgoOf(code: number, variant: number): CacheAlgo {
  return variant === CACHE_VARIANT_FLUSH_FIRST && code === ALGO_LEGACY ? legacyFlushFirst : CACHE_ALGO_IMPLS[code];
}
