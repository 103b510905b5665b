import { EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, MemraceError } from '../errors.js';
import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { CACHE_ALGO_IMPLS, MempoolCache, type CacheAlgo, type CommonPool } from './mempool_cache.js';
import { mempoolMemsize, checkMempoolConfig, type FieldNames, type MempoolConfig } from './mempool_config.js';
import { CookieChecker } from './mempool_debug.js';
import { mempoolAudit, mempoolConservation, mempoolDump, mempoolStats, type MempoolStats } from './mempool_audit.js';
import { layoutEmpty } from './mempool_empty.js';
import { RTE_MEMPOOL_EVENT_DESTROY, RTE_MEMPOOL_EVENT_READY, mempoolEventInvoke } from './mempool_events.js';
import {
  CACHE_WORDS, C_LEN, HDR_BYTES, H_POOL, LCORE_ID_ANY,
  P_CACHES, P_CACHE_ALGO, P_CACHE_SIZE, P_DEBUG, P_EAL, P_ELT_SIZE, P_FLAGS, P_HEADER_SIZE, P_NB_LCORES,
  P_OPS, P_POOL_DATA, P_POPULATED, P_PRIV, P_PRIV_SIZE, P_SIZE, P_SOCKET, P_STATS, P_TAILQ, P_TOTAL_SIZE, P_TRAILER_SIZE, P_VARIANT,
  P_WORDS, RTE_BAD_IOVA, RTE_MEMPOOL_ALIGN, RTE_MEMPOOL_F_NO_CACHE_ALIGN, RTE_MEMPOOL_F_NO_IOVA_CONTIG, RTE_MEMPOOL_F_NON_IO,
  RTE_MEMPOOL_F_POOL_CREATED, STAT_WORDS, S_GET_COMMON_BULK, S_GET_COMMON_OBJS, S_GET_FAIL_BULK, S_GET_FAIL_OBJS, S_GET_SUCCESS_BULK,
  S_GET_SUCCESS_OBJS, S_PUT_BULK, S_PUT_COMMON_BULK, S_PUT_COMMON_OBJS, S_PUT_OBJS,
} from './mempool_layout.js';
import { MEMPOOL_OPS_NAMES, NO_BACKEND, opsAlloc, opsAttach, opsRelease, type MempoolOps } from './mempool_ops.js';
import { type MemChunk, type PoolMemoryProvider, arenaMemory, reserveChunks } from './mempool_memory.js';
import { MemList, virt2iova, type MemHdr } from './mempool_memlist.js';
import { RteError, set_rte_errno } from './rte_errno.js';
import { TAILQ_MEMPOOL, Tailq } from './tailq.js';

export type { FieldNames, MempoolConfig } from './mempool_config.js';
export { objSize } from './mempool_config.js';

/** Where a mempool lives: plain data that crosses to workers. */
export interface MempoolRef {
  name: string;
  base: number;
}

/**
 * rte_mempool: n equal objects in the image, a backend (the common pool), a LIFO cache per
 * lcore. A handle belongs to one thread and knows its lcore (rte_lcore_id()); a thread that
 * is not an lcore (LCORE_ID_ANY) bypasses the default caches, as DPDK's do. Fast paths
 * return what DPDK's return (0, -ENOENT), allocate nothing and never throw.
 *
 * Objects are the word indices of their bodies in the image; no object sits at word 0, so
 * 0 is NULL as in C.
 *
 * The class is long on purpose: rte_mempool.c's life cycle (create_empty, set_ops_byname,
 * populate_*, free) and rte_mempool.h's data path share one handle's private state (the
 * creator's memory and chunk callbacks, the backend it attaches once populated); the mem
 * list, layout, checks, audits and cookies live in their own modules.
 */
export class Mempool implements CommonPool {
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
  private readonly memlist: MemList;
  /** The chunks' free callbacks: only the handle create returned may free the pool's memory. */
  private memhdrs: MemChunk[] = [];
  /** What populate needs, held by the handle create_empty returned: the image and the pool memory. */
  private creator: { arena: Arena; tag: string; memory: PoolMemoryProvider } | null = null;
  private readonly owner: number;
  private readonly statW: number;
  private readonly statAtomic: boolean;
  /** Debug mode's cookie checks; null when the pool was created without debug. */
  readonly cookies: CookieChecker | null;

  /** Bytes of the arena a pool takes (header, caches, stats, backend, and the elements unless they live elsewhere). */
  static memsize(cfg: MempoolConfig, withElements = cfg.memory === undefined): number {
    return mempoolMemsize(cfg, withElements);
  }

  /** rte_mempool_create_empty's checks (DPDK: NULL with rte_errno EINVAL); throws an RteError naming the field. */
  static checkConfig(cfg: MempoolConfig, names: FieldNames = {}): void {
    checkMempoolConfig(cfg, names);
  }

