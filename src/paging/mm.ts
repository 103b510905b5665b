import { EEXIST, EINVAL, ENOMEM } from '../errors.js';
import type { Violation } from '../core/violation.js';
import type { Mem } from '../shm/mem.js';
import { PT_HEADER_WORDS } from './pagetable.js';

/**
 * struct mm_struct, one slot per process in the image. Its lock word serves as both
 * mmap_lock and the page-table lock: every change to the VMAs or the page table is made
 * under it. The ASID is the slot number + 1, so a reused slot must have its ASID flushed
 * everywhere first (exit does).
 */
export const MM_LOCK = 0;
export const MM_STATE = 1;
export const MM_PID = 2;
export const MM_PARENT = 3;
/** PTLR: the length of the address space in pages; a vpn at or past it traps without a walk. */
export const MM_PTLR = 4;
export const MM_BRK_START = 5;
export const MM_BRK = 6;
/** RSS counters by type, as Linux's MM_ANONPAGES, MM_SHMEMPAGES, MM_SWAPENTS. */
export const MM_RSS_ANON = 7;
export const MM_RSS_SHMEM = 8;
export const MM_SWAPENTS = 9;
/** CPUs that may cache this mm's translations (mm_cpumask): the shootdown's targets. */
export const MM_CPUMASK = 10;
export const MM_NVMA = 11;
/** Signals delivered: SIGSEGV count, last si_code and address (vpn). */
export const MM_SEGV = 12;
export const MM_SEGV_CODE = 13;
export const MM_SEGV_VPN = 14;
export const MM_PT = 16;
export const MM_VMAS = MM_PT + PT_HEADER_WORDS;
/** A VMA: [start, end) in pages, protection, flags. */
export const VMA_START = 0;
export const VMA_END = 1;
export const VMA_PROT = 2;
export const VMA_FLAGS = 3;
export const VMA_WORDS = 4;
/** Linux's max_map_count, scaled down: VMAs per mm. */
export const MAX_VMAS = 16;
export const MM_WORDS = MM_VMAS + MAX_VMAS * VMA_WORDS + 8;

export const MM_FREE = 0;
export const MM_LIVE = 1;

/** VMA flags (mmap's MAP_SHARED: fork shares the frames instead of copying on write). */
export const VM_SHARED = 1;
export const VM_HEAP = 2;

/** si_code of a SIGSEGV: no mapping, or a mapping that forbids the access. */
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;

export function asidOf(slot: number): number {
  return slot + 1;
}

/**
 * The VMA list of one mm: sorted, non-overlapping [start, end) page ranges. Every call
 * here is made with the mm's lock held (or on a quiescent image).
 */
export class Vmas {
  constructor(
    private readonly mem: Mem,
    /** Word index of the mm slot. */
    readonly base: number,
  ) {}

  count(): number {
    return this.mem.load(this.base + MM_NVMA);
  }

  private w(i: number): number {
    return this.base + MM_VMAS + i * VMA_WORDS;
  }

  start(i: number): number {
    // Stryker disable next-line ArithmeticOperator: VMA_START is 0, so w - VMA_START is w (an equivalent mutant)
    return this.mem.load(this.w(i) + VMA_START);
  }
  end(i: number): number {
    return this.mem.load(this.w(i) + VMA_END);
  }
  prot(i: number): number {
    return this.mem.load(this.w(i) + VMA_PROT);
  }
  flags(i: number): number {
    return this.mem.load(this.w(i) + VMA_FLAGS);
  }

  /** find_vma for an access: the VMA containing vpn, or -1. */
  find(vpn: number): number {
    const n = this.count();
    for (let i = 0; i < n; i++) {
      const w = this.w(i);
      // Stryker disable next-line ArithmeticOperator: VMA_START is 0, so w - VMA_START is w (an equivalent mutant)
      if (vpn < this.mem.load(w + VMA_START)) return -1;
      if (vpn < this.mem.load(w + VMA_END)) return i;
    }
    return -1;
  }

  /** Whether any VMA overlaps [start, end). */
  overlaps(start: number, end: number): boolean {
    const n = this.count();
    for (let i = 0; i < n; i++) if (this.start(i) < end && start < this.end(i)) return true;
    return false;
  }

