/**
 * Paging: page tables (two-level, four-level, hashed, clustered, inverted), TLBs with ASIDs
 * and shootdown, the MMU and its fault path, mm and VMAs, fork with COW, swap and page
 * replacement, contiguous allocation and segmentation, over the kernel's page allocator.
 *
 *   const cfg = { cpus: 1, frames: 64, tlbEntries: 16, pt: 'two-level', maxProcs: 2 } as const;
 *   const arena = Arena.create(machineBytes(cfg));
 *   const mem = new AtomicsMem(arena.sab);
 *   const cpu = new Cpu(mem, createMachine(arena, mem, cfg), 0);
 *   const mm = mmCreate(cpu, 100, 1, 1 << 20);
 *   cpu.switchTo(mm);
 *   const vpn = mmap(cpu, mm, -1, 4, PROT_READ | PROT_WRITE, 0);
 *   cpu.store32(vpn * PAGE_SIZE, 7);      // faults the page in; cpu.fault < 0 on SIGSEGV
 *
 * @module memrace/paging
 */
export { Cpu, MmuStats, FAULT_OOM, FAULT_SIGSEGV } from './mmu.js';
export { createMachine, machineBytes, type MachineConfig, type MachineRef } from './system.js';
export { MMAP_BASE, brk, exitMm, fork, madviseDontneed, mmCounters, mmCreate, mmap, mprotect, munmap } from './vm.js';
export { SEGV_ACCERR, SEGV_MAPERR, VM_SHARED, VM_HEAP } from './mm.js';
export {
  PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE,
  PTE_A, PTE_COW, PTE_D, PTE_NX, PTE_P, PTE_RW, PTE_SWAP, PTE_US, ACC_EXEC, ACC_READ, ACC_WRITE,
  mkPte, pteFlagNames, ptePfn,
} from './pte.js';
export { PT_KINDS, type PageTable, type PtKind, type WalkTrace } from './pagetable.js';
export { FOUR_LEVEL, TWO_LEVEL, RadixPageTable, type RadixGeometry } from './radix.js';
export { HashedPageTable } from './hashed.js';
export { InvertedPageTable } from './inverted.js';
export { initPageTable, openPageTable, VA_BITS, type PtEnv } from './open.js';
export { explainTranslation, parseVa, type ExplainOptions } from './explain.js';
export { Tlb, eatDemand, eatFormula } from './tlb.js';
export { Shootdown, ShootdownStats } from './shootdown.js';
export { POLICIES, Reclaimer, type Policy } from './reclaim.js';
export { SwapDevice, frameChecksum } from './swap.js';
export { auditAllFree, auditTranslations } from './audit.js';
export { ContiguousAllocator, FITS, type ContigRef, type Fit } from './contiguous.js';
export { compareFits, type FitStats, type StreamOptions } from './fits.js';
export { SimpleFrames, type FrameAllocator, type FramesRef } from './frames.js';
export { KernelFrames } from './kernel_frames.js';
export { segExpected, segTranslate, setSegment, SEG_R, SEG_W, SEG_X, SEG_VALID, SEG_SHARED, TRAP_LIMIT, TRAP_PROT, TRAP_SEGMENT } from './segmentation.js';
