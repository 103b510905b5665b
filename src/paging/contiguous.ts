import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';

export const FITS = ['first', 'next', 'best', 'worst'] as const;
export type Fit = (typeof FITS)[number];
const FIT_CODE: Record<Fit, number> = { first: 0, next: 1, best: 2, worst: 3 };

/** Header words: the lock, the number of holes, next-fit's roving pointer (an address), the memory size. */
const H_LOCK = 0;
const H_HOLES = 1;
const H_ROVER = 2;
const H_SIZE = 3;
const HEADER_WORDS = 16;

/** Variable partitions over one region of `size` units: plain data for workers. */
export interface ContigRef {
  header: number;
  /** Holes as [start, size] pairs, sorted by start. */
  holes: number;
  maxHoles: number;
  size: number;
}

/**
 * Variable-partition allocation: the holes of memory kept sorted by address; a request
 * takes a hole by first, next, best or worst fit and splits it; a release makes a hole and
 * merges it with the neighbours it touches. One lock, as the OS's free-memory table has.
 * Sizes and addresses are in allocation units (the caller rounds requests up to a unit,
 * which is where internal fragmentation comes from).
 */
export class ContiguousAllocator {
  /** Holes examined by the last `alloc` (its search length). */
  searched = 0;
  private readonly lock: SpinLock;

  static create(arena: Arena, mem: Mem, name: string, size: number, maxHoles: number): ContigRef {
    const ref: ContigRef = {
      header: arena.allocWords(`${name}.header`, HEADER_WORDS),
      holes: arena.allocWords(`${name}.holes`, maxHoles * 2),
      maxHoles,
      size,
    };
    mem.store(ref.header + H_SIZE, size);
    mem.store(ref.holes, 0);
    mem.store(ref.holes + 1, size);
    mem.store(ref.header + H_HOLES, 1);
    return ref;
  }

  static bytes(maxHoles: number): number {
    return (HEADER_WORDS + maxHoles * 2) * 4 + 128;
  }

  constructor(
    private readonly mem: Mem,
    readonly ref: ContigRef,
    private readonly owner: number,
  ) {
    // Stryker disable next-line ArithmeticOperator: H_LOCK is 0, so ref.header - H_LOCK is ref.header (an equivalent mutant)
    this.lock = new SpinLock(mem, ref.header + H_LOCK);
  }

  /** Callers that must keep partitions still while they use them (compaction, fills) hold this. */
  enter(): void {
    this.lock.lock(this.owner);
  }
  leave(): void {
    this.lock.unlock();
  }

  holeCount(): number {
    return this.mem.load(this.ref.header + H_HOLES);
  }
  holeStart(i: number): number {
    return this.mem.load(this.ref.holes + 2 * i);
  }
  holeSize(i: number): number {
    return this.mem.load(this.ref.holes + 2 * i + 1);
  }

  /** Pick a hole of at least `size` by `fit`; -1 when none. Counts the holes examined. */
  private pick(size: number, fit: number): number {
    const n = this.holeCount();
    this.searched = 0;
    if (fit === FIT_CODE.first || fit === FIT_CODE.next) {
      let from = 0;
      if (fit === FIT_CODE.next) {
        // Resume at the first hole at or after where the last allocation ended.
        const rover = this.mem.load(this.ref.header + H_ROVER);
        while (from < n && this.holeStart(from) < rover) from++;
      }
      for (let k = 0; k < n; k++) {
        const i = (from + k) % n;
        this.searched++;
        if (this.holeSize(i) >= size) return i;
      }
      return -1;
    }
    // Best and worst fit must look at every hole (the list is sorted by address, not size).
    let pick = -1;
    for (let i = 0; i < n; i++) {
      this.searched++;
      const s = this.holeSize(i);
      if (s < size) continue;
      if (pick < 0 || (fit === FIT_CODE.best ? s < this.holeSize(pick) : s > this.holeSize(pick))) pick = i;
    }
    return pick;
  }

  /** The start of a partition of `size` units, or -1 (no hole is big enough). Call between enter() and leave(). */
  allocLocked(size: number, fit: Fit): number {
    const i = this.pick(size, FIT_CODE[fit]);
    if (i < 0) return -1;
    const mem = this.mem;
    const start = this.holeStart(i);
    const left = this.holeSize(i) - size;
    if (left > 0) {
      mem.store(this.ref.holes + 2 * i, start + size);
      mem.store(this.ref.holes + 2 * i + 1, left);
    } else {
      this.removeHole(i);
    }
    mem.store(this.ref.header + H_ROVER, start + size);
    return start;
  }

  alloc(size: number, fit: Fit): number {
    this.enter();
    const r = this.allocLocked(size, fit);
    this.leave();
    return r;
  }

