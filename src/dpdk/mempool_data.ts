import { ENOENT } from '../errors.js';
import type { Violation } from '../core/violation.js';
import type { Mem } from '../shm/mem.js';
import { MempoolCache, cacheAlgoOf, type CacheAlgo, type CommonPool } from './mempool_cache.js';
import { CookieChecker } from './mempool_debug.js';
import { mempoolAudit, mempoolConservation, mempoolDump, mempoolStatTotal, mempoolStats, type MempoolStats } from './mempool_audit.js';
import {
  CACHE_WORDS, C_LEN, HDR_BYTES, H_POOL, P_CACHES, P_CACHE_ALGO, P_CACHE_SIZE, P_DEBUG, P_ELT_SIZE, P_FLAGS, P_HEADER_SIZE, P_NB_LCORES,
  P_OPS, P_POOL_DATA, P_POPULATED, P_PRIV, P_PRIV_SIZE, P_SIZE, P_SOCKET, P_STATS, P_TOTAL_SIZE, P_TRAILER_SIZE, P_VARIANT,
  STAT_WORDS, S_GET_CACHE_FALLBACK, S_GET_COMMON_BULK, S_GET_COMMON_OBJS, S_GET_FAIL_BULK, S_GET_FAIL_OBJS, S_GET_SUCCESS_BULK,
  S_GET_SUCCESS_OBJS, S_PUT_BULK, S_PUT_COMMON_BULK, S_PUT_COMMON_OBJS, S_PUT_OBJS,
} from './mempool_layout.js';
import { MEMPOOL_OPS_NAMES, NO_BACKEND, opsAttach, type MempoolOps } from './mempool_ops.js';
import { MemList } from './mempool_memlist.js';

/** Where a mempool lives: plain data that crosses to workers. */
export interface MempoolRef {
  name: string;
  base: number;
}

/**
 * rte_mempool.h's data path over a pool in the image: n equal objects, a backend (the
 * common pool), a LIFO cache per lcore. A handle belongs to one thread and knows its lcore
 * (rte_lcore_id()); a thread that is not an lcore (LCORE_ID_ANY) bypasses the default
 * caches, as DPDK's do. Fast paths return what DPDK's return (0, -ENOENT), allocate
 * nothing and never throw. rte_mempool.c's life cycle (create, populate, lookup, free) is
 * Mempool, in mempool.ts, which extends this class.
 *
 * Objects are the word indices of their bodies in the image; no object sits at word 0, so
 * 0 is NULL as in C.
 */
export class MempoolData implements CommonPool {
  readonly base: number;
  readonly size: number;
  readonly cache_size: number;
  readonly elt_size: number;
  readonly header_size: number;
  readonly trailer_size: number;
  readonly total_size: number;
  /** mp->flags: POOL_CREATED and NON_IO change as the pool is populated (this handle's view). */
  flags: number;
  readonly socket_id: number;
  ops_index: number;
  readonly nb_lcores: number;
  readonly algo: CacheAlgo;
  ops: MempoolOps;
  /** This thread's default cache: null without caches or off an lcore. */
  readonly cache: MempoolCache | null;
  /** The mem list, and where each chunk's elements start (rte_mempool_populate_iova's order). */
  protected readonly memlist: MemList;
  protected readonly owner: number;
  private readonly statW: number;
  private readonly statAtomic: boolean;
  /** Debug mode's cookie checks; null when the pool was created without debug. */
  readonly cookies: CookieChecker | null;

  get populated_size(): number {
    return this.mem.load(this.base + P_POPULATED);
  }

