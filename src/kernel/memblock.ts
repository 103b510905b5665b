import { ConfigError, ENOMEM } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { PAGE_SIZE } from './mmzone.js';
import {
  INIT_MEMBLOCK_REGIONS, MAX_NUMNODES, MEMBLOCK_ALLOC_ANYWHERE, MEMBLOCK_NONE, M_BOTTOM_UP, M_CURRENT_LIMIT, M_DEBUG, M_HEADER,
  MemblockType, NUMA_NO_NODE, SMP_CACHE_BYTES, TYPE_WORDS, pa, paEnd, type MemblockRef,
} from './memblock_type.js';

export * from './memblock_type.js';

/** A free range: memory not reserved, with the node of its memory region. */
export interface FreeRange {
  start: number;
  end: number;
  nid: number;
}

/**
 * struct memblock: the two arrays, current_limit, bottom_up, and the memblock=debug
 * switch. Every call logs through `log` as memblock_dbg does once debug is on.
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
  get current_limit(): number {
    return (this.mem.load(this.ref.base + M_CURRENT_LIMIT) >>> 0) + 1;
  }
  set current_limit(limit: number) {
    this.mem.store(this.ref.base + M_CURRENT_LIMIT, (limit - 1) | 0);
  }

  private dbg(line: string): void {
    if (this.debug) this.log(line);
  }

  private checked(ret: number, what: string, type: MemblockType): number {
    // 6.6 panics when an array would need to grow before resizing is allowed.
    if (ret === -ENOMEM) throw new ConfigError('firmware', `memblock: cannot resize ${type.name} array during ${what}`, `at most ${INIT_MEMBLOCK_REGIONS} regions per array`);
    return ret;
  }

  /** memblock_add. */
  add(base: number, size: number, caller = 'memblock_add'): number {
    this.dbg(`memblock_add: [${pa(base)}-${pa(base + size - 1)}] ${caller}`);
    return this.checked(this.memory.addRange(base, size, MAX_NUMNODES, MEMBLOCK_NONE), 'memblock_add', this.memory);
  }

  /** memblock_add_node. */
  add_node(base: number, size: number, nid: number, caller = 'memblock_add_node'): number {
    this.dbg(`memblock_add_node: [${pa(base)}-${pa(base + size - 1)}] nid=${nid} flags=0x0 ${caller}`);
    return this.checked(this.memory.addRange(base, size, nid, MEMBLOCK_NONE), 'memblock_add_node', this.memory);
  }

  /** memblock_remove. */
  remove(base: number, size: number, caller = 'memblock_remove'): number {
    this.dbg(`memblock_remove: [${pa(base)}-${pa(base + size - 1)}] ${caller}`);
    return this.checked(this.memory.removeRange(base, size), 'memblock_remove', this.memory);
  }

  /** memblock_reserve. */
  reserve(base: number, size: number, caller = 'memblock_reserve'): number {
    this.dbg(`memblock_reserve: [${pa(base)}-${pa(base + size - 1)}] ${caller}`);
    return this.checked(this.reserved.addRange(base, size, MAX_NUMNODES, MEMBLOCK_NONE), 'memblock_reserve', this.reserved);
  }

  /** memblock_phys_free: give a reserved range back. */
  phys_free(base: number, size: number, caller = 'memblock_phys_free'): number {
    this.dbg(`memblock_phys_free: [${pa(base)}-${pa(base + size - 1)}] ${caller}`);
    return this.checked(this.reserved.removeRange(base, size), 'memblock_phys_free', this.reserved);
  }

  /** memblock_set_node on the memory array. */
  set_node(base: number, size: number, nid: number): number {
    return this.checked(this.memory.setNode(base, size, nid), 'memblock_set_node', this.memory);
  }

  /** for_each_free_mem_range: memory minus reserved, ascending, optionally of one node. */
  freeRanges(nid = NUMA_NO_NODE): FreeRange[] {
    const out: FreeRange[] = [];
    const res = this.reserved.regions().filter((r) => r.size > 0);
    for (const m of this.memory.regions()) {
      if (m.size === 0 || (nid !== NUMA_NO_NODE && m.nid !== nid)) continue;
      let start = m.base;
      const end = m.base + m.size;
      for (const r of res) {
        const rend = r.base + r.size;
        if (rend <= start || r.base >= end) continue;
        if (r.base > start) out.push({ start, end: r.base, nid: m.nid });
        start = Math.max(start, rend);
      }
      if (start < end) out.push({ start, end, nid: m.nid });
    }
    return out;
  }

  /**
   * memblock_find_in_range_node: top-down (or bottom-up) over free ranges clamped to
   * [start, end); never page 0; `round_down(this_end - size, align)` top-down.
   */
  find_in_range_node(size: number, align: number, start: number, end: number, nid: number): number {
    if (end > this.current_limit) end = this.current_limit;
    start = Math.max(start, PAGE_SIZE);
    end = Math.max(start, end);
    const ranges = this.freeRanges(nid);
    if (this.bottom_up) {
      for (const r of ranges) {
        const s = Math.min(Math.max(r.start, start), end);
        const e = Math.min(Math.max(r.end, start), end);
        const cand = Math.ceil(s / align) * align;
        if (cand < e && e - cand >= size) return cand;
      }
      return 0;
    }
    for (let i = ranges.length - 1; i >= 0; i--) {
      const s = Math.min(Math.max(ranges[i].start, start), end);
      const e = Math.min(Math.max(ranges[i].end, start), end);
      if (e < size) continue;
      const cand = Math.floor((e - size) / align) * align;
      if (cand >= s) return cand;
    }
    return 0;
  }

  /**
   * memblock_alloc_try_nid_raw / memblock_phys_alloc_range: find, falling back to any node
   * when the node has no room, then reserve. Returns the physical address or 0.
   */
  alloc_try_nid(size: number, align: number, min: number, max: number, nid: number, caller = 'memblock_alloc_try_nid'): number {
    this.dbg(`memblock_alloc_try_nid: ${size} bytes align=0x${align.toString(16)} nid=${nid} from=${pa(min)} max_addr=${pa(max === MEMBLOCK_ALLOC_ANYWHERE ? 0 : max)} ${caller}`);
    if (!align) align = SMP_CACHE_BYTES;
    let found = this.find_in_range_node(size, align, min, max || this.current_limit, nid);
    if (!found && nid !== NUMA_NO_NODE) found = this.find_in_range_node(size, align, min, max || this.current_limit, NUMA_NO_NODE);
    if (!found) return 0;
    if (this.reserved.addRange(found, size, MAX_NUMNODES, MEMBLOCK_NONE) < 0) return 0;
    return found;
  }

  /** memblock_alloc: anywhere under current_limit, any node. */
  alloc(size: number, align: number): number {
    return this.alloc_try_nid(size, align, 0, 0, NUMA_NO_NODE, 'memblock_alloc');
  }

  start_of_DRAM(): number {
    return this.memory.rbase(0);
  }

  end_of_DRAM(): number {
    const last = this.memory.cnt - 1;
    return this.memory.rbase(last) + this.memory.rsize(last);
  }

  phys_mem_size(): number {
    return this.memory.total_size;
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

  /** Invariants: sorted, non-overlapping, merged, totals right. */
  audit(): string[] {
    const v: string[] = [];
    for (const t of [this.memory, this.reserved]) {
      let total = 0;
      for (let i = 0; i < t.cnt; i++) {
        total += t.rsize(i);
        if (i === 0) continue;
        const prevEnd = t.rbase(i - 1) + t.rsize(i - 1);
        if (prevEnd > t.rbase(i)) v.push(`${t.name}[${i - 1}] overlaps ${t.name}[${i}]`);
        else if (prevEnd === t.rbase(i) && t.rnid(i) === t.rnid(i - 1) && t.rflags(i) === t.rflags(i - 1)) v.push(`${t.name}[${i - 1}] and [${i}] touch with the same nid and flags but were not merged`);
      }
      if (total !== t.total_size) v.push(`${t.name}.total_size ${t.total_size} != sum of regions ${total}`);
    }
    return v;
  }
}

