import { ENOENT } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { CACHE_ALGO_IMPLS, MempoolCache, type CacheAlgo, type CommonPool } from './mempool_cache.js';
import { DEFAULT_MAX_LCORE, checkMempoolConfig, mempoolMemsize, objSize, opsForFlags, type FieldNames, type MempoolConfig } from './mempool_config.js';
import { CookieChecker } from './mempool_debug.js';
import { mempoolAudit, mempoolConservation, mempoolDump, mempoolStats, type MempoolStats } from './mempool_audit.js';
import type { Violation } from '../core/violation.js';
import {
  CACHE_ALGOS, CACHE_WORDS, C_LEN, HDR_BYTES, MEMHDR_WORDS, M_ADDR, M_LEN, H_INDEX, H_POOL, LCORE_ID_ANY, P_CACHES, P_CACHE_ALGO,
  P_CACHE_SIZE, P_DEBUG, P_EAL, P_ELT_SIZE, P_FLAGS, P_HEADER_SIZE, P_MEM_LIST, P_NB_LCORES, P_NB_MEM_CHUNKS, P_OPS, P_POOL_DATA, P_PRIV,
  P_PRIV_SIZE, P_SIZE, P_SOCKET, P_STATS, P_TAILQ, P_TOTAL_SIZE, P_TRAILER_SIZE, P_VARIANT, P_WORDS, RTE_MEMPOOL_F_NO_CACHE_ALIGN,
  RTE_MEMPOOL_ALIGN, RTE_MEMPOOL_F_NO_SPREAD, RTE_MEMPOOL_F_POOL_CREATED, STAT_WORDS, S_GET_COMMON_BULK, S_GET_COMMON_OBJS,
  S_GET_FAIL_BULK, S_GET_FAIL_OBJS, S_GET_SUCCESS_BULK, S_GET_SUCCESS_OBJS, S_PUT_BULK, S_PUT_COMMON_BULK, S_PUT_COMMON_OBJS, S_PUT_OBJS,
} from './mempool_layout.js';
import { MEMPOOL_OPS_NAMES, opsAlloc, opsAttach, opsIndexOf, opsRelease, type MempoolOps } from './mempool_ops.js';
import { type MemChunk, arenaMemory, reserveChunks } from './mempool_memory.js';
import { RTE_MEMPOOL_EVENT_DESTROY, RTE_MEMPOOL_EVENT_READY, mempoolEventInvoke } from './mempool_events.js';
import { set_rte_errno } from './rte_errno.js';
import { RTE_MEMPOOL_NAMESIZE, TAILQ_MEMPOOL, Tailq, checkName, regionTag } from './tailq.js';

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
 */
