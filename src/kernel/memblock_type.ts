import { ENOMEM } from '../errors.js';
import type { Mem } from '../shm/mem.js';

/**
 * memblock (mm/memblock.c, Linux 6.6): the boot-time allocator. Two sorted arrays of
 * regions, `memory` and `reserved`, each region {base, size, flags, nid}; neighbours that
 * touch and share nid and flags are merged. Before 6.11 an empty array holds one dummy
 * region {0, 0} with cnt 1: this is 6.6, so the dummy is modelled.
 *
 * phys_addr_t is 64 bits, as on every 64-bit kernel and in tools/testing/memblock: a
 * `bigint` at this API, one 64-bit word of the image per value. The kernel's own tests
 * probe PHYS_ADDR_MAX - SZ_1M, which a double cannot hold exactly (above 2^53 its step is
 * 2^11 bytes), so numbers would round there. memblock runs a few dozen calls per boot;
 * boot converts the final regions to numbers once (RAM here is far below 2^53 bytes) for
 * its per-page loops, so the BigInt arithmetic stays off every hot path.
 */
export type phys_addr_t = bigint;

export const PHYS_ADDR_MAX: phys_addr_t = (1n << 64n) - 1n;
export const INIT_MEMBLOCK_REGIONS = 128;
/** The model's ceiling on memblock_double_array: three doublings (the kernel's is memory itself). */
export const MEMBLOCK_MODEL_MAX_REGIONS = INIT_MEMBLOCK_REGIONS * 8;
/** MAX_NUMNODES: the nid of a region that belongs to no node yet. */
export const MAX_NUMNODES = 64;
export const NUMA_NO_NODE = -1;
/** enum memblock_flags (include/linux/memblock.h, 6.6). */
export const MEMBLOCK_NONE = 0x0;
export const MEMBLOCK_HOTPLUG = 0x1;
export const MEMBLOCK_MIRROR = 0x2;
export const MEMBLOCK_NOMAP = 0x4;
export const MEMBLOCK_DRIVER_MANAGED = 0x8;
export const MEMBLOCK_RSRV_NOINIT = 0x10;
/** The max_addr values memblock_find_in_range_node treats as "up to current_limit". */
export const MEMBLOCK_ALLOC_ANYWHERE: phys_addr_t = PHYS_ADDR_MAX;
export const MEMBLOCK_ALLOC_ACCESSIBLE: phys_addr_t = 0n;
export const MEMBLOCK_ALLOC_NOLEAKTRACE: phys_addr_t = 1n;
export const MEMBLOCK_LOW_LIMIT: phys_addr_t = 0n;
/** ARCH_LOW_ADDRESS_LIMIT's generic value (0xffffffffUL), memblock_alloc_low's ceiling. */
export const ARCH_LOW_ADDRESS_LIMIT: phys_addr_t = 0xffff_ffffn;
export const SMP_CACHE_BYTES = 64;
/** sizeof(struct memblock_region) on a 64-bit kernel: base, size, flags, nid. */
export const SIZEOF_MEMBLOCK_REGION = 24;

// The memblock header (32-bit word offsets; 64-bit fields on even offsets), then one type block per array.
export const M_CURRENT_LIMIT = 0;
export const M_BOTTOM_UP = 2;
export const M_DEBUG = 3;
export const M_CAN_RESIZE = 4;
/** Where memblock_double_array put each array (0: still the static one), for freeing it on the next doubling. */
export const M_MEMORY_HOME = 6;
export const M_RESERVED_HOME = 8;
export const M_HEADER = 16;
const T_CNT = 0;
const T_MAX = 1;
const T_TOTAL = 2;
const T_REGIONS = 4;
const R_BASE = 0;
const R_SIZE = 2;
const R_FLAGS = 4;
const R_NID = 5;
const R_WORDS = 6;
export const TYPE_WORDS = T_REGIONS + MEMBLOCK_MODEL_MAX_REGIONS * R_WORDS;

export interface MemblockRegion {
  base: phys_addr_t;
  size: phys_addr_t;
  flags: number;
  nid: number;
}

export interface NumberRegion {
  base: number;
  size: number;
  flags: number;
  nid: number;
}

export interface MemblockRef {
  base: number;
}

export const u64 = (v: bigint): phys_addr_t => BigInt.asUintN(64, v);
// Stryker disable next-line EqualityOperator: a <= b picks b when they are equal, the same value
export const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
export const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** memblock_cap_size: the size that keeps base + size within PHYS_ADDR_MAX. */
export function memblock_cap_size(base: phys_addr_t, size: phys_addr_t): phys_addr_t {
  return min(size, PHYS_ADDR_MAX - base);
}

