import { ENOMEM } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import type { Vmas } from './mm.js';
import type { PageTable } from './pagetable.js';
import type { Shootdown } from './shootdown.js';
import type { SwapDevice } from './swap.js';
import type { Tlb } from './tlb.js';

/** A translation's failure: the signal the process gets (its si_code is left in `siCode`). */
export const FAULT_SIGSEGV = -11;
/** No frame for the page, even after reclaim: the OOM case. */
export const FAULT_OOM = -ENOMEM;

/** What one CPU counted; plain fields, folded into the actor's counters by the scenario. */
export class MmuStats {
  accesses = 0;
  walks = 0;
  walkReads = 0;
  minorFaults = 0;
  majorFaults = 0;
  cowCopies = 0;
  segv = 0;
  oom = 0;
  swapOuts = 0;
  swapCorrupt = 0;
  /** Time spent in the fault handler, ms (for the demand-paging EAT). */
  faultMs = 0;
}

/**
 * A CPU as the kernel paths that run on it see it: the fault handler (fault.ts) and reclaim
 * (reclaim.ts). The MMU's Cpu (mmu.ts) is one; they take this instead of it, so that mmu.ts,
 * which calls them, is not imported back by them.
 */
export interface CpuContext {
  readonly id: number;
  readonly mem: Mem;
  readonly variant: number;
  readonly tlb: Tlb;
  readonly sd: Shootdown;
  readonly frames: FrameAllocator;
  readonly swap?: SwapDevice;
  readonly reclaimer?: { rmapSet(pfn: number, mm: number, vpn: number): void };
  readonly stats: MmuStats;
  /** The running mm's slot and ASID. */
  readonly mm: number;
  readonly asid: number;
  mmBase(slot: number): number;
  pt(slot: number): PageTable;
  vmas(slot: number): Vmas;
  lock(word: number): void;
  trylock(word: number): boolean;
  unlock(word: number): void;
  /** A user frame, reclaiming one when none is free: a pfn, or -1. */
  allocFrame(): number;
  /** Raise SIGSEGV with si_code `code` for `vpn`; returns FAULT_SIGSEGV. */
  segv(vpn: number, code: number): number;
}