  private removeHole(i: number): void {
    const mem = this.mem;
    const n = this.holeCount();
    for (let k = i; k < n - 1; k++) {
      mem.store(this.ref.holes + 2 * k, this.holeStart(k + 1));
      mem.store(this.ref.holes + 2 * k + 1, this.holeSize(k + 1));
    }
    mem.store(this.ref.header + H_HOLES, n - 1);
  }

  /**
   * Release [start, start + size): a new hole, merged with the hole just before and just
   * after when they touch. False when the hole table is full (the caller keeps the
   * partition). Call between enter() and leave().
   */
  freeLocked(start: number, size: number): boolean {
    const mem = this.mem;
    const n = this.holeCount();
    let i = 0;
    while (i < n && this.holeStart(i) < start) i++;
    const mergeLeft = i > 0 && this.holeStart(i - 1) + this.holeSize(i - 1) === start;
    const mergeRight = i < n && start + size === this.holeStart(i);
    if (mergeLeft && mergeRight) {
      mem.store(this.ref.holes + 2 * (i - 1) + 1, this.holeSize(i - 1) + size + this.holeSize(i));
      this.removeHole(i);
    } else if (mergeLeft) {
      mem.store(this.ref.holes + 2 * (i - 1) + 1, this.holeSize(i - 1) + size);
    } else if (mergeRight) {
      mem.store(this.ref.holes + 2 * i, start);
      mem.store(this.ref.holes + 2 * i + 1, size + this.holeSize(i));
    } else {
      if (n === this.ref.maxHoles) return false;
      // Stryker disable next-line EqualityOperator: with k >= i the extra copy into slot i is overwritten just below (an equivalent mutant)
      for (let k = n; k > i; k--) {
        mem.store(this.ref.holes + 2 * k, this.holeStart(k - 1));
        mem.store(this.ref.holes + 2 * k + 1, this.holeSize(k - 1));
      }
      mem.store(this.ref.holes + 2 * i, start);
      mem.store(this.ref.holes + 2 * i + 1, size);
      mem.store(this.ref.header + H_HOLES, n + 1);
    }
    return true;
  }

  free(start: number, size: number): boolean {
    this.enter();
    const r = this.freeLocked(start, size);
    this.leave();
    return r;
  }

  freeUnits(): number {
    let s = 0;
    for (let i = 0; i < this.holeCount(); i++) s += this.holeSize(i);
    return s;
  }

  largestHole(): number {
    let m = 0;
    for (let i = 0; i < this.holeCount(); i++) m = Math.max(m, this.holeSize(i));
    return m;
  }

  /** External fragmentation: the share of free memory outside the largest hole (0 when free memory is one hole). */
  externalFragmentation(): number {
    const free = this.freeUnits();
    return free === 0 ? 0 : 1 - this.largestHole() / free;
  }

  /**
   * Compaction (possible only with execution-time binding): slide the partitions given
   * (start, size, in any order) down to the bottom of memory in address order, calling
   * `move(index, from, to, size)` for each that moves, and leave one hole at the top.
   * Returns the units moved. Call between enter() and leave().
   */
  compactLocked(starts: Int32Array, sizes: Int32Array, n: number, move: (index: number, from: number, to: number, size: number) => void): number {
    const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => starts[a] - starts[b]);
    let at = 0;
    let moved = 0;
    for (const k of order) {
      if (starts[k] !== at) {
        move(k, starts[k], at, sizes[k]);
        moved += sizes[k];
      }
      at += sizes[k];
    }
    const mem = this.mem;
    const total = this.ref.size;
    mem.store(this.ref.header + H_HOLES, at < total ? 1 : 0);
    mem.store(this.ref.holes, at);
    mem.store(this.ref.holes + 1, total - at);
    mem.store(this.ref.header + H_ROVER, 0);
    return moved;
  }

  /** Holes sorted, inside memory, never touching (a release that did not merge), none empty. */
  audit(): Violation[] {
    const out: Violation[] = [];
    for (let i = 0; i < this.holeCount(); i++) {
      const s = this.holeStart(i);
      const z = this.holeSize(i);
      if (z <= 0) out.push({ message: `hole ${i} at ${s} has size ${z}`, where: `hole ${i}` });
      if (s < 0 || s + z > this.ref.size) out.push({ message: `hole ${i} [${s}, ${s + z}) lies outside memory of ${this.ref.size}`, where: `hole ${i}` });
      if (i > 0) {
        const end = this.holeStart(i - 1) + this.holeSize(i - 1);
        if (end > s) out.push({ message: `holes ${i - 1} and ${i} overlap or are out of order`, where: `hole ${i}` });
        else if (end === s) out.push({ message: `holes ${i - 1} and ${i} touch but were not merged`, where: `hole ${i}` });
      }
    }
    return out;
  }
}