  constructor(
    readonly mem: Mem,
    readonly ref: MempoolRef,
    /** This thread's rte_lcore_id(): an index below max_lcore, or LCORE_ID_ANY. */
    readonly lcore: number,
    /** Actor id kept in lock words (the stack driver), so a dead holder can be named. */
    owner = 0,
  ) {
    const b = ref.base;
    this.base = b;
    this.size = mem.load(b + P_SIZE);
    this.cache_size = mem.load(b + P_CACHE_SIZE);
    this.elt_size = mem.load(b + P_ELT_SIZE);
    this.header_size = mem.load(b + P_HEADER_SIZE);
    this.trailer_size = mem.load(b + P_TRAILER_SIZE);
    this.total_size = mem.load(b + P_TOTAL_SIZE);
    this.flags = mem.load(b + P_FLAGS);
    this.socket_id = mem.load(b + P_SOCKET);
    this.ops_index = mem.load(b + P_OPS);
    this.nb_lcores = mem.load(b + P_NB_LCORES);
    this.owner = owner;
    this.memlist = new MemList(mem, b);
    this.algo = cacheAlgoOf(mem.load(b + P_CACHE_ALGO), mem.load(b + P_VARIANT));
    const poolData = mem.load(b + P_POOL_DATA);
    this.ops = poolData === 0 ? NO_BACKEND : opsAttach(mem, ref.name, this.ops_index, poolData, mem.load(b + P_VARIANT), owner);
    this.cache = this.default_cache(lcore);
    const onLcore = lcore >= 0 && lcore < this.nb_lcores;
    this.statAtomic = !onLcore;
    this.statW = mem.load(b + P_STATS) + (onLcore ? lcore : this.nb_lcores) * STAT_WORDS;
    this.cookies = mem.load(b + P_DEBUG) !== 0 ? new CookieChecker(this) : null;
  }

  get name(): string {
    return this.ref.name;
  }

  /** Word index of the header of object `i` (creation order). */
  hdrOf(i: number): number {
    return this.memlist.hdrOf(i);
  }

  /** rte_mempool_default_cache: lcore `lcore`'s cache, or null (no caches, or not an lcore). */
  default_cache(lcore: number): MempoolCache | null {
    if (this.cache_size === 0 || lcore < 0 || lcore >= this.nb_lcores) return null;
    return new MempoolCache(this.mem, this.mem.load(this.base + P_CACHES) + lcore * CACHE_WORDS);
  }

  private stat(field: number, n: number): void {
    const w = this.statW + field;
    // Lcores own their line; the shared non-lcore line needs an atomic add, as DPDK's does.
    if (this.statAtomic) this.mem.add(w, n);
    else this.mem.write(w, this.mem.read(w) + n);
  }

  /** rte_mempool_ops_enqueue_bulk: to the common pool, counting it. */
  ops_enqueue_bulk(objs: Int32Array, n: number, off: number): number {
    this.stat(S_PUT_COMMON_BULK, 1);
    this.stat(S_PUT_COMMON_OBJS, n);
    return this.ops.enqueue_bulk(objs, n, off);
  }

  /** rte_mempool_ops_dequeue_bulk: from the common pool, counting it. */
  ops_dequeue_bulk(out: Int32Array, n: number, off: number): number {
    const ret = this.ops.dequeue_bulk(out, n, off);
    if (ret === 0) {
      this.stat(S_GET_COMMON_BULK, 1);
      this.stat(S_GET_COMMON_OBJS, n);
    }
    return ret;
  }

  count_cache_fallback(): void {
    this.stat(S_GET_CACHE_FALLBACK, 1);
  }

  /** Gets served by a cache's fallback path (S_GET_CACHE_FALLBACK), over every lcore's line. */
  cache_fallbacks(): number {
    return mempoolStatTotal(this, S_GET_CACHE_FALLBACK);
  }

  /** rte_mempool_generic_put: through `cache` (null: straight to the common pool). */
  generic_put(objs: Int32Array, n: number, cache: MempoolCache | null, off = 0): void {
    if (this.cookies !== null) {
      n = this.cookies.put(objs, n, off);
      if (n === 0) return;
      objs = this.cookies.scratch;
      off = 0;
    }
    this.stat(S_PUT_BULK, 1);
    this.stat(S_PUT_OBJS, n);
    if (cache === null) this.ops_enqueue_bulk(objs, n, off);
    else this.algo.put(this, this.mem, cache, objs, n, off);
  }

