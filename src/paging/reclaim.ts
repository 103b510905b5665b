import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { MM_CPUMASK, MM_LOCK, MM_RSS_ANON, MM_STATE, MM_SWAPENTS, MM_LIVE, asidOf } from './mm.js';
import type { CpuContext } from './cpu_context.js';
import { PTE_A, PTE_P, PTE_SWAP, PTE_VALID, mkPte, ptePfn } from './pte.js';

/** Broken on purpose: write the page to swap before the shootdown, so a CPU still holding the translation can write after the copy was taken. */
export const VARIANT_WRITE_BEFORE_FLUSH = 3;

export const POLICIES = ['fifo', 'clock', 'lru'] as const;
export type Policy = (typeof POLICIES)[number];

/**
 * The reverse map and the replacement state, per frame: the mm that mapped it last (-1:
 * not a user page) and the vpn it sits at, when it was mapped (FIFO's order) and its age
 * byte (the LRU approximation's history of accessed bits).
 */
const R_MM = 0;
const R_VPN = 1;
const R_STAMP = 2;
const R_AGE = 3;
const RMAP_WORDS = 4;

/** The CPU reclaim runs on, with the machine's reverse map and replacement policy. */
export interface ReclaimCpu extends CpuContext {
  readonly sys: { readonly maxProcs: number; readonly rmap: RmapRef; readonly policy: Policy };
}

export interface RmapRef {
  base: number;
  nframes: number;
  /** The reclaim lock, the clock hand, the FIFO stamp counter. */
  lock: number;
  hand: number;
  stamp: number;
}

export function rmapBytes(nframes: number): number {
  return nframes * RMAP_WORDS * 4 + 256;
}

export function createRmap(arena: Arena, mem: Mem, nframes: number): RmapRef {
  const ref: RmapRef = {
    base: arena.allocWords('paging.rmap', nframes * RMAP_WORDS),
    nframes,
    lock: arena.allocWords('paging.reclaim.lock', 1),
    hand: arena.allocWords('paging.reclaim.hand', 1),
    stamp: arena.allocWords('paging.reclaim.stamp', 1),
  };
  for (let f = 0; f < nframes; f++) mem.store(ref.base + f * RMAP_WORDS + R_MM, -1);
  return ref;
}

/**
 * Page replacement, run by whichever CPU found no free frame (direct reclaim): pick a
 * victim by the policy, unmap it (its entry becomes a swap entry), shoot down every CPU
 * that may cache it, write its bytes to the swap file, and only then free the frame.
 * One reclaimer at a time (the reclaim lock, like a node's LRU lock); waiters serve
 * shootdowns.
 */
export class Reclaimer {
  private readonly mem: Mem;
  private readonly ref: RmapRef;
  /** Frames that failed eviction in this pass (locked or changed): not tried again in it. */
  private readonly skip: Uint8Array;
  /** The mappers of the frame at hand: mm slot, entry word, how its lock was entered. */
  private readonly mappers: Int32Array;
  private readonly slots: Int32Array;
  private readonly hows: Int32Array;

  constructor(private readonly cpu: ReclaimCpu) {
    this.mem = cpu.mem;
    this.ref = cpu.sys.rmap;
    this.skip = new Uint8Array(this.ref.nframes);
    this.mappers = new Int32Array(cpu.sys.maxProcs);
    this.slots = new Int32Array(cpu.sys.maxProcs);
    this.hows = new Int32Array(cpu.sys.maxProcs);
  }

  private w(pfn: number): number {
    return this.ref.base + pfn * RMAP_WORDS;
  }

  rmapSet(pfn: number, mm: number, vpn: number): void {
    const w = this.w(pfn);
    this.mem.store(w + R_VPN, vpn);
    this.mem.store(w + R_STAMP, this.mem.add(this.ref.stamp, 1));
    this.mem.store(w + R_AGE, 0);
    // Stryker disable next-line ArithmeticOperator: R_MM is 0, so w - R_MM is w (an equivalent mutant)
    this.mem.store(w + R_MM, mm);
  }

  rmapClear(pfn: number): void {
    // Stryker disable next-line ArithmeticOperator: R_MM is 0, so w - R_MM is w (an equivalent mutant)
    this.mem.store(this.w(pfn) + R_MM, -1);
  }

  /**
   * Take mm `mm`'s lock for reclaim: 1 taken, 2 already held by this CPU (reclaim entered
   * from a fault or fork of that mm, whose callers re-read entries after allocating), 0
   * busy elsewhere: never wait, as the holder may be waiting on us.
   */
  private enter(base: number): number {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    const word = base + MM_LOCK;
    if (this.cpu.trylock(word)) return 1;
    return this.mem.load(word) === this.cpu.id + 1 ? 2 : 0;
  }

  private leave(base: number, how: number): void {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    if (how === 1) this.cpu.unlock(base + MM_LOCK);
  }

  /**
   * The mms that map `pfn`, locked (how each was entered in `hows`), or -1 when one of them
   * is busy. A frame shared by fork sits at the same vpn in every mapper (mremap is not
   * modelled), so looking at that vpn in each live mm is the walk that Linux's anon_vma
   * chain makes.
   */
  private lockMappers(pfn: number): number {
    const mem = this.mem;
    const vpn = mem.load(this.w(pfn) + R_VPN);
    let n = 0;
    for (let mm = 0; mm < this.cpu.sys.maxProcs; mm++) {
      const base = this.cpu.mmBase(mm);
      if (mem.load(base + MM_STATE) !== MM_LIVE) continue;
      const how = this.enter(base);
      if (how === 0) {
        this.unlockMappers(n);
        return -1;
      }
      const slot = mem.load(base + MM_STATE) === MM_LIVE ? this.cpu.pt(mm).find(vpn) : -1;
      // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no entry sits there and <= 0 is < 0
      const e = slot < 0 ? 0 : mem.load(slot);
      if (e & PTE_P && ptePfn(e) === pfn) {
        this.mappers[n] = mm;
        this.slots[n] = slot;
        this.hows[n++] = how;
      } else {
        this.leave(base, how);
      }
    }
    return n;
  }

