import { Kernel } from '../kernel/kernel.js';
import type { Mem } from '../shm/mem.js';
import { type CpuContext, FAULT_SIGSEGV, MmuStats } from './cpu_context.js';
import { handleMmFault } from './fault.js';
import type { FrameAllocator } from './frames.js';
import { KernelFrames } from './kernel_frames.js';
import { MM_CPUMASK, MM_PID, MM_PTLR, MM_PT, MM_SEGV, MM_SEGV_CODE, MM_SEGV_VPN, MM_WORDS, SEGV_MAPERR, Vmas, asidOf } from './mm.js';
import { openPageTable, type PtEnv } from './open.js';
import type { PageTable } from './pagetable.js';
import { ACC_EXEC, ACC_WRITE, PAGE_MASK, PAGE_SIZE, PTE_A, PTE_D, PTE_NX, PTE_P, PTE_RW, ptePfn } from './pte.js';
import { Reclaimer } from './reclaim.js';
import { Shootdown } from './shootdown.js';
import { SwapDevice } from './swap.js';
import type { MachineRef } from './system.js';
import { Tlb } from './tlb.js';

export { FAULT_OOM, FAULT_SIGSEGV, MmuStats } from './cpu_context.js';

/** Is the access allowed by this present entry, and does it need no A/D update? */
function hitAllows(pte: number, acc: number): boolean {
  if (acc === ACC_WRITE) return (pte & (PTE_RW | PTE_D)) === (PTE_RW | PTE_D);
  if (acc === ACC_EXEC) return (pte & PTE_NX) === 0;
  return true;
}

/**
 * Page tables take their frames through the CPU, so that a table page may be reclaimed
 * for like any other (fork and a first touch allocate tables under the mm lock; reclaim
 * only trylocks other mms, so that cannot deadlock).
 */
class TableFrames implements FrameAllocator {
  readonly nframes: number;
  constructor(
    private readonly cpu: Cpu,
    private readonly f: KernelFrames,
  ) {
    this.nframes = f.nframes;
  }
  alloc(): number {
    return this.cpu.allocFrame();
  }
  free(pfn: number): void {
    this.f.free(pfn);
  }
  get(pfn: number): void {
    this.f.get(pfn);
  }
  refcount(pfn: number): number {
    return this.f.refcount(pfn);
  }
  mapcount(pfn: number): number {
    return this.f.mapcount(pfn);
  }
  incMapcount(pfn: number): number {
    return this.f.incMapcount(pfn);
  }
  decMapcount(pfn: number): number {
    return this.f.decMapcount(pfn);
  }
  frameByteOffset(pfn: number): number {
    return this.f.frameByteOffset(pfn);
  }
  freeFrames(): number {
    return this.f.freeFrames();
  }
}

/**
 * One CPU: its TLB, its end of the shootdown protocol, and the MMU that translates the
 * running process's addresses. Everything a fault or syscall needs on this CPU hangs off
 * it (frames, page-table views, swap), so kernel paths take a Cpu.
 */
export class Cpu implements CpuContext {
  readonly tlb: Tlb;
  readonly sd: Shootdown;
  readonly frames: KernelFrames;
  readonly env: PtEnv;
  readonly swap?: SwapDevice;
  readonly reclaimer?: Reclaimer;
  readonly stats = new MmuStats();
  /** si_code and vpn of the last SIGSEGV this CPU raised. */
  siCode = 0;
  faultVpn = 0;
  /** 0 after a load32/store32 that succeeded, else the fault it raised. */
  fault = 0;
  /** The running mm's slot and ASID. */
  mm = -1;
  asid = 0;
  private ptlr = 0;
  private curPt: PageTable | undefined;
  private readonly pts: Array<PageTable | undefined>;
  private readonly ptPid: Int32Array;
  private readonly vmaViews: Array<Vmas | undefined>;
  timeFaults = false;

  constructor(
    readonly mem: Mem,
    readonly sys: MachineRef,
    readonly id: number,
    /** A broken variant (VARIANT_NO_SHOOTDOWN, VARIANT_NO_COW), 0 for the correct code. */
    readonly variant = 0,
  ) {
    this.tlb = new Tlb(mem, sys.tlb, id);
    this.sd = new Shootdown(mem, sys.shootdown, id, this.tlb, variant);
    this.frames = new KernelFrames(new Kernel(mem, sys.kernel), id);
    this.env = { mem, frames: new TableFrames(this, this.frames), ipt: sys.ipt, cpu: id };
    if (sys.swap) {
      this.swap = new SwapDevice(mem, sys.swap);
      this.reclaimer = new Reclaimer(this);
    }
    // Stryker disable next-line ArrayDeclaration: an empty array reads undefined at every slot too (an equivalent mutant)
    this.pts = new Array<PageTable | undefined>(sys.maxProcs).fill(undefined);
    // Stryker disable next-line UnaryOperator: a slot without a view is reopened whatever its pid word says (pt() tests the view first)
    this.ptPid = new Int32Array(sys.maxProcs).fill(-1);
    // Stryker disable next-line ArrayDeclaration: an empty array reads undefined at every slot too (an equivalent mutant)
    this.vmaViews = new Array<Vmas | undefined>(sys.maxProcs).fill(undefined);
  }

  /** Word index of mm slot `slot`. */
  mmBase(slot: number): number {
    return this.sys.mms + slot * MM_WORDS;
  }