export class Mempool implements CommonPool {
  readonly base: number;
  readonly size: number;
  readonly cache_size: number;
  readonly elt_size: number;
  readonly header_size: number;
  readonly trailer_size: number;
  readonly total_size: number;
  readonly flags: number;
  readonly socket_id: number;
  readonly ops_index: number;
  readonly nb_lcores: number;
  readonly algo: CacheAlgo;
  readonly ops: MempoolOps;
  /** This thread's default cache: null without caches or off an lcore. */
  readonly cache: MempoolCache | null;
  /** Per mem chunk: its byte address, then the index of its first element (rte_mempool_populate_iova's order). */
  private readonly chunkAddr: Int32Array;
  private readonly chunkFirst: Int32Array;
  /** The chunks' free callbacks: only the handle create returned may free the pool's memory. */
  private memhdrs: MemChunk[] = [];
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
   * rte_mempool_create: lay the pool out, populate it, enter its name in the machine's
   * mempool list, and return a handle for this (non-lcore) thread. Refusals throw an
   * RteError with DPDK's errno: EINVAL (sizes, cache, flags, ops), ENAMETOOLONG (25
   * characters at most: the backend ring is named "MP_<name>"), EEXIST (the name is taken,
   * or a ring already has the backend's name). What a failed create reserved (pool memory,
   * the backend ring's name) is given back before the error propagates.
   */
  static create(arena: Arena, mem: Mem, name: string, cfg: MempoolConfig): Mempool {
    Mempool.checkConfig(cfg);
    checkName(name, RTE_MEMPOOL_NAMESIZE, 'mempool');
    const tailq = Tailq.of(arena, mem);
    tailq.assertFree(TAILQ_MEMPOOL, name);
    let flags = cfg.flags ?? 0;
    // "no cache align" implies "no spread".
    if (flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN) flags |= RTE_MEMPOOL_F_NO_SPREAD;
    const lcores = cfg.max_lcore ?? DEFAULT_MAX_LCORE;
    const cacheSize = cfg.cache_size ?? 0;
    const ops = opsIndexOf(cfg.ops_name ?? opsForFlags(flags));
    const privSize = Math.ceil((cfg.private_data_size ?? 0) / 64) * 64;
    const sz = objSize(cfg.elt_size, flags, cfg.debug);
    const tag = regionTag(arena, `mempool:${name}`);
    // One line ahead of the header keeps the base word off 0 even in a fresh image: mbufs
    // and object headers name their pool by it, and 0 is NULL.
    const base = arena.allocWords(tag, 16 + P_WORDS + privSize / 4) + 16;
    const caches = cacheSize ? arena.allocWords(`${tag}.caches`, lcores * CACHE_WORDS) : 0;
    for (let l = 0; caches && l < lcores; l++) MempoolCache.init(mem, caches + l * CACHE_WORDS, cacheSize);
    const socket = cfg.socket_id ?? -1;
    const chunks = reserveChunks(cfg.memory ?? arenaMemory(arena), tag, cfg.n, sz.total, socket);
    let poolData: number;
    try {
      poolData = opsAlloc(arena, mem, name, ops, cfg.n, cfg.variant ?? 0);
    } catch (e) {
      for (const c of chunks) c.free?.();
      throw e;
    }
    const memList = arena.allocWords(`${tag}.mem_list`, chunks.length * MEMHDR_WORDS);
    chunks.forEach((c, i) => {
      mem.store(memList + i * MEMHDR_WORDS + M_ADDR, c.addr);
      mem.store(memList + i * MEMHDR_WORDS + M_LEN, c.len);
    });
    // Populated from image memory, whose IOVA is valid: NON_IO is cleared as populate_iova clears it.
    flags |= RTE_MEMPOOL_F_POOL_CREATED;
    const fields: Array<[number, number]> = [
      [P_SIZE, cfg.n], [P_ELT_SIZE, sz.elt], [P_HEADER_SIZE, sz.header], [P_TRAILER_SIZE, sz.trailer],
      [P_TOTAL_SIZE, sz.total], [P_CACHE_SIZE, cacheSize], [P_CACHE_ALGO, CACHE_ALGOS.indexOf(cfg.cache_algo ?? 'classic')],
      [P_FLAGS, flags], [P_OPS, ops], [P_SOCKET, socket], [P_PRIV_SIZE, privSize], [P_PRIV, base + P_WORDS],
      [P_NB_MEM_CHUNKS, chunks.length], [P_MEM_LIST, memList], [P_NB_LCORES, lcores], [P_CACHES, caches], [P_VARIANT, cfg.variant ?? 0],
      [P_STATS, arena.allocWords(`${tag}.stats`, (lcores + 1) * STAT_WORDS)], [P_POOL_DATA, poolData], [P_DEBUG, cfg.debug ? 1 : 0],
    ];
    for (const [k, v] of fields) mem.store(base + k, v);
    const mp = new Mempool(mem, { name, base }, LCORE_ID_ANY);
    mp.memhdrs = chunks;
    mp.populate(cfg.obj_init);
    tailq.insert(TAILQ_MEMPOOL, base + P_TAILQ, name);
    mem.store(base + P_EAL, tailq.head);
    // Fully populated: rte_mempool_populate_iova reports the pool ready.
    mempoolEventInvoke(RTE_MEMPOOL_EVENT_READY, mp);
    return mp;
  }

  /**
   * rte_mempool_lookup: the pool of that name, as lcore `lcore` sees it (owner: the actor
   * id kept in lock words), from any thread; null with rte_errno ENOENT.
   */
  static lookup(arena: Arena, mem: Mem, name: string, lcore: number = LCORE_ID_ANY, owner = 0): Mempool | null {
    const e = Tailq.find(arena, mem)?.lookup(TAILQ_MEMPOOL, name) ?? 0;
    if (e === 0) {
      set_rte_errno(ENOENT);
      return null;
    }
    return new Mempool(mem, { name, base: e - P_TAILQ }, lcore, owner);
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
    const nChunks = mem.load(b + P_NB_MEM_CHUNKS);
    const memList = mem.load(b + P_MEM_LIST);
    this.chunkAddr = new Int32Array(nChunks);
    this.chunkFirst = new Int32Array(nChunks);
    for (let c = 0, first = 0; c < nChunks; c++) {
      this.chunkAddr[c] = mem.load(memList + c * MEMHDR_WORDS + M_ADDR);
      this.chunkFirst[c] = first;
      first += Math.floor(mem.load(memList + c * MEMHDR_WORDS + M_LEN) / this.total_size);
    }
    this.algo = CACHE_ALGO_IMPLS[mem.load(b + P_CACHE_ALGO)];
    this.ops = opsAttach(mem, ref.name, this.ops_index, mem.load(b + P_POOL_DATA), mem.load(b + P_VARIANT), owner);
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
    let c = this.chunkFirst.length - 1;
    while (this.chunkFirst[c] > i) c--;
    return (this.chunkAddr[c] + (i - this.chunkFirst[c]) * this.total_size) >> 2;
  }

  /** The mem list: each chunk's byte address and length, in populate order. */
  memChunks(): Array<{ addr: number; len: number }> {
    const memList = this.mem.load(this.base + P_MEM_LIST);
    return Array.from(this.chunkAddr, (_, c) => ({ addr: this.mem.load(memList + c * MEMHDR_WORDS + M_ADDR), len: this.mem.load(memList + c * MEMHDR_WORDS + M_LEN) }));
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
    const chunks = this.memChunks().sort((a, b) => a.addr - b.addr);
    const start = chunks[0].addr;
    const end = Math.max(...chunks.map((c) => c.addr + c.len));
    const is_contiguous = chunks.every((c, i) => i === 0 || chunks[i - 1].addr + chunks[i - 1].len === c.addr);
    return { start, length: end - start, is_contiguous };
  }

  /** rte_mempool_get_obj_alignment: RTE_MEMPOOL_ALIGN (a cache line), or sizeof(uint64_t) with NO_CACHE_ALIGN. */
  get_obj_alignment(): number {
    return this.flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN ? 8 : RTE_MEMPOOL_ALIGN;
  }

  /**
   * rte_mempool_virt2iova: an object's IOVA, its header's iova plus the header size. The
   * image is the machine's memory and IOVA = PA = its byte address, so this is the
   * object's byte address (rte_mem_virt2iova of it).
   */
  static virt2iova(obj: number): number {
    return obj * 4;
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
      const tailq = Tailq.at(this.mem, head);
      tailq.remove(TAILQ_MEMPOOL, this.base + P_TAILQ);
      opsRelease(tailq, this.ops_index, this.mem.load(this.base + P_POOL_DATA));
      this.mem.store(this.base + P_EAL, 0);
      mempoolEventInvoke(RTE_MEMPOOL_EVENT_DESTROY, this);
    }
    const chunks = this.memhdrs;
    this.memhdrs = [];
    for (const c of chunks) c.free?.();
  }

  private populate(objInit: MempoolConfig['obj_init']): void {
    const objs = new Int32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const hdr = this.hdrOf(i);
      this.mem.store(hdr + H_POOL, this.base);
      this.mem.store(hdr + H_INDEX, i);
      objs[i] = hdr + (this.header_size >> 2);
      this.cookies?.init(objs[i]);
      objInit?.(this, objs[i], i);
    }
    this.ops.enqueue_bulk(objs, this.size, 0);
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
    let i = 0;
    for (; i < this.size; i++) fn(this.hdrOf(i) + (this.header_size >> 2), i);
    return i;
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