  /**
   * rte_mempool_create: create_empty, populate_default, then obj_init on every object; the
   * handle is this (non-lcore) thread's. Refusals throw an RteError with DPDK's errno:
   * EINVAL (sizes, cache, flags, ops), ENAMETOOLONG (25 characters at most: the backend
   * ring is named "MP_<name>"), EEXIST (the name is taken, or a ring already has the
   * backend's name). A create that fails after create_empty frees the pool (its name, the
   * memory it reserved) before the error propagates, as DPDK's does.
   */
  static create(arena: Arena, mem: Mem, name: string, cfg: MempoolConfig): Mempool {
    const mp = Mempool.create_empty(arena, mem, name, cfg);
    let ret: number;
    try {
      ret = mp.populate_default();
    } catch (e) {
      mp.free();
      throw e;
    }
    if (ret < 0) {
      mp.free();
      throw new RteError(-ret, 'name', `mempool '${name}' could not be populated (errno ${-ret})`, `a name whose backend ring MP_${name} is free`);
    }
    if (cfg.obj_init) mp.obj_iter((obj, i) => cfg.obj_init!(mp, obj, i));
    return mp;
  }

  /**
   * rte_mempool_create_empty: the pool laid out and named, without objects or backend
   * (NON_IO set); populate it with populate_default, populate_anon or populate_iova,
   * after set_ops_byname if another backend is wanted.
   */
  static create_empty(arena: Arena, mem: Mem, name: string, cfg: MempoolConfig): Mempool {
    const { base, tag } = layoutEmpty(arena, mem, name, cfg);
    const mp = new Mempool(mem, { name, base }, LCORE_ID_ANY);
    mp.creator = { arena, tag, memory: cfg.memory ?? arenaMemory(arena) };
    return mp;
  }

  /** rte_mempool_set_ops_byname: 0; -EEXIST once the backend exists (populated); -EINVAL for an unknown name. */
  set_ops_byname(name: string): number {
    if (this.flags & RTE_MEMPOOL_F_POOL_CREATED) return -EEXIST;
    const i = (MEMPOOL_OPS_NAMES as readonly string[]).indexOf(name);
    if (i < 0) return -EINVAL;
    this.ops_index = i;
    this.mem.store(this.base + P_OPS, i);
    return 0;
  }

  get populated_size(): number {
    return this.mem.load(this.base + P_POPULATED);
  }

  get nb_mem_chunks(): number {
    return this.memlist.count;
  }

  /**
   * rte_mempool_populate_iova: place objects in [addr, addr + len) (byte addresses in the
   * image), the first at addr rounded up to the object alignment, each with its IOVA
   * (RTE_BAD_IOVA: none), and put them in the backend, allocated on the first call.
   * Returns how many were added; 0 when not one fits; -ENOSPC when the pool is full;
   * the backend's -errno (ENAMETOOLONG, EEXIST) when it cannot be made. A valid IOVA
   * clears NON_IO unless the pool was made NO_IOVA_CONTIG; the last object makes the pool
   * READY. free_cb runs when the pool is freed.
   */
  populate_iova(addr: number, iova: number, len: number, free_cb?: () => void): number {
    const mem = this.mem;
    const b = this.base;
    const populated = this.populated_size;
    if (populated >= this.size) return -ENOSPC;
    if (!(this.flags & RTE_MEMPOOL_F_POOL_CREATED)) {
      const arena = this.creator?.arena;
      if (!arena) throw new MemraceError('E_USAGE', `mempool ${this.name}: only the handle create_empty returned can populate it`);
      try {
        mem.store(b + P_POOL_DATA, opsAlloc(arena, mem, this.name, this.ops_index, this.size, mem.load(b + P_VARIANT)));
      } catch (e) {
        if (e instanceof RteError) return -e.errno;
        throw e;
      }
      this.setFlags(this.flags | RTE_MEMPOOL_F_POOL_CREATED);
      this.ops = opsAttach(mem, this.name, this.ops_index, mem.load(b + P_POOL_DATA), mem.load(b + P_VARIANT), this.owner);
    }
    const align = this.get_obj_alignment();
    const first = Math.ceil(addr / align) * align;
    if (first - addr > len) return 0;
    const k = Math.min(this.size - populated, Math.floor((len - (first - addr)) / this.total_size));
    if (k <= 0) return 0;
    const objs = this.memlist.add(addr, len, iova, first, k);
    if (objs === null) return -ENOMEM;
    for (let i = 0; i < k; i++) this.cookies?.init(objs[i]);
    this.ops.enqueue_bulk(objs, k, 0);
    this.memhdrs.push({ addr, len, free: free_cb });
    if (!(this.flags & RTE_MEMPOOL_F_NO_IOVA_CONTIG) && iova !== RTE_BAD_IOVA) this.setFlags(this.flags & ~RTE_MEMPOOL_F_NON_IO);
    if (populated + k >= this.size) mempoolEventInvoke(RTE_MEMPOOL_EVENT_READY, this);
    return k;
  }

