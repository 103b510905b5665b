import { ConfigError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { PAGE_SIZE } from './mmzone.js';
import {
  MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, MEMBLOCK_ALLOC_ANYWHERE, MEMBLOCK_ALLOC_NOLEAKTRACE, MEMBLOCK_DRIVER_MANAGED,
  INIT_MEMBLOCK_REGIONS, MEMBLOCK_LOW_LIMIT, MEMBLOCK_MIRROR, MEMBLOCK_MODEL_MAX_REGIONS, MEMBLOCK_NOMAP, MEMBLOCK_NONE, M_BOTTOM_UP,
  M_CAN_RESIZE, M_CURRENT_LIMIT, M_DEBUG, M_HEADER, M_MEMORY_HOME, M_RESERVED_HOME, MemblockType, NUMA_NO_NODE, PHYS_ADDR_MAX, SIZEOF_MEMBLOCK_REGION,
  SMP_CACHE_BYTES, TYPE_WORDS, ARCH_LOW_ADDRESS_LIMIT, max, min, pa, paEnd, u64, type MemblockRef, type phys_addr_t,
} from './memblock_type.js';

export * from './memblock_type.js';

/** A free range: memory not reserved, with the node of its memory region. */
export interface FreeRange {
  start: phys_addr_t;
  end: phys_addr_t;
  nid: number;
}

const PAGE = BigInt(PAGE_SIZE);
const round_down = (v: bigint, a: bigint): bigint => v - (v % a);
const round_up = (v: bigint, a: bigint): bigint => round_down(v + a - 1n, a);
const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => min(max(v, lo), hi);
const PAGE_ALIGN = (v: bigint): bigint => round_up(v, PAGE);

/**
 * should_skip_region for memblock.memory (6.6): another node's region, non-mirror memory
 * when asked for mirror, nomap and driver-managed memory unless asked for them. Hotplug
 * regions are skipped only with movable_node, which this model never enables.
 */
function skipRegion(m: { nid: number; flags: number }, nid: number, flags: number): boolean {
  if (nid !== NUMA_NO_NODE && nid !== m.nid) return true;
  if (flags & MEMBLOCK_MIRROR && !(m.flags & MEMBLOCK_MIRROR)) return true;
  if (!(flags & MEMBLOCK_NOMAP) && m.flags & MEMBLOCK_NOMAP) return true;
  if (!(flags & MEMBLOCK_DRIVER_MANAGED) && m.flags & MEMBLOCK_DRIVER_MANAGED) return true;
  return false;
}

/**
 * struct memblock: the two arrays, current_limit, bottom_up, memblock_can_resize and the
 * memblock=debug switch. Every call logs through `log` as memblock_dbg does once debug is on.
 */
export class Memblock {
  readonly memory: MemblockType;
  readonly reserved: MemblockType;

  static words(): number {
    return M_HEADER + 2 * TYPE_WORDS;
  }

  static create(arena: Arena, mem: Mem, log: (line: string) => void): Memblock {
    const base = arena.allocWords('memblock', Memblock.words());
    const m = new Memblock(mem, { base }, log);
    m.memory.init();
    m.reserved.init();
    m.current_limit = MEMBLOCK_ALLOC_ANYWHERE;
    return m;
  }

  constructor(
    private readonly mem: Mem,
    readonly ref: MemblockRef,
    private readonly log: (line: string) => void = () => {},
  ) {
    this.memory = new MemblockType(mem, ref.base + M_HEADER, 'memory');
    this.reserved = new MemblockType(mem, ref.base + M_HEADER + TYPE_WORDS, 'reserved');
    const grow = (t: MemblockType, s: phys_addr_t, n: phys_addr_t) => this.double_array(t, s, n);
    this.memory.grow = grow;
    this.reserved.grow = grow;
  }

  get debug(): boolean {
    return this.mem.load(this.ref.base + M_DEBUG) !== 0;
  }
  set debug(on: boolean) {
    this.mem.store(this.ref.base + M_DEBUG, on ? 1 : 0);
  }
  get bottom_up(): boolean {
    return this.mem.load(this.ref.base + M_BOTTOM_UP) !== 0;
  }
  set bottom_up(on: boolean) {
    this.mem.store(this.ref.base + M_BOTTOM_UP, on ? 1 : 0);
  }
  get current_limit(): phys_addr_t {
    return u64(this.mem.load64((this.ref.base + M_CURRENT_LIMIT) >> 1));
  }
  set current_limit(limit: phys_addr_t) {
    this.mem.store64((this.ref.base + M_CURRENT_LIMIT) >> 1, BigInt.asIntN(64, limit));
  }
  /** memblock_can_resize: off until memblock_allow_resize (setup_arch, once the reservations are known). */
  get can_resize(): boolean {
    return this.mem.load(this.ref.base + M_CAN_RESIZE) !== 0;
  }
  allow_resize(): void {
    this.mem.store(this.ref.base + M_CAN_RESIZE, 1);
  }

  private dbg(line: string): void {
    if (this.debug) this.log(line);
  }

  /**
   * memblock_double_array: find PAGE_ALIGN(2 * max * sizeof(region)) bytes of free memory
   * (for `reserved`, away from the range being reserved: above it, else below it), move
   * the array there and reserve the new home. Before memblock_allow_resize, 6.6 panics.
   */
  private double_array(type: MemblockType, newAreaStart: phys_addr_t, newAreaSize: phys_addr_t): number {
    if (!this.can_resize) {
      throw new ConfigError('firmware', `memblock: cannot resize ${type.name} array`, `at most ${type.max} regions per array before memblock_allow_resize`);
    }
    const newAllocSize = PAGE_ALIGN(BigInt(type.max * 2 * SIZEOF_MEMBLOCK_REGION));
    if (type !== this.reserved) newAreaStart = newAreaSize = 0n;
    let addr = type.max * 2 > MEMBLOCK_MODEL_MAX_REGIONS ? 0n : this.find_in_range(newAreaStart + newAreaSize, this.current_limit, newAllocSize, PAGE);
    if (!addr && newAreaSize && type.max * 2 <= MEMBLOCK_MODEL_MAX_REGIONS) addr = this.find_in_range(0n, min(newAreaStart, this.current_limit), newAllocSize, PAGE);
    if (!addr) {
      this.log(`memblock: Failed to double ${type.name} array from ${type.max} to ${type.max * 2} entries !`);
      return -1;
    }
    this.dbg(`memblock: ${type.name} is doubled to ${type.max * 2} at [${pa(addr)}-${pa(addr + BigInt(type.max * 2 * SIZEOF_MEMBLOCK_REGION) - 1n)}]`);
    type.doubleSlots();
    // The old array is the static one the first time (never freed); later ones came from memblock.
    const home = (this.ref.base + (type === this.memory ? M_MEMORY_HOME : M_RESERVED_HOME)) >> 1;
    if (type.max > 2 * INIT_MEMBLOCK_REGIONS) this.reserved.removeRange(u64(this.mem.load64(home)), PAGE_ALIGN(BigInt((type.max / 2) * SIZEOF_MEMBLOCK_REGION)));
    this.mem.store64(home, BigInt.asIntN(64, addr));
    if (this.reserved.addRange(addr, newAllocSize, MAX_NUMNODES, MEMBLOCK_NONE) < 0) throw new Error('memblock: BUG_ON(memblock_reserve) of a doubled array');
    return 0;
  }

  /** memblock_add. */
  add(base: phys_addr_t, size: phys_addr_t, caller = 'memblock_add'): number {
    this.dbg(`memblock_add: [${pa(base)}-${paEnd(base, size)}] ${caller}`);
    return this.memory.addRange(base, size, MAX_NUMNODES, MEMBLOCK_NONE);
  }

  /** memblock_add_node: with the node and the flags (MEMBLOCK_HOTPLUG for hot-added memory). */
  add_node(base: phys_addr_t, size: phys_addr_t, nid: number, flags = MEMBLOCK_NONE, caller = 'memblock_add_node'): number {
    this.dbg(`memblock_add_node: [${pa(base)}-${paEnd(base, size)}] nid=${nid} flags=0x${flags.toString(16)} ${caller}`);
    return this.memory.addRange(base, size, nid, flags);
  }

  /** memblock_remove. */
  remove(base: phys_addr_t, size: phys_addr_t, caller = 'memblock_remove'): number {
    this.dbg(`memblock_remove: [${pa(base)}-${paEnd(base, size)}] ${caller}`);
    return this.memory.removeRange(base, size);
  }

  /** memblock_reserve. */
  reserve(base: phys_addr_t, size: phys_addr_t, caller = 'memblock_reserve'): number {
    this.dbg(`memblock_reserve: [${pa(base)}-${paEnd(base, size)}] ${caller}`);
    return this.reserved.addRange(base, size, MAX_NUMNODES, MEMBLOCK_NONE);
  }

  /** memblock_phys_free (and memblock_free, whose pointer is the physical address here). */
  phys_free(base: phys_addr_t, size: phys_addr_t, caller = 'memblock_phys_free'): number {
    this.dbg(`memblock_phys_free: [${pa(base)}-${paEnd(base, size)}] ${caller}`);
    return this.reserved.removeRange(base, size);
  }

  /** memblock_set_node on the memory array. */
  set_node(base: phys_addr_t, size: phys_addr_t, nid: number): number {
    return this.memory.setNode(base, size, nid);
  }

  /** memblock_mark_hotplug / memblock_clear_hotplug / memblock_mark_mirror / memblock_mark_nomap / memblock_clear_nomap. */
  mark(base: phys_addr_t, size: phys_addr_t, flag: number, set = true): number {
    return this.memory.setClearFlag(base, size, set, flag);
  }

  /** memblock_overlaps_region. */
  overlaps_region(type: MemblockType, base: phys_addr_t, size: phys_addr_t): boolean {
    return type.overlaps(base, size);
  }

  /**
   * memblock_trim_memory: round every memory region in to `align`; a region left empty is
   * removed. As in 6.6, a shrunk region does not update memory.total_size.
   */
  trim_memory(align: phys_addr_t): void {
    const t = this.memory;
    for (let i = 0; i < t.cnt; i++) {
      const origStart = t.rbase(i);
      const origEnd = t.rend(i);
      const start = round_up(origStart, align);
      const end = round_down(origEnd, align);
      if (start === origStart && end === origEnd) continue;
      if (start < end) t.setRegion(i, start, end - start, t.rflags(i), t.rnid(i));
      else t.removeRegion(i--);
    }
  }

  /** for_each_free_mem_range: memory minus reserved, ascending, of one node or all, skipping as should_skip_region does. */
  freeRanges(nid = NUMA_NO_NODE, flags = MEMBLOCK_NONE): FreeRange[] {
    const out: FreeRange[] = [];
    const res = this.reserved.regions().filter((r) => r.size > 0n);
    for (const m of this.memory.regions()) {
      if (m.size === 0n || skipRegion(m, nid, flags)) continue;
      let start = m.base;
      const end = m.base + m.size;
      for (const r of res) {
        const rend = r.base + r.size;
        if (rend <= start || r.base >= end) continue;
        if (r.base > start) out.push({ start, end: r.base, nid: m.nid });
        start = max(start, rend);
      }
      if (start < end) out.push({ start, end, nid: m.nid });
    }
    return out;
  }

  /**
   * memblock_find_in_range_node: ACCESSIBLE and NOLEAKTRACE mean current_limit; never page
   * 0; top-down takes round_down(this_end - size, align) of the highest range that fits,
   * bottom-up round_up(this_start, align) of the lowest.
   */
  find_in_range_node(size: phys_addr_t, align: phys_addr_t, start: phys_addr_t, end: phys_addr_t, nid: number, flags = MEMBLOCK_NONE): phys_addr_t {
    if (end === MEMBLOCK_ALLOC_ACCESSIBLE || end === MEMBLOCK_ALLOC_NOLEAKTRACE) end = this.current_limit;
    start = max(start, PAGE);
    end = max(start, end);
    const ranges = this.freeRanges(nid, flags);
    if (this.bottom_up) {
      for (const r of ranges) {
        const s = clamp(r.start, start, end);
        const e = clamp(r.end, start, end);
        const cand = round_up(s, align);
        if (cand < e && e - cand >= size) return cand;
      }
      return 0n;
    }
    for (let i = ranges.length - 1; i >= 0; i--) {
      const s = clamp(ranges[i].start, start, end);
      const e = clamp(ranges[i].end, start, end);
      if (e < size) continue;
      const cand = round_down(e - size, align);
      if (cand >= s) return cand;
    }
    return 0n;
  }

  /** memblock_find_in_range: any node, no mirror requirement (choose_memblock_flags without mirrored memory). */
  find_in_range(start: phys_addr_t, end: phys_addr_t, size: phys_addr_t, align: phys_addr_t): phys_addr_t {
    return this.find_in_range_node(size, align, start, end, NUMA_NO_NODE, MEMBLOCK_NONE);
  }

  /**
   * memblock_alloc_range_nid: find in the node, else (unless exact_nid) in any node, and
   * reserve. An align of 0 is SMP_CACHE_BYTES (with a dump_stack in the kernel). 0 on failure.
   */
  alloc_range_nid(size: phys_addr_t, align: phys_addr_t, start: phys_addr_t, end: phys_addr_t, nid: number, exact_nid: boolean): phys_addr_t {
    if (nid === MAX_NUMNODES) nid = NUMA_NO_NODE;
    if (!align) align = BigInt(SMP_CACHE_BYTES);
    let found = this.find_in_range_node(size, align, start, end, nid);
    if (found && !this.reserve(found, size, 'memblock_alloc_range_nid')) return found;
    if (nid !== NUMA_NO_NODE && !exact_nid) {
      found = this.find_in_range_node(size, align, start, end, NUMA_NO_NODE);
      if (found && !this.reserve(found, size, 'memblock_alloc_range_nid')) return found;
    }
    return 0n;
  }

  /** memblock_phys_alloc_range. */
  phys_alloc_range(size: phys_addr_t, align: phys_addr_t, start: phys_addr_t, end: phys_addr_t): phys_addr_t {
    return this.alloc_range_nid(size, align, start, end, NUMA_NO_NODE, false);
  }

  /** memblock_phys_alloc_try_nid. */
  phys_alloc_try_nid(size: phys_addr_t, align: phys_addr_t, nid: number): phys_addr_t {
    return this.alloc_range_nid(size, align, 0n, MEMBLOCK_ALLOC_ACCESSIBLE, nid, false);
  }

  /**
   * memblock_alloc_internal: max_addr capped at current_limit; when [min_addr, max_addr)
   * has no room, one retry from address 0.
   */
  alloc_internal(size: phys_addr_t, align: phys_addr_t, minAddr: phys_addr_t, maxAddr: phys_addr_t, nid: number, exact_nid: boolean): phys_addr_t {
    if (maxAddr > this.current_limit) maxAddr = this.current_limit;
    let found = this.alloc_range_nid(size, align, minAddr, maxAddr, nid, exact_nid);
    if (!found && minAddr) found = this.alloc_range_nid(size, align, 0n, maxAddr, nid, exact_nid);
    return found;
  }

  private dbgAlloc(fn: string, size: phys_addr_t, align: phys_addr_t, nid: number, minAddr: phys_addr_t, maxAddr: phys_addr_t, caller: string): void {
    this.dbg(`${fn}: ${size} bytes align=0x${align.toString(16)} nid=${nid} from=${pa(minAddr)} max_addr=${pa(maxAddr)} ${caller}`);
  }

  /** memblock_alloc_try_nid_raw (memblock_alloc_try_nid zeroes the memory too; contents are not modelled here). */
  alloc_try_nid(size: phys_addr_t, align: phys_addr_t, minAddr: phys_addr_t, maxAddr: phys_addr_t, nid: number, caller = 'memblock_alloc_try_nid'): phys_addr_t {
    this.dbgAlloc('memblock_alloc_try_nid', size, align, nid, minAddr, maxAddr, caller);
    return this.alloc_internal(size, align, minAddr, maxAddr, nid, false);
  }

  /** memblock_alloc_exact_nid_raw: the node's memory or nothing. */
  alloc_exact_nid(size: phys_addr_t, align: phys_addr_t, minAddr: phys_addr_t, maxAddr: phys_addr_t, nid: number, caller = 'memblock_alloc_exact_nid_raw'): phys_addr_t {
    this.dbgAlloc('memblock_alloc_exact_nid_raw', size, align, nid, minAddr, maxAddr, caller);
    return this.alloc_internal(size, align, minAddr, maxAddr, nid, true);
  }

  /** memblock_alloc: anywhere under current_limit, any node. */
  alloc(size: phys_addr_t, align: phys_addr_t): phys_addr_t {
    return this.alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'memblock_alloc');
  }

  /** memblock_alloc_from: at or above min_addr, else (the retry) anywhere. */
  alloc_from(size: phys_addr_t, align: phys_addr_t, minAddr: phys_addr_t): phys_addr_t {
    return this.alloc_try_nid(size, align, minAddr, MEMBLOCK_ALLOC_ACCESSIBLE, NUMA_NO_NODE, 'memblock_alloc_from');
  }

  /** memblock_alloc_low: below ARCH_LOW_ADDRESS_LIMIT. */
  alloc_low(size: phys_addr_t, align: phys_addr_t): phys_addr_t {
    return this.alloc_try_nid(size, align, MEMBLOCK_LOW_LIMIT, ARCH_LOW_ADDRESS_LIMIT, NUMA_NO_NODE, 'memblock_alloc_low');
  }

  start_of_DRAM(): phys_addr_t {
    return this.memory.rbase(0);
  }

  end_of_DRAM(): phys_addr_t {
    return this.memory.rend(this.memory.cnt - 1);
  }

  phys_mem_size(): phys_addr_t {
    return this.memory.total_size;
  }

  reserved_size(): phys_addr_t {
    return this.reserved.total_size;
  }

  /** __memblock_dump_all: the "MEMBLOCK configuration:" block memblock=debug prints. */
  dump_all(): string[] {
    const lines = ['MEMBLOCK configuration:', ` memory size = ${pa(this.memory.total_size)} reserved size = ${pa(this.reserved.total_size)}`];
    for (const t of [this.memory, this.reserved]) {
      lines.push(` ${t.name}.cnt  = 0x${t.cnt.toString(16)}`);
      t.regions().forEach((r, i) => {
        const node = r.nid !== MAX_NUMNODES ? ` on node ${r.nid}` : '';
        lines.push(` ${t.name}[0x${i.toString(16)}]\t[${pa(r.base)}-${paEnd(r.base, r.size)}], ${pa(r.size)} bytes${node} flags: 0x${r.flags.toString(16)}`);
      });
    }
    return lines;
  }

  /** Invariants: sorted, non-overlapping, merged, inside PHYS_ADDR_MAX, totals right. */
  audit(): string[] {
    const v: string[] = [];
    for (const t of [this.memory, this.reserved]) {
      let total = 0n;
      for (let i = 0; i < t.cnt; i++) {
        total += t.rsize(i);
        if (t.rend(i) > PHYS_ADDR_MAX) v.push(`${t.name}[${i}] ends past PHYS_ADDR_MAX`);
        if (i === 0) continue;
        const prevEnd = t.rend(i - 1);
        if (prevEnd > t.rbase(i)) v.push(`${t.name}[${i - 1}] overlaps ${t.name}[${i}]`);
        else if (prevEnd === t.rbase(i) && t.rnid(i) === t.rnid(i - 1) && t.rflags(i) === t.rflags(i - 1)) v.push(`${t.name}[${i - 1}] and [${i}] touch with the same nid and flags but were not merged`);
      }
      if (total !== t.total_size) v.push(`${t.name}.total_size ${t.total_size} != sum of regions ${total}`);
    }
    return v;
  }
}
