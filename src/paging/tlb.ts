import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';

/** An entry: ASID (-1 when invalid), the vpn in two words, the cached PTE, the LRU stamp. */
const T_ASID = 0;
const T_VPN_LO = 1;
const T_VPN_HI = 2;
const T_PTE = 3;
const T_STAMP = 4;
export const TLB_ENTRY_WORDS = 8;
const INVALID = -1;

/** Above this many pages a range flush drops the whole ASID: Linux's tlb_single_page_flush_ceiling (33). */
export const FLUSH_CEILING = 33;

/** Where each CPU's TLB lives in the image: plain data. */
export interface TlbRef {
  cpus: number;
  entries: number;
  base: number;
}

export function createTlbs(arena: Arena, mem: Mem, cpus: number, entries: number): TlbRef {
  const ref = { cpus, entries, base: arena.allocWords('paging.tlb', cpus * entries * TLB_ENTRY_WORDS) };
  for (let i = 0; i < cpus * entries; i++) mem.store(ref.base + i * TLB_ENTRY_WORDS + T_ASID, INVALID);
  return ref;
}

/**
 * One CPU's TLB: a fully associative cache of (ASID, vpn) -> PTE with LRU replacement.
 * ASIDs tag entries, so a context switch need not flush. Only its own CPU reads or writes
 * it (a remote CPU asks through a shootdown, never touches it), hence plain accesses; it
 * sits in the image so that the oracles can audit every TLB after a run.
 */
export class Tlb {
  hits = 0;
  misses = 0;
  /** The LRU clock: the stamp of the latest use. */
  private clock = 0;
  private readonly base: number;
  readonly size: number;

  constructor(
    private readonly mem: Mem,
    ref: TlbRef,
    readonly cpu: number,
  ) {
    this.size = ref.entries;
    this.base = ref.base + cpu * ref.entries * TLB_ENTRY_WORDS;
  }

  /** The cached PTE of (asid, vpn), or 0 on a miss. Every entry is compared, as associative memory does at once. */
  lookup(asid: number, vpn: number): number {
    const mem = this.mem;
    const lo = vpn | 0;
    const hi = (vpn / 4294967296) | 0;
    for (let i = 0, w = this.base; i < this.size; i++, w += TLB_ENTRY_WORDS) {
      if (mem.read(w + T_VPN_LO) === lo && mem.read(w + T_ASID) === asid && mem.read(w + T_VPN_HI) === hi) {
        mem.write(w + T_STAMP, ++this.clock);
        this.hits++;
        return mem.read(w + T_PTE);
      }
    }
    this.misses++;
    return 0;
  }

  /** Fill (asid, vpn) -> pte into an invalid entry, else the least recently used one. */
  insert(asid: number, vpn: number, pte: number): void {
    const mem = this.mem;
    const lo = vpn | 0;
    const hi = (vpn / 4294967296) | 0;
    let victim = this.base;
    let oldest = Infinity;
    for (let i = 0, w = this.base; i < this.size; i++, w += TLB_ENTRY_WORDS) {
      const a = mem.read(w + T_ASID);
      if (a === asid && mem.read(w + T_VPN_LO) === lo && mem.read(w + T_VPN_HI) === hi) {
        victim = w;
        break;
      }
      const s = a === INVALID ? -1 : mem.read(w + T_STAMP);
      if (s < oldest) {
        oldest = s;
        victim = w;
      }
    }
    mem.write(victim + T_VPN_LO, vpn | 0);
    mem.write(victim + T_VPN_HI, (vpn / 4294967296) | 0);
    mem.write(victim + T_PTE, pte);
    mem.write(victim + T_STAMP, ++this.clock);
    mem.write(victim + T_ASID, asid);
  }

  /** invlpg for each page of [start, start + n) in `asid`; past the ceiling, the whole ASID. */
  flushRange(asid: number, start: number, n: number): void {
    if (n > FLUSH_CEILING) {
      this.flushAsid(asid);
      return;
    }
    const mem = this.mem;
    for (let i = 0, w = this.base; i < this.size; i++, w += TLB_ENTRY_WORDS) {
      if (mem.read(w + T_ASID) !== asid) continue;
      const vpn = (mem.read(w + T_VPN_LO) >>> 0) + mem.read(w + T_VPN_HI) * 4294967296;
      if (vpn >= start && vpn < start + n) mem.write(w + T_ASID, INVALID);
    }
  }

  flushAsid(asid: number): void {
    for (let i = 0, w = this.base; i < this.size; i++, w += TLB_ENTRY_WORDS) {
      if (this.mem.read(w + T_ASID) === asid) this.mem.write(w + T_ASID, INVALID);
    }
  }

  hitRatio(): number {
    const n = this.hits + this.misses;
    return n === 0 ? 0 : this.hits / n;
  }

  /** Every valid entry, for audits: (cpu, asid, vpn, pte). */
  static entries(mem: Mem, ref: TlbRef, visit: (cpu: number, asid: number, vpn: number, pte: number) => void): void {
    for (let c = 0; c < ref.cpus; c++) {
      for (let i = 0; i < ref.entries; i++) {
        const w = ref.base + (c * ref.entries + i) * TLB_ENTRY_WORDS;
        const asid = mem.load(w + T_ASID);
        if (asid !== INVALID) visit(c, asid, (mem.load(w + T_VPN_LO) >>> 0) + mem.load(w + T_VPN_HI) * 4294967296, mem.load(w + T_PTE));
      }
    }
  }

  /** No two valid entries of one TLB cache the same (asid, vpn). */
  static audit(mem: Mem, ref: TlbRef): Violation[] {
    const out: Violation[] = [];
    const seen = new Set<string>();
    Tlb.entries(mem, ref, (cpu, asid, vpn) => {
      const k = `${cpu}/${asid}/${vpn}`;
      if (seen.has(k)) out.push({ message: `TLB of cpu ${cpu} caches asid ${asid} vpn ${vpn} twice`, where: `cpu ${cpu}` });
      seen.add(k);
    });
    return out;
  }
}

/**
 * Effective access time in memory-access units, the textbook's formula: a hit costs the
 * TLB lookup e and one memory access, a miss e, one access for the (single-level) table
 * and one for the data: EAT = (1 + e)a + (2 + e)(1 - a).
 */
export function eatFormula(alpha: number, epsilon: number): number {
  return (1 + epsilon) * alpha + (2 + epsilon) * (1 - alpha);
}

/** Demand-paging EAT: (1 - p) * memory access + p * fault service time (same units). */
export function eatDemand(p: number, accessNs: number, faultNs: number): number {
  return (1 - p) * accessNs + p * faultNs;
}