  private unlockMappers(n: number): void {
    for (let k = 0; k < n; k++) this.leave(this.cpu.mmBase(this.mappers[k]), this.hows[k]);
  }

  /** test_and_clear_young over every mapper: 1 referenced, 0 not, -1 not a candidate now. No flush: x86 clears A without one. */
  private young(pfn: number): number {
    const n = this.lockMappers(pfn);
    if (n <= 0) return -1;
    let r = 0;
    for (let k = 0; k < n; k++) if (this.mem.and(this.slots[k], ~PTE_A) & PTE_A) r = 1;
    this.unlockMappers(n);
    return r;
  }

  private victim(): number {
    const mem = this.mem;
    const n = this.ref.nframes;
    const policy = this.cpu.sys.policy;
    if (policy === 'clock') {
      // Second chance: a referenced frame loses its bit and is passed over once.
      for (let step = 0; step < 2 * n; step++) {
        const pfn = mem.add(this.ref.hand, 1) % n;
        if (this.skip[pfn]) continue;
        const y = this.young(pfn);
        if (y === 0) return pfn;
      }
      return -1;
    }
    let best = -1;
    let bestKey = Infinity;
    for (let pfn = 0; pfn < n; pfn++) {
      // Stryker disable next-line ArithmeticOperator: R_MM is 0, so w - R_MM is w (an equivalent mutant)
      if (this.skip[pfn] || mem.load(this.w(pfn) + R_MM) < 0) continue;
      let key: number;
      if (policy === 'fifo') {
        key = mem.load(this.w(pfn) + R_STAMP);
      } else {
        // Additional-reference-bits: shift the accessed bit into the age byte; the smallest is least recently used.
        const y = this.young(pfn);
        if (y < 0) continue;
        const age = (mem.load(this.w(pfn) + R_AGE) >>> 1) | (y << 7);
        mem.store(this.w(pfn) + R_AGE, age);
        key = age * 2 ** 31 + mem.load(this.w(pfn) + R_STAMP);
      }
      // Stryker disable next-line EqualityOperator: keys never tie (each rmapSet takes a new stamp, below 2^31), so <= picks the same frame
      if (key < bestKey) {
        bestKey = key;
        best = pfn;
      }
    }
    return best;
  }

  /** Evict one frame to swap; false when no candidate could be evicted. */
  reclaimOne(): boolean {
    const cpu = this.cpu;
    cpu.lock(this.ref.lock);
    this.skip.fill(0);
    let done = false;
    for (let tries = 0; tries < 8 && !done; tries++) {
      const pfn = this.victim();
      if (pfn < 0) break;
      done = this.evict(pfn);
      if (!done) this.skip[pfn] = 1;
    }
    cpu.unlock(this.ref.lock);
    return done;
  }

  /** shrink_folio_list for one frame: unmap it from every mapper to a swap entry, flush, write, free. */
  private evict(pfn: number): boolean {
    const cpu = this.cpu;
    const mem = this.mem;
    const swap = cpu.swap;
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: a Reclaimer is made only with a swap device (Cpu's constructor)
    if (!swap) return false;
    const n = this.lockMappers(pfn);
    if (n <= 0) return false;
    const vpn = mem.load(this.w(pfn) + R_VPN);
    const slot = n === cpu.frames.mapcount(pfn) ? swap.alloc() : -1;
    if (slot < 0) {
      this.unlockMappers(n);
      return false;
    }
    for (let k = 1; k < n; k++) swap.dup(slot);
    let unmapped = 0;
    for (; unmapped < n; unmapped++) {
      if (cpu.pt(this.mappers[unmapped]).set(vpn, mkPte(slot, PTE_SWAP | PTE_VALID)) < 0) break;
      const base = cpu.mmBase(this.mappers[unmapped]);
      cpu.frames.decMapcount(pfn);
      mem.sub(base + MM_RSS_ANON, 1);
      mem.add(base + MM_SWAPENTS, 1);
    }
    // Mappers whose table could not take the entry keep the page; their swap references go.
    for (let k = unmapped; k < n; k++) swap.free(slot);
    if (unmapped === n) this.rmapClear(pfn);
    this.unlockMappers(n);
    const early = cpu.variant === VARIANT_WRITE_BEFORE_FLUSH;
    if (early && unmapped > 0) swap.write(slot, cpu.frames.frameByteOffset(pfn));
    for (let k = 0; k < unmapped; k++) {
      const base = cpu.mmBase(this.mappers[k]);
      // No CPU may write the frame once these return, so the bytes written are final.
      cpu.sd.flush(asidOf(this.mappers[k]), vpn, 1, mem.load(base + MM_CPUMASK));
    }
    if (!early && unmapped > 0) swap.write(slot, cpu.frames.frameByteOffset(pfn));
    if (unmapped > 0) cpu.stats.swapOuts++;
    swap.free(slot);
    for (let k = 0; k < unmapped; k++) cpu.frames.free(pfn);
    return unmapped === n;
  }
}