  /** The page table of mm `slot`; views are made once per (slot, pid) and kept. */
  pt(slot: number): PageTable {
    const pid = this.mem.load(this.mmBase(slot) + MM_PID);
    let t = this.pts[slot];
    if (t === undefined || this.ptPid[slot] !== pid) {
      t = openPageTable(this.env, this.sys.pt, this.mmBase(slot) + MM_PT, pid);
      this.pts[slot] = t;
      this.ptPid[slot] = pid;
    }
    return t;
  }

  /** The VMA list of mm `slot` (one view per slot, kept). */
  vmas(slot: number): Vmas {
    let v = this.vmaViews[slot];
    if (v === undefined) this.vmaViews[slot] = v = new Vmas(this.mem, this.mmBase(slot));
    return v;
  }

  /** switch_mm: run `slot` here. The ASID keeps other processes' entries valid, so no flush. */
  switchTo(slot: number): void {
    this.mm = slot;
    this.asid = asidOf(slot);
    this.mem.or(this.mmBase(slot) + MM_CPUMASK, 1 << this.id);
    this.ptlr = this.mem.load(this.mmBase(slot) + MM_PTLR);
    this.curPt = this.pt(slot);
  }

  /** Take a lock word (owner + 1 in it, as SpinLock), serving shootdowns while it is held elsewhere. */
  lock(word: number): void {
    const mem = this.mem;
    for (;;) {
      const v = mem.compareExchange(word, 0, this.id + 1);
      if (v === 0) return;
      this.sd.serve();
      mem.wait(word, v, 0.05);
    }
  }

  trylock(word: number): boolean {
    return this.mem.compareExchange(word, 0, this.id + 1) === 0;
  }

  unlock(word: number): void {
    this.mem.store(word, 0);
    this.mem.notify(word, 1);
  }

  /**
   * A frame for a page: from the kernel's allocator, else reclaimed from some process
   * (swap), else -1. A reclaimed frame goes back through put_page, where another CPU may
   * take it first (alloc_pages drains every pageset before it fails), and a pass finds
   * nothing while every candidate's mm is busy: so try a while, backing off between
   * passes, before calling it out of memory.
   */
  allocFrame(): number {
    let pfn = this.frames.alloc();
    for (let tries = 0; pfn < 0 && this.reclaimer && tries < 64; tries++) {
      if (!this.reclaimer.reclaimOne()) this.sd.waitServing(this.sys.rmap.lock, this.mem.load(this.sys.rmap.lock), 0.1);
      pfn = this.frames.alloc();
    }
    return pfn;
  }

  /** Deliver SIGSEGV to the running process: count it in its mm and here. */
  segv(vpn: number, code: number): number {
    const b = this.mmBase(this.mm);
    this.mem.add(b + MM_SEGV, 1);
    this.mem.store(b + MM_SEGV_CODE, code);
    this.mem.store(b + MM_SEGV_VPN, vpn);
    this.siCode = code;
    this.faultVpn = vpn;
    this.stats.segv++;
    return FAULT_SIGSEGV;
  }

  /**
   * The MMU: the physical byte offset (in the image) of virtual address `va` for an access
   * of kind `acc`, or a negative fault (FAULT_SIGSEGV, FAULT_OOM). A TLB hit costs the
   * lookup; a miss walks the table (checking the PTLR first), sets A (and D on a write) in
   * the entry as x86 does, and fills the TLB; a fault runs the kernel's handler and retries.
   */
  translate(va: number, acc: number): number {
    // An interrupt is taken between two accesses: this is where remote flush requests land.
    this.sd.serve();
    this.stats.accesses++;
    const vpn = Math.floor(va / PAGE_SIZE);
    const off = va & PAGE_MASK;
    const mem = this.mem;
    for (;;) {
      const cached = this.tlb.lookup(this.asid, vpn);
      if (cached !== 0 && hitAllows(cached, acc)) return this.frames.frameByteOffset(ptePfn(cached)) + off;
      if (vpn >= this.ptlr) return this.segv(vpn, SEGV_MAPERR);
      const pt = this.curPt as PageTable;
      const slot = pt.find(vpn);
      this.stats.walks++;
      this.stats.walkReads += pt.reads;
      // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no entry sits there and <= 0 is < 0
      const e = slot < 0 ? 0 : mem.load(slot);
      if ((e & PTE_P) !== 0 && (acc !== ACC_WRITE || (e & PTE_RW) !== 0) && (acc !== ACC_EXEC || (e & PTE_NX) === 0)) {
        const want = e | PTE_A | (acc === ACC_WRITE ? PTE_D : 0);
        // The walker's locked update of A/D: if the entry changed under us, walk again.
        // Stryker disable next-line ConditionalExpression: a CAS of an equal value changes nothing; it only walks again if the entry changed, which a walk may equally cache or not (an equivalent mutant)
        if (want !== e && mem.compareExchange(slot, e, want) !== e) continue;
        this.tlb.insert(this.asid, vpn, want);
        return this.frames.frameByteOffset(ptePfn(want)) + off;
      }
      const t0 = this.timeFaults ? performance.now() : 0;
      const r = handleMmFault(this, vpn, acc);
      if (this.timeFaults) this.stats.faultMs += performance.now() - t0;
      if (r < 0) return r;
    }
  }

  /** Read the 32-bit word at `va` (4-aligned); a fault leaves `fault` negative and returns 0. */
  load32(va: number): number {
    const pa = this.translate(va, 0);
    this.fault = pa < 0 ? pa : 0;
    return pa < 0 ? 0 : this.mem.load(pa >> 2);
  }

  store32(va: number, v: number): void {
    const pa = this.translate(va, ACC_WRITE);
    this.fault = pa < 0 ? pa : 0;
    if (pa >= 0) this.mem.store(pa >> 2, v);
  }
}