/** %pa of a 64-bit phys_addr_t, as printk prints it. */
export function pa(v: bigint | number): string {
  return '0x' + u64(BigInt(v)).toString(16).padStart(16, '0');
}

/** %pa of a region's last byte; the empty dummy {0, 0} ends at -1, printed as all ones. */
export function paEnd(base: phys_addr_t, size: phys_addr_t): string {
  return pa(u64(base + size - 1n));
}

/**
 * One of memblock's two arrays (struct memblock_type). Growing it (memblock_double_array)
 * needs memblock's allocator, so the array asks its owner through `grow`.
 */
export class MemblockType {
  grow: (type: MemblockType, newAreaStart: phys_addr_t, newAreaSize: phys_addr_t) => number = () => -1;

  constructor(
    private readonly mem: Mem,
    private readonly base: number,
    readonly name: 'memory' | 'reserved',
  ) {}

  get cnt(): number {
    // Stryker disable next-line ArithmeticOperator: T_CNT is 0, base - 0 is base
    return this.mem.load(this.base + T_CNT);
  }
  get max(): number {
    return this.mem.load(this.base + T_MAX);
  }
  set max(v: number) {
    this.mem.store(this.base + T_MAX, v);
  }
  get total_size(): phys_addr_t {
    return this.get64(this.base + T_TOTAL);
  }
  private set cnt(v: number) {
    // Stryker disable next-line ArithmeticOperator: T_CNT is 0, base - 0 is base
    this.mem.store(this.base + T_CNT, v);
  }
  private set total_size(v: phys_addr_t) {
    this.set64(this.base + T_TOTAL, v);
  }
  private get64(word: number): phys_addr_t {
    return u64(this.mem.load64(word >> 1));
  }
  private set64(word: number, v: phys_addr_t): void {
    this.mem.store64(word >> 1, BigInt.asIntN(64, v));
  }

  private w(i: number, f: number): number {
    return this.base + T_REGIONS + i * R_WORDS + f;
  }
  rbase(i: number): phys_addr_t {
    return this.get64(this.w(i, R_BASE));
  }
  rsize(i: number): phys_addr_t {
    return this.get64(this.w(i, R_SIZE));
  }
  rend(i: number): phys_addr_t {
    return this.rbase(i) + this.rsize(i);
  }
  rflags(i: number): number {
    return this.mem.load(this.w(i, R_FLAGS));
  }
  rnid(i: number): number {
    return this.mem.load(this.w(i, R_NID));
  }
  setRegion(i: number, base: phys_addr_t, size: phys_addr_t, flags: number, nid: number): void {
    this.set64(this.w(i, R_BASE), base);
    this.set64(this.w(i, R_SIZE), size);
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

  /** The regions as numbers, for boot's per-page loops: exact while RAM ends below 2^53 bytes. */
  numberRegions(): NumberRegion[] {
    return this.regions().map((r) => ({ base: Number(r.base), size: Number(r.size), flags: r.flags, nid: r.nid }));
  }

  /**
   * The state of a fresh array: the 6.6 dummy {0, 0} with cnt 1. `nid` is MAX_NUMNODES at
   * boot; tools/testing/memblock's reset_memblock_regions memsets the slot, so 0 there.
   */
  init(nid = MAX_NUMNODES): void {
    this.max = INIT_MEMBLOCK_REGIONS;
    this.cnt = 1;
    this.total_size = 0n;
    this.setRegion(0, 0n, 0n, 0, nid);
  }

  /** memblock_insert_region. */
  private insert(idx: number, base: phys_addr_t, size: phys_addr_t, nid: number, flags: number): void {
    for (let i = this.cnt; i > idx; i--) this.copy(i, i - 1);
    this.setRegion(idx, base, size, flags, nid);
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
      this.setRegion(0, 0n, 0n, 0, MAX_NUMNODES);
    }
  }

  /** memblock_merge_regions over [start_rgn - 1, end_rgn]. */
  merge(startRgn: number, endRgn: number): void {
    let i = startRgn > 0 ? startRgn - 1 : 0;
    let end = Math.min(endRgn, this.cnt - 1);
    while (i < end) {
      if (this.rend(i) !== this.rbase(i + 1) || this.rnid(i) !== this.rnid(i + 1) || this.rflags(i) !== this.rflags(i + 1)) {
        i++;
        continue;
      }
      this.set64(this.w(i, R_SIZE), this.rsize(i) + this.rsize(i + 1));
      for (let k = i + 1; k < this.cnt - 1; k++) this.copy(k, k + 1);
      this.cnt = this.cnt - 1;
      end--;
    }
  }