  /** rte_mempool_generic_get: all n or none (0 or -ENOENT). */
  generic_get(out: Int32Array, n: number, cache: MempoolCache | null, off = 0): number {
    const ret = cache === null ? (this.ops_dequeue_bulk(out, n, off) < 0 ? -ENOENT : 0) : this.algo.get(this, this.mem, cache, out, n, off);
    if (ret === 0) {
      this.stat(S_GET_SUCCESS_BULK, 1);
      this.stat(S_GET_SUCCESS_OBJS, n);
      this.cookies?.get(out, n, off);
    } else {
      this.stat(S_GET_FAIL_BULK, 1);
      this.stat(S_GET_FAIL_OBJS, n);
    }
    return ret;
  }

  /** rte_mempool_put_bulk: through this lcore's cache. */
  put_bulk(objs: Int32Array, n: number, off = 0): void {
    this.generic_put(objs, n, this.cache, off);
  }

  /** rte_mempool_put of one object. */
  put(obj: number): void {
    this.one[0] = obj;
    this.generic_put(this.one, 1, this.cache, 0);
  }

  /** rte_mempool_get_bulk: 0, or -ENOENT with nothing taken (other lcores' caches may still hold objects). */
  get_bulk(out: Int32Array, n: number, off = 0): number {
    return this.generic_get(out, n, this.cache, off);
  }

  /** rte_mempool_get of one object into out[off]: 0 or -ENOENT. */
  get(out: Int32Array, off = 0): number {
    return this.generic_get(out, 1, this.cache, off);
  }

  private readonly one = new Int32Array(1);

  /** rte_mempool_cache_flush: everything in `cache` (this lcore's when null) back to the common pool. */
  cache_flush(cache: MempoolCache | null = this.cache): void {
    if (cache === null) return;
    const len = cache.len;
    if (len === 0) return;
    this.ops_enqueue_bulk(this.mem.i32, len, cache.objs);
    cache.len = 0;
  }

  /** rte_mempool_avail_count: common pool + every default cache, clamped to size (lengths are read racily). */
  avail_count(): number {
    let count = this.ops.get_count();
    if (this.cache_size !== 0) {
      const caches = this.mem.load(this.base + P_CACHES);
      for (let l = 0; l < this.nb_lcores; l++) count += this.mem.load(caches + l * CACHE_WORDS + C_LEN);
    }
    return count > this.size ? this.size : count;
  }

  in_use_count(): number {
    return this.size - this.avail_count();
  }

  full(): boolean {
    return this.avail_count() === this.size;
  }

  empty(): boolean {
    return this.avail_count() === 0;
  }

  /** rte_mempool_obj_iter: call fn on every object in creation order; returns how many. */
  obj_iter(fn: (obj: number, index: number) => void): number {
    const n = this.populated_size;
    for (let i = 0; i < n; i++) fn(this.hdrOf(i) + (this.header_size >> 2), i);
    return n;
  }

  /** rte_mempool_from_obj: the base word of the pool an object's header names. */
  static from_obj(mem: Mem, obj: number): number {
    return mem.load(obj - (HDR_BYTES >> 2) + H_POOL);
  }

  /** rte_mempool_get_priv: word index of the private area. */
  get_priv(): number {
    return this.mem.load(this.base + P_PRIV);
  }

  get private_data_size(): number {
    return this.mem.load(this.base + P_PRIV_SIZE);
  }

  get ops_name(): string {
    return MEMPOOL_OPS_NAMES[this.ops_index];
  }

  /** rte_mempool_audit and the other invariants of a quiescent pool, as data. */
  audit(userCaches: readonly MempoolCache[] = []): Violation[] {
    return mempoolAudit(this, userCaches);
  }

  /** common pool + caches + `held` = size, at a quiescent point. */
  conservation(held: number, userCaches: readonly MempoolCache[] = []): Violation[] {
    return mempoolConservation(this, held, userCaches);
  }

  /** Stats summed over every lcore, or one lcore's (nb_lcores: the non-lcore line). */
  stats(lcore = -1): MempoolStats {
    return mempoolStats(this, lcore);
  }

  dump(): string {
    return mempoolDump(this);
  }
}
