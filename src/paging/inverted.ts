import { EEXIST } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';
import { SimpleFrames, type FramesRef } from './frames.js';
import { HashedPageTable } from './hashed.js';
import { type PageTable, type WalkTrace, vpnHash } from './pagetable.js';
import { PTE_P, ptePfn } from './pte.js';

/** An entry per frame: owner pid (-1 free), vpn in two words, the hash-chain link, the PTE. */
const E_PID = 0;
const E_VPN_LO = 1;
const E_VPN_HI = 2;
const E_NEXT = 3;
const E_PTE = 4;
const ENTRY_WORDS = 8;
const NIL = -1;

/** The system-wide inverted table: plain data for workers. */
export interface InvertedRef {
  nframes: number;
  /** The pool the per-process side tables take frames from, apart from user frames (see below). */
  side: FramesRef;
  entries: number;
  /** The hash anchor table: 2^bits chain heads (pfn or -1). */
  anchors: number;
  bits: number;
  lock: number;
}

/**
 * The inverted page table: one entry per physical frame naming the (pid, vpn) it holds,
 * found through a hash anchor table, as on the IBM RT and PowerPC. Its size follows
 * physical memory, not the address spaces. A frame has one entry, so two processes cannot
 * map it: no shared pages (fork copies). What is not resident (a swapped-out page) has no
 * frame and so no entry; as real systems keep that in the OS's own per-process tables,
 * each process here keeps it in a small private hashed table beside. Those tables take
 * frames from a kernel pool of their own: the reclaimer records a swap entry exactly when
 * user frames have run out, and must not need one of them to do it.
 */
export class InvertedTable {
  /** The table itself: an entry per frame and the anchor table. */
  static tableBytes(nframes: number): number {
    return nframes * ENTRY_WORDS * 4 + (1 << InvertedTable.bitsFor(nframes)) * 4;
  }

  static bytes(nframes: number, sideFrames: number): number {
    return InvertedTable.tableBytes(nframes) + 64 + SimpleFrames.bytes(sideFrames);
  }

  static bitsFor(nframes: number): number {
    return Math.max(4, 32 - Math.clz32(nframes * 2 - 1));
  }

  static create(arena: Arena, mem: Mem, nframes: number, sideFrames: number): InvertedRef {
    const bits = InvertedTable.bitsFor(nframes);
    const ref: InvertedRef = {
      nframes,
      side: SimpleFrames.create(arena, mem, sideFrames, 'paging.ipt.side'),
      entries: arena.allocWords('paging.ipt', nframes * ENTRY_WORDS),
      anchors: arena.allocWords('paging.ipt.anchors', 1 << bits),
      bits,
      lock: arena.allocWords('paging.ipt.lock', 1),
    };
    for (let i = 0; i < 1 << bits; i++) mem.store(ref.anchors + i, NIL);
    for (let f = 0; f < nframes; f++) mem.store(ref.entries + f * ENTRY_WORDS + E_PID, NIL);
    return ref;
  }
}

export class InvertedPageTable implements PageTable {
  readonly kind = 'inverted' as const;
  readonly vaBits = 48;
  readonly canShare = false;
  reads = 0;
  private readonly side: HashedPageTable;
  private readonly lock: SpinLock;

  static initHeader(mem: Mem, header: number): void {
    HashedPageTable.initHeader(mem, header);
  }

  constructor(
    private readonly mem: Mem,
    private readonly ipt: InvertedRef,
    header: number,
    private readonly pid: number,
    private readonly cpu: number,
  ) {
    this.side = new HashedPageTable(mem, new SimpleFrames(mem, ipt.side, cpu), header, false);
    this.lock = new SpinLock(mem, ipt.lock);
  }

  private entry(pfn: number): number {
    return this.ipt.entries + pfn * ENTRY_WORDS;
  }

