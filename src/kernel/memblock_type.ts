import { ENOMEM } from '../errors.js';
import type { Mem } from '../shm/mem.js';

/**
 * memblock (mm/memblock.c, Linux 6.6): the boot-time allocator. Two sorted arrays of
 * regions, `memory` and `reserved`, each region {base, size, flags, nid}; neighbours that
 * touch and share nid and flags are merged. Before 6.11 an empty array holds one dummy
 * region {0, 0} with cnt 1: this is 6.6, so the dummy is modelled.
 *
 * The arrays live in the image (boot is single-threaded, so plain Mem loads and stores).
 * Addresses are physical byte addresses below 4 GiB, stored as unsigned 32-bit words.
 */
export const INIT_MEMBLOCK_REGIONS = 128;
/** MAX_NUMNODES: the nid of a region that belongs to no node yet. */
export const MAX_NUMNODES = 64;
export const NUMA_NO_NODE = -1;
export const MEMBLOCK_NONE = 0;
/** current_limit when nothing limits allocation (MEMBLOCK_ALLOC_ANYWHERE, ~0 on 32-bit phys). */
export const MEMBLOCK_ALLOC_ANYWHERE = 0x1_0000_0000;
export const SMP_CACHE_BYTES = 64;

// The memblock header, then one type block per array.
export const M_CURRENT_LIMIT = 0; // stored as limit - 1 so ~0 fits in 32 bits
export const M_BOTTOM_UP = 1;
export const M_DEBUG = 2;
export const M_HEADER = 16;
const T_CNT = 0;
const T_MAX = 1;
const T_TOTAL = 2;
const T_REGIONS = 4;
const R_BASE = 0;
const R_SIZE = 1;
const R_FLAGS = 2;
const R_NID = 3;
const R_WORDS = 4;
export const TYPE_WORDS = T_REGIONS + INIT_MEMBLOCK_REGIONS * R_WORDS;

export interface MemblockRegion {
  base: number;
  size: number;
  flags: number;
  nid: number;
}

export interface MemblockRef {
  base: number;
}

/** %pa of a 64-bit phys_addr_t, as printk prints it. */
export function pa(v: number): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

/** %pa of a region's last byte; the empty dummy {0, 0} ends at -1, printed as all ones. */
export function paEnd(base: number, size: number): string {
  return base + size === 0 ? '0xffffffffffffffff' : pa(base + size - 1);
}

/** One of memblock's two arrays (struct memblock_type). */
export class MemblockType {
  constructor(
    private readonly mem: Mem,
    private readonly base: number,
    readonly name: 'memory' | 'reserved',
  ) {}

  get cnt(): number {
    return this.mem.load(this.base + T_CNT);
  }
  get max(): number {
    return this.mem.load(this.base + T_MAX);
  }
  get total_size(): number {
    return this.mem.load(this.base + T_TOTAL) >>> 0;
  }
  private set cnt(v: number) {
    this.mem.store(this.base + T_CNT, v);
  }
  private set total_size(v: number) {
    this.mem.store(this.base + T_TOTAL, v | 0);
  }

  private w(i: number, f: number): number {
    return this.base + T_REGIONS + i * R_WORDS + f;
  }
  rbase(i: number): number {
    return this.mem.load(this.w(i, R_BASE)) >>> 0;
  }
  rsize(i: number): number {
    return this.mem.load(this.w(i, R_SIZE)) >>> 0;
  }
  rflags(i: number): number {
    return this.mem.load(this.w(i, R_FLAGS));
  }
  rnid(i: number): number {
    return this.mem.load(this.w(i, R_NID));
  }
  private set(i: number, base: number, size: number, flags: number, nid: number): void {
    this.mem.store(this.w(i, R_BASE), base | 0);
    this.mem.store(this.w(i, R_SIZE), size | 0);
    this.mem.store(this.w(i, R_FLAGS), flags);
    this.mem.store(this.w(i, R_NID), nid);
  }
  private copy(to: number, from: number): void {
    for (let f = 0; f < R_WORDS; f++) this.mem.store(this.w(to, f), this.mem.load(this.w(from, f)));
  }

  region(i: number): MemblockRegion {
    return { base: this.rbase(i), size: this.rsize(i), flags: this.rflags(i), nid: this.rnid(i) };
  }

  regions(): MemblockRegion[] {
    return Array.from({ length: this.cnt }, (_, i) => this.region(i));
  }

  /** The state of a fresh array: the 6.6 dummy {0, 0} with cnt 1. */
  init(): void {
    this.mem.store(this.base + T_MAX, INIT_MEMBLOCK_REGIONS);
    this.cnt = 1;
    this.total_size = 0;
    this.set(0, 0, 0, 0, MAX_NUMNODES);
  }

  /** memblock_insert_region. */
  private insert(idx: number, base: number, size: number, nid: number, flags: number): void {
    for (let i = this.cnt; i > idx; i--) this.copy(i, i - 1);
    this.set(idx, base, size, flags, nid);
    this.cnt = this.cnt + 1;
    this.total_size = this.total_size + size;
  }

  /** memblock_remove_region: an array emptied gets its dummy back. */
  removeRegion(r: number): void {
    this.total_size = this.total_size - this.rsize(r);
    for (let i = r; i < this.cnt - 1; i++) this.copy(i, i + 1);
    this.cnt = this.cnt - 1;
    if (this.cnt === 0) {
      this.cnt = 1;
      this.set(0, 0, 0, 0, MAX_NUMNODES);
    }
  }