  /** The lowest gap of `pages` at or above `from` and below `limit`, or -1 (get_unmapped_area, bottom-up). */
  gap(pages: number, from: number, limit: number): number {
    let at = from;
    const n = this.count();
    for (let i = 0; i < n; i++) {
      // Stryker disable next-line EqualityOperator: a VMA ending exactly at `at` moves `at` to its end, where it is (an equivalent mutant)
      if (this.end(i) <= at) continue;
      if (this.start(i) >= at + pages) break;
      at = this.end(i);
    }
    return at + pages <= limit ? at : -1;
  }

  private set(i: number, start: number, end: number, prot: number, flags: number): void {
    const w = this.w(i);
    // Stryker disable next-line ArithmeticOperator: VMA_START is 0, so w - VMA_START is w (an equivalent mutant)
    this.mem.store(w + VMA_START, start);
    this.mem.store(w + VMA_END, end);
    this.mem.store(w + VMA_PROT, prot);
    this.mem.store(w + VMA_FLAGS, flags);
  }

  private copy(to: number, from: number): void {
    this.set(to, this.start(from), this.end(from), this.prot(from), this.flags(from));
  }

  /** Insert [start, end) in order. 0, -EEXIST on overlap, -ENOMEM past MAX_VMAS. */
  insert(start: number, end: number, prot: number, flags: number): number {
    if (start >= end) return -EINVAL;
    if (this.overlaps(start, end)) return -EEXIST;
    const n = this.count();
    if (n === MAX_VMAS) return -ENOMEM;
    let i = n;
    while (i > 0 && this.start(i - 1) > start) {
      this.copy(i, i - 1);
      i--;
    }
    this.set(i, start, end, prot, flags);
    this.mem.store(this.base + MM_NVMA, n + 1);
    return 0;
  }

  private removeAt(i: number): void {
    const n = this.count();
    for (let k = i; k < n - 1; k++) this.copy(k, k + 1);
    this.mem.store(this.base + MM_NVMA, n - 1);
  }

  /**
   * Split VMAs at `start` and `end` so that [start, end) is covered by whole VMAs, as
   * __split_vma does before munmap and mprotect. -ENOMEM when a split would pass MAX_VMAS.
   */
  split(start: number, end: number): number {
    for (const at of [start, end]) {
      const i = this.find(at);
      if (i < 0 || this.start(i) === at) continue;
      if (this.count() === MAX_VMAS) return -ENOMEM;
      const s = this.start(i);
      const p = this.prot(i);
      const f = this.flags(i);
      const e = this.end(i);
      this.removeAt(i);
      this.insert(s, at, p, f);
      this.insert(at, e, p, f);
    }
    return 0;
  }

  /** Drop every VMA inside [start, end) (split first). */
  remove(start: number, end: number): void {
    for (let i = this.count() - 1; i >= 0; i--) if (this.start(i) >= start && this.end(i) <= end) this.removeAt(i);
  }

  /** Set the protection of every VMA inside [start, end) (split first). */
  protect(start: number, end: number, prot: number): void {
    for (let i = 0; i < this.count(); i++) if (this.start(i) >= start && this.end(i) <= end) this.mem.store(this.w(i) + VMA_PROT, prot);
  }

  /** Grow or shrink the VMA that ends at `end` to end at `to` (brk). */
  resize(end: number, to: number): void {
    for (let i = 0; i < this.count(); i++) if (this.end(i) === end) this.mem.store(this.w(i) + VMA_END, to);
  }

  /** Copy every VMA into another mm (fork's dup_mmap). */
  copyTo(child: Vmas): void {
    const n = this.count();
    for (let i = 0; i < n; i++) child.set(i, this.start(i), this.end(i), this.prot(i), this.flags(i));
    this.mem.store(child.base + MM_NVMA, n);
  }

  audit(): Violation[] {
    const out: Violation[] = [];
    for (let i = 0; i < this.count(); i++) {
      if (this.start(i) >= this.end(i)) out.push({ message: `VMA ${i} is empty or inverted: [${this.start(i)}, ${this.end(i)})` });
      if (i > 0 && this.end(i - 1) > this.start(i)) out.push({ message: `VMAs ${i - 1} and ${i} overlap or are out of order` });
    }
    return out;
  }
}
