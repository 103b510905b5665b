import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import { PAGE_SIZE } from './pte.js';

/**
 * One interface over every page-table organisation, so the MMU, fork, exit and swap code
 * never know which one a process uses, and a run can compare their size and lookup cost
 * on the same workload.
 *
 * Concurrency: entries change only under the owning mm's lock (the page-table lock);
 * `find` takes no lock, as a hardware walker takes none, and reads each level with an
 * atomic load. A reader that races a change sees the old or the new entry, never a torn
 * one; the TLB shootdown that follows every unmap covers the rest.
 */
export const PT_KINDS = ['two-level', 'four-level', 'hashed', 'clustered', 'inverted'] as const;
export type PtKind = (typeof PT_KINDS)[number];

/** Receives each memory reference of a walk, for `memrace translate`. */
export interface WalkTrace {
  step(label: string, word: number, value: number): void;
}

/** Words of a page table's header, kept in its mm. */
export const PT_HEADER_WORDS = 8;

export interface PageTable {
  readonly kind: PtKind;
  /** Bits of virtual address the table translates (32 for two-level, 48 for four-level). */
  readonly vaBits: number;
  /** Memory references the last `find` made: its lookup cost. */
  reads: number;
  /** Word index of vpn's entry, or -1 when the table has none. Lock-free. */
  find(vpn: number, trace?: WalkTrace): number;
  /** Set vpn's entry (present or not), creating what the path needs. 0, or -ENOMEM when no frame is left for the table. Under the mm lock. */
  set(vpn: number, pte: number): number;
  /** Remove vpn's entry; returns the old one (0 when none). Under the mm lock. */
  clear(vpn: number): number;
  /** Every entry that is not zero, as (vpn, pte). Under the mm lock, or on a quiescent image. */
  forEach(visit: (vpn: number, pte: number) => void): void;
  /** Bytes of table this process owns (frames of directories, tables, nodes). */
  tableBytes(): number;
  /** Free every frame the table owns; its entries must already be cleared of references. */
  release(): void;
  /** Whether two processes may map one frame (an inverted table has one entry per frame: no sharing). */
  readonly canShare: boolean;
}

/**
 * A zeroed frame for a table (directory, table or node frame), counted in the table's
 * `counter` word; -1 when none is left. Zeroed before anything links it in: a walker
 * that reaches it never sees garbage.
 */
export function allocTableFrame(mem: Mem, frames: FrameAllocator, counter: number): number {
  const pfn = frames.alloc();
  if (pfn < 0) return -1;
  const off = frames.frameByteOffset(pfn);
  mem.u8.fill(0, off, off + PAGE_SIZE);
  mem.add(counter, 1);
  return pfn;
}

/** Hash of a vpn (up to 52 bits) and an address-space id into `bits` bits. */
export function vpnHash(vpn: number, asid: number, bits: number): number {
  const lo = vpn >>> 0;
  const hi = (vpn / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x27d4eb2f) ^ Math.imul(asid + 1, 0x85ebca6b), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) >>> (32 - bits);
}