  /**
   * rte_mempool_populate_default: memory for every missing object from the pool's
   * provider (the arena, or a NUMA node's pages), in as few chunks as it gives; in the
   * image an address is its own IOVA. Returns the objects added, -EEXIST when the pool
   * already has memory, or populate_iova's -errno (the chunks reserved are freed).
   */
  populate_default(): number {
    if (this.nb_mem_chunks !== 0) return -EEXIST;
    const c = this.creator;
    if (c === null) throw new MemraceError('E_USAGE', `mempool ${this.name}: only the handle create_empty returned can populate it`);
    const chunks = reserveChunks(c.memory, c.tag, this.size - this.populated_size, this.total_size, this.socket_id);
    let added = 0;
    for (let i = 0; i < chunks.length; i++) {
      const ret = this.populate_iova(chunks[i].addr, chunks[i].addr, chunks[i].len, chunks[i].free);
      if (ret < 0) {
        for (const rest of chunks.slice(i)) rest.free?.();
        return ret;
      }
      added += ret;
    }
    return added;
  }

  /**
   * rte_mempool_populate_anon: the objects in anonymous memory (here: from the arena,
   * whose addresses are their own IOVA, as DPDK's IOVA-as-VA mode gives). Returns the
   * objects added; 0 with rte_errno EINVAL when the pool already has memory.
   */
  populate_anon(): number {
    if (this.nb_mem_chunks !== 0) {
      set_rte_errno(EINVAL);
      return 0;
    }
    const ret = this.populate_default();
    if (ret < 0) {
      set_rte_errno(-ret);
      return 0;
    }
    return ret;
  }

  /**
   * rte_mempool_lookup: the pool of that name, as lcore `lcore` sees it (owner: the actor
   * id kept in lock words), from any thread; null with rte_errno ENOENT.
   */
  static lookup(arena: Arena, mem: Mem, name: string, lcore: number = LCORE_ID_ANY, owner = 0): Mempool | null {
    const e = Tailq.find(arena, mem, owner)?.lookup(TAILQ_MEMPOOL, name) ?? 0;
    if (e === 0) {
      set_rte_errno(ENOENT);
      return null;
    }
    return new Mempool(mem, { name, base: e - P_TAILQ }, lcore, owner);
  }

  private setFlags(flags: number): void {
    this.flags = flags;
    this.mem.store(this.base + P_FLAGS, flags);
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
    this.algo = CACHE_ALGO_IMPLS[mem.load(b + P_CACHE_ALGO)];
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

  /** The mem list (struct rte_mempool_memhdr): each chunk's byte address, length and IOVA, in populate order. */
  memChunks(): MemHdr[] {
    return this.memlist.chunks();
  }

  /** rte_mempool_mem_iter: fn on every memory chunk (struct rte_mempool_memhdr), in populate order; returns how many. */
  mem_iter(fn: (memhdr: { addr: number; len: number }, mem_idx: number) => void): number {
    const chunks = this.memChunks();
    chunks.forEach((c, i) => fn(c, i));
    return chunks.length;
  }

  /**
   * rte_mempool_get_mem_range: the byte range that holds every chunk, and whether the
   * chunks make one piece without gaps (struct rte_mempool_mem_range_info).
   */
  get_mem_range(): { start: number; length: number; is_contiguous: boolean } {
    return this.memlist.range();
  }

  /** rte_mempool_get_obj_alignment: RTE_MEMPOOL_ALIGN (a cache line), or sizeof(uint64_t) with NO_CACHE_ALIGN. */
  get_obj_alignment(): number {
    return this.flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN ? 8 : RTE_MEMPOOL_ALIGN;
  }

  /**
   * rte_mempool_virt2iova: an object's IOVA, its header's iova plus the header size
   * (RTE_BAD_IOVA when it was populated without one). The image is the machine's memory
   * and IOVA = PA = its byte address, so for memory populate_default gave this is the
   * object's byte address (rte_mem_virt2iova of it).
   */
  static virt2iova(mem: Mem, obj: number): number {
    return virt2iova(mem, obj);
  }

  /**
   * RTE_MEMPOOL_HEADER_SIZE(mp, cs): bytes from the pool header to its private area, so
   * get_priv() = base + HEADER_SIZE / 4. DPDK's includes the per-lcore caches when cs is
   * not 0; here the caches have their own region and the size is the header's alone.
   */
  static HEADER_SIZE(_mp: Mempool, _cs: number): number {
    return P_WORDS * 4;
  }

  /**
   * rte_mempool_free: take the pool (and its backend ring) off the machine's lists, so both
   * names can be used again, then give back every chunk through its free_cb, once (only the
   * handle create returned holds them). The header, caches, stats and backend stay carved
   * in the image, whose regions are never freed; no thread may use the pool afterwards.
   */
  free(): void {
    const head = this.mem.load(this.base + P_EAL);
    if (head !== 0) {
      const tailq = Tailq.at(this.mem, head, this.owner);
      tailq.remove(TAILQ_MEMPOOL, this.base + P_TAILQ);
      opsRelease(tailq, this.ops_index, this.mem.load(this.base + P_POOL_DATA));
      this.mem.store(this.base + P_EAL, 0);
      mempoolEventInvoke(RTE_MEMPOOL_EVENT_DESTROY, this);
    }
    const chunks = this.memhdrs;
    this.memhdrs = [];
    for (const c of chunks) c.free?.();
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