  /**
   * memblock_add_range: insert only the parts of [base, base+size) that no region covers,
   * then merge neighbours. Two passes when the array might overflow: count, double the
   * array as often as needed (memblock_double_array), insert. Returns 0 or -ENOMEM.
   */
  addRange(obase: phys_addr_t, size: phys_addr_t, nid: number, flags: number): number {
    size = memblock_cap_size(obase, size);
    const end = obase + size;
    if (!size) return 0;
    if (this.rsize(0) === 0n) {
      this.setRegion(0, obase, size, flags, nid);
      this.total_size = size;
      return 0;
    }
    let insert = this.cnt * 2 + 1 <= this.max;
    for (;;) {
      let b = obase;
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
        b = min(rend, end);
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
      while (this.cnt + nrNew > this.max) if (this.grow(this, obase, size) < 0) return -ENOMEM;
      insert = true;
    }
  }

  /**
   * memblock_isolate_range: split regions at base and base+size so that the range is
   * covered by whole regions; returns [start_rgn, end_rgn) or null on -ENOMEM.
   */
  isolate(base: phys_addr_t, size: phys_addr_t): [number, number] | null {
    size = memblock_cap_size(base, size);
    const end = base + size;
    let startRgn = 0;
    let endRgn = 0;
    if (!size) return [0, 0];
    while (this.cnt + 2 > this.max) if (this.grow(this, base, size) < 0) return null;
    for (let idx = 0; idx < this.cnt; idx++) {
      const rbase = this.rbase(idx);
      const rend = rbase + this.rsize(idx);
      if (rbase >= end) break;
      if (rend <= base) continue;
      if (rbase < base) {
        // Intersects from below: keep the top half here, insert the bottom before it.
        this.set64(this.w(idx, R_BASE), base);
        this.set64(this.w(idx, R_SIZE), rend - base);
        this.total_size = this.total_size - (base - rbase);
        this.insert(idx, rbase, base - rbase, this.rnid(idx), this.rflags(idx));
      } else if (rend > end) {
        // Intersects from above: keep the top half, insert the bottom and redo it.
        this.set64(this.w(idx, R_BASE), end);
        this.set64(this.w(idx, R_SIZE), rend - end);
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
  removeRange(base: phys_addr_t, size: phys_addr_t): number {
    const r = this.isolate(base, size);
    if (!r) return -ENOMEM;
    for (let i = r[1] - 1; i >= r[0]; i--) this.removeRegion(i);
    return 0;
  }

  /** memblock_set_node's work on one array: isolate, stamp nid, merge. */
  setNode(base: phys_addr_t, size: phys_addr_t, nid: number): number {
    const r = this.isolate(base, size);
    if (!r) return -ENOMEM;
    for (let i = r[0]; i < r[1]; i++) this.mem.store(this.w(i, R_NID), nid);
    this.merge(0, this.cnt - 1);
    return 0;
  }

  /** memblock_setclr_flag: isolate, then set or clear `flag` on every region of the range, merge. */
  setClearFlag(base: phys_addr_t, size: phys_addr_t, set: boolean, flag: number): number {
    const r = this.isolate(base, size);
    if (!r) return -ENOMEM;
    for (let i = r[0]; i < r[1]; i++) this.mem.store(this.w(i, R_FLAGS), set ? this.rflags(i) | flag : this.rflags(i) & ~flag);
    this.merge(r[0], r[1]);
    return 0;
  }

  /** memblock_double_array's copy: the array now holds twice as many slots (the new ones zeroed). */
  doubleSlots(): void {
    const old = this.max;
    for (let i = old; i < old * 2; i++) this.setRegion(i, 0n, 0n, 0, 0);
    this.max = old * 2;
  }

  /** memblock_overlaps_region: does [base, base+size) meet any region of the array? */
  overlaps(base: phys_addr_t, size: phys_addr_t): boolean {
    size = memblock_cap_size(base, size);
    for (let i = 0; i < this.cnt; i++) if (base < this.rend(i) && this.rbase(i) < base + size) return true;
    return false;
  }

  /** The debugfs view, /sys/kernel/debug/memblock/<name> (6.6: index and range). */
  debugfs(): string {
    return this.regions()
      .map((r, i) => `${String(i).padStart(4)}: ${pa(r.base)}..${paEnd(r.base, r.size)}`)
      .join('\n');
  }
}