  /** The resident entry of vpn (its pfn), or -1. */
  private resident(vpn: number, trace?: WalkTrace): number {
    const mem = this.mem;
    const lo = vpn | 0;
    const hi = (vpn / 4294967296) | 0;
    const a = vpnHash(vpn, this.pid, this.ipt.bits);
    let f = mem.load(this.ipt.anchors + a);
    this.reads++;
    if (trace) trace.step(`anchor[${a}] (hash of pid ${this.pid}, vpn)`, this.ipt.anchors + a, f);
    // A chain is at most every frame long; the bound keeps a walk that races a relink finite.
    for (let guard = 0; f !== NIL && guard < this.ipt.nframes; guard++) {
      const e = this.entry(f);
      this.reads++;
      const match = mem.load(e + E_PID) === this.pid && mem.load(e + E_VPN_LO) === lo && mem.load(e + E_VPN_HI) === hi;
      if (trace) trace.step(`entry[${f}] pid ${mem.load(e + E_PID)} vpn ${mem.load(e + E_VPN_LO) >>> 0}${match ? ' (match: frame = entry index)' : ''}`, e, mem.load(e + E_PTE));
      if (match) return f;
      f = mem.load(e + E_NEXT);
    }
    return -1;
  }

  find(vpn: number, trace?: WalkTrace): number {
    this.reads = 0;
    const f = this.resident(vpn, trace);
    if (f >= 0) return this.entry(f) + E_PTE;
    const r = this.reads;
    const w = this.side.find(vpn, trace);
    this.reads = r + this.side.reads;
    return w;
  }

  set(vpn: number, pte: number): number {
    if ((pte & PTE_P) === 0) {
      // The side entry first: if it cannot be had, the resident one stays as it was.
      const r = this.side.set(vpn, pte);
      if (r < 0) return r;
      this.clearResident(vpn);
      return 0;
    }
    this.side.clear(vpn);
    this.clearResident(vpn);
    const mem = this.mem;
    const pfn = ptePfn(pte);
    const e = this.entry(pfn);
    this.lock.lock(this.cpu);
    if (mem.load(e + E_PID) !== NIL) {
      this.lock.unlock();
      return -EEXIST;
    }
    const a = this.ipt.anchors + vpnHash(vpn, this.pid, this.ipt.bits);
    mem.store(e + E_VPN_LO, vpn | 0);
    mem.store(e + E_VPN_HI, (vpn / 4294967296) | 0);
    mem.store(e + E_PTE, pte);
    mem.store(e + E_NEXT, mem.load(a));
    mem.store(e + E_PID, this.pid);
    mem.store(a, pfn);
    this.lock.unlock();
    return 0;
  }

  clear(vpn: number): number {
    const old = this.clearResident(vpn);
    return old !== 0 ? old : this.side.clear(vpn);
  }

  /** Unlink vpn's resident entry, if it has one; returns its PTE or 0. */
  private clearResident(vpn: number): number {
    const mem = this.mem;
    this.lock.lock(this.cpu);
    const f = this.resident(vpn);
    if (f < 0) {
      this.lock.unlock();
      return 0;
    }
    let link = this.ipt.anchors + vpnHash(vpn, this.pid, this.ipt.bits);
    while (mem.load(link) !== f) link = this.entry(mem.load(link)) + E_NEXT;
    const e = this.entry(f);
    mem.store(link, mem.load(e + E_NEXT));
    const old = mem.exchange(e + E_PTE, 0);
    mem.store(e + E_PID, NIL);
    this.lock.unlock();
    return old;
  }

  forEach(visit: (vpn: number, pte: number) => void): void {
    const mem = this.mem;
    for (let f = 0; f < this.ipt.nframes; f++) {
      const e = this.entry(f);
      if (mem.load(e + E_PID) !== this.pid) continue;
      visit((mem.load(e + E_VPN_LO) >>> 0) + mem.load(e + E_VPN_HI) * 4294967296, mem.load(e + E_PTE));
    }
    this.side.forEach(visit);
  }

  /** The private side table only; the inverted table itself is the system's (InvertedTable.bytes). */
  tableBytes(): number {
    return this.side.tableBytes();
  }

  release(): void {
    this.side.release();
  }
}
