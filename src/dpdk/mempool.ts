import { EEXIST, EINVAL, ENOENT, ENOSPC, ENOMEM, MemraceError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { mempoolMemsize, checkMempoolConfig, type FieldNames, type MempoolConfig } from './mempool_config.js';
import { MempoolData } from './mempool_data.js';
import { layoutEmpty } from './mempool_empty.js';
import { RTE_MEMPOOL_EVENT_DESTROY, RTE_MEMPOOL_EVENT_READY, mempoolEventInvoke } from './mempool_events.js';
import {
  LCORE_ID_ANY, P_EAL, P_FLAGS, P_OPS, P_POOL_DATA, P_TAILQ, P_VARIANT, P_WORDS, RTE_BAD_IOVA, RTE_MEMPOOL_ALIGN, RTE_MEMPOOL_F_NO_CACHE_ALIGN,
  RTE_MEMPOOL_F_NO_IOVA_CONTIG, RTE_MEMPOOL_F_NON_IO, RTE_MEMPOOL_F_POOL_CREATED,
} from './mempool_layout.js';
import { opsAlloc, opsAttach, opsIndexOf, opsRelease } from './mempool_ops.js';
import { type MemChunk, type PoolMemoryProvider, arenaMemory, reserveChunks } from './mempool_memory.js';
import { virt2iova, type MemHdr } from './mempool_memlist.js';
import { orNegErrno, RteError, set_rte_errno } from './rte_errno.js';
import { TAILQ_MEMPOOL, Tailq } from './tailq.js';

export type { FieldNames, MempoolConfig } from './mempool_config.js';
export { objSize } from './mempool_config.js';

export type { MempoolRef } from './mempool_data.js';

/**
 * rte_mempool: the life cycle of rte_mempool.c (create_empty, set_ops_byname, populate_*,
 * lookup, free) and the mem list queries, over the data path of MempoolData. The handle
 * create_empty returns keeps what only it may use: the image and pool memory to populate
 * from, and the chunks' free callbacks.
 */
export class Mempool extends MempoolData {
  /** The chunks' free callbacks: only the handle create returned may free the pool's memory. */
  private memhdrs: MemChunk[] = [];
  /** What populate needs, held by the handle create_empty returned: the image and the pool memory. */
  private creator: { arena: Arena; tag: string; memory: PoolMemoryProvider } | null = null;

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
    const i = orNegErrno(() => opsIndexOf(name));
    if (i < 0) return i;
    this.ops_index = i;
    this.mem.store(this.base + P_OPS, i);
    return 0;
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
      const data = orNegErrno(() => opsAlloc(arena, mem, this.name, this.ops_index, this.size, mem.load(b + P_VARIANT)));
      if (data < 0) return data;
      mem.store(b + P_POOL_DATA, data);
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
}