  /** memblock_merge_regions over [start_rgn - 1, end_rgn]. */
  private merge(startRgn: number, endRgn: number): void {
    let i = startRgn > 0 ? startRgn - 1 : 0;
    let end = Math.min(endRgn, this.cnt - 1);
    while (i < end) {
      if (this.rbase(i) + this.rsize(i) !== this.rbase(i + 1) || this.rnid(i) !== this.rnid(i + 1) || this.rflags(i) !== this.rflags(i + 1)) {
        i++;
        continue;
      }
      this.mem.store(this.w(i, R_SIZE), (this.rsize(i) + this.rsize(i + 1)) | 0);
      for (let k = i + 1; k < this.cnt - 1; k++) this.copy(k, k + 1);
      this.cnt = this.cnt - 1;
      end--;
    }
  }

  /**
   * memblock_add_range: insert only the parts of [base, base+size) that no region covers,
   * then merge neighbours. Two passes as in the kernel: count, then insert. Returns 0 or
   * -ENOMEM when the array would have to grow (6.6 panics there before resizing is allowed).
   */
  addRange(base: number, size: number, nid: number, flags: number): number {
    const end = Math.min(base + size, MEMBLOCK_ALLOC_ANYWHERE); // memblock_cap_size
    size = end - base;
    if (!size) return 0;
    if (this.rsize(0) === 0) {
      this.set(0, base, size, flags, nid);
      this.total_size = size;
      return 0;
    }
    let insert = this.cnt * 2 + 1 <= this.max;
    for (;;) {
      let b = base;
      let nrNew = 0;
      let startRgn = -1;
      let endRgn = 0;
      let idx = 0;
      for (; idx < this.cnt; idx++) {
        const rbase = this.rbase(idx);
        const rend = rbase + this.rsize(idx);
        if (rbase >= end) break;
        if (rend <= b) continue;
        if (rbase > b) {
          nrNew++;
          if (insert) {
            if (startRgn === -1) startRgn = idx;
            endRgn = idx + 1;
            this.insert(idx++, b, rbase - b, nid, flags);
          }
        }
        b = Math.min(rend, end);
      }
      if (b < end) {
        nrNew++;
        if (insert) {
          if (startRgn === -1) startRgn = idx;
          endRgn = idx + 1;
          this.insert(idx, b, end - b, nid, flags);
        }
      }
      if (!nrNew) return 0;
      if (insert) {
        this.merge(startRgn, endRgn);
        return 0;
      }
      if (this.cnt + nrNew > this.max) return -ENOMEM;
      insert = true;
    }
  }

  /**
   * memblock_isolate_range: split regions at base and base+size so that the range is
   * covered by whole regions; returns [start_rgn, end_rgn) or null on -ENOMEM.
   */
  isolate(base: number, size: number): [number, number] | null {
    const end = Math.min(base + size, MEMBLOCK_ALLOC_ANYWHERE);
    let startRgn = 0;
    let endRgn = 0;
    if (end <= base) return [0, 0];
    if (this.cnt + 2 > this.max) return null;
    for (let idx = 0; idx < this.cnt; idx++) {
      const rbase = this.rbase(idx);
      const rend = rbase + this.rsize(idx);
      if (rbase >= end) break;
      if (rend <= base) continue;
      if (rbase < base) {
        // Intersects from below: keep the top half here, insert the bottom before it.
        this.mem.store(this.w(idx, R_BASE), base | 0);
        this.mem.store(this.w(idx, R_SIZE), (rend - base) | 0);
        this.total_size = this.total_size - (base - rbase);
        this.insert(idx, rbase, base - rbase, this.rnid(idx), this.rflags(idx));
      } else if (rend > end) {
        // Intersects from above: keep the top half, insert the bottom and redo it.
        this.mem.store(this.w(idx, R_BASE), end | 0);
        this.mem.store(this.w(idx, R_SIZE), (rend - end) | 0);
        this.total_size = this.total_size - (end - rbase);
        this.insert(idx--, rbase, end - rbase, this.rnid(idx + 1), this.rflags(idx + 1));
      } else {
        if (!endRgn) startRgn = idx;
        endRgn = idx + 1;
      }
    }
    return [startRgn, endRgn];
  }

  /** memblock_remove_range. */
  removeRange(base: number, size: number): number {
    const r = this.isolate(base, size);
    if (!r) return -ENOMEM;
    for (let i = r[1] - 1; i >= r[0]; i--) this.removeRegion(i);
    return 0;
  }

  /** memblock_set_node's work on one array: isolate, stamp nid, merge. */
  setNode(base: number, size: number, nid: number): number {
    const r = this.isolate(base, size);
    if (!r) return -ENOMEM;
    for (let i = r[0]; i < r[1]; i++) this.mem.store(this.w(i, R_NID), nid);
    this.merge(0, this.cnt - 1);
    return 0;
  }

  /** The debugfs view, /sys/kernel/debug/memblock/<name> (6.6: index and range). */
  debugfs(): string {
    return this.regions()
      .map((r, i) => `${String(i).padStart(4)}: ${pa(r.base)}..${paEnd(r.base, r.size)}`)
      .join('\n');
  }
}

