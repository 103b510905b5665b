import { type CpuContext as Cpu, FAULT_OOM } from './cpu_context.js';
import { MM_CPUMASK, MM_LOCK, MM_RSS_ANON, MM_RSS_SHMEM, MM_SWAPENTS, SEGV_ACCERR, SEGV_MAPERR, VM_SHARED } from './mm.js';
import { ACC_EXEC, ACC_WRITE, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, PTE_A, PTE_COW, PTE_D, PTE_P, PTE_RW, PTE_SWAP, mkPte, protFlags, ptePfn } from './pte.js';

/**
 * handle_mm_fault for the running process of `cpu`: 0 when the fault was handled (the MMU
 * retries the access), or the fault to deliver. The order follows mm/memory.c:
 * find_vma (none: SIGSEGV, SEGV_MAPERR), access_error (SEGV_ACCERR), then by the entry:
 * none -> do_anonymous_page, swap entry -> do_swap_page, present but write-protected on
 * a write -> do_wp_page (copy on write).
 *
 * A data frame is allocated with the mm lock dropped (it is zeroed, read from swap or
 * copied first, and reclaim may pick this very mm). So a handler drops the lock to
 * allocate, takes it again, and re-checks that the entry is still what it saw (pte_same),
 * backing out if not.
 */
export function handleMmFault(cpu: Cpu, vpn: number, acc: number): number {
  const mem = cpu.mem;
  const base = cpu.mmBase(cpu.mm);
  const vmas = cpu.vmas(cpu.mm);
  const vi = vmas.find(vpn);
  if (vi < 0) return cpu.segv(vpn, SEGV_MAPERR);
  const prot = vmas.prot(vi);
  const need = acc === ACC_WRITE ? PROT_WRITE : acc === ACC_EXEC ? PROT_EXEC : PROT_READ;
  if ((prot & need) === 0) return cpu.segv(vpn, SEGV_ACCERR);
  const shared = (vmas.flags(vi) & VM_SHARED) !== 0;
  const pt = cpu.pt(cpu.mm);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.lock(base + MM_LOCK);
  const slot = pt.find(vpn);
  // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no entry sits there and <= 0 is < 0
  const e = slot < 0 ? 0 : mem.load(slot);
  if (e & PTE_P) {
    if (acc === ACC_WRITE && (e & PTE_RW) === 0) return doWpPage(cpu, vpn, e, prot);
    // Another CPU of this mm brought it in first (or only A/D was missing): retry.
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    return 0;
  }
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.unlock(base + MM_LOCK);
  if (e & PTE_SWAP) return doSwapPage(cpu, vpn, e, prot);
  return doAnonymousPage(cpu, vpn, acc, prot, shared);
}

/** Install a present entry for a frame this process now maps, counting it everywhere it counts. */
function mapFrame(cpu: Cpu, vpn: number, pfn: number, pte: number, shared: boolean): number {
  const r = cpu.pt(cpu.mm).set(vpn, pte);
  if (r < 0) return r;
  cpu.frames.incMapcount(pfn);
  cpu.mem.add(cpu.mmBase(cpu.mm) + (shared ? MM_RSS_SHMEM : MM_RSS_ANON), 1);
  if (cpu.reclaimer && !shared) cpu.reclaimer.rmapSet(pfn, cpu.mm, vpn);
  return 0;
}

/** A first touch: a zeroed frame (a write maps it dirty). */
function doAnonymousPage(cpu: Cpu, vpn: number, acc: number, prot: number, shared: boolean): number {
  const mem = cpu.mem;
  const base = cpu.mmBase(cpu.mm);
  const pfn = cpu.allocFrame();
  if (pfn < 0) {
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  const off = cpu.frames.frameByteOffset(pfn);
  mem.u8.fill(0, off, off + PAGE_SIZE);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.lock(base + MM_LOCK);
  const slot = cpu.pt(cpu.mm).find(vpn);
  if (slot >= 0 && mem.load(slot) !== 0) {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    cpu.frames.free(pfn);
    return 0;
  }
  const r = mapFrame(cpu, vpn, pfn, mkPte(pfn, protFlags(prot) | PTE_A | (acc === ACC_WRITE ? PTE_D : 0)), shared);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.unlock(base + MM_LOCK);
  if (r < 0) {
    cpu.frames.free(pfn);
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  cpu.stats.minorFaults++;
  return 0;
}

/** A swapped-out page: read it back from the swap file into a fresh frame. */
function doSwapPage(cpu: Cpu, vpn: number, e: number, prot: number): number {
  const mem = cpu.mem;
  const swap = cpu.swap;
  // Stryker disable next-line ConditionalExpression: a swap entry exists only on a machine with a swap device
  if (!swap) return FAULT_OOM;
  const base = cpu.mmBase(cpu.mm);
  const slot = ptePfn(e);
  // The reclaimer unmapped the page before writing it out: wait for the bytes (as for a locked swap-cache page).
  while (!swap.ready(slot)) cpu.sd.waitServing(swap.stateWord(slot), mem.load(swap.stateWord(slot)), 0.5);
  const pfn = cpu.allocFrame();
  if (pfn < 0) {
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  const intact = swap.read(slot, cpu.frames.frameByteOffset(pfn));
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.lock(base + MM_LOCK);
  const pt = cpu.pt(cpu.mm);
  const w = pt.find(vpn);
  if (w < 0 || mem.load(w) !== e) {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    cpu.frames.free(pfn);
    return 0;
  }
  if (!intact) cpu.stats.swapCorrupt++;
  // Still referenced by another process's entry (fork after swap-out): map read-only, copy on write.
  const exclusive = swap.count(slot) === 1;
  let flags = protFlags(prot) | PTE_A;
  if (!exclusive && flags & PTE_RW) flags = (flags & ~PTE_RW) | PTE_COW;
  const r = mapFrame(cpu, vpn, pfn, mkPte(pfn, flags), false);
  if (r < 0) {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    cpu.frames.free(pfn);
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  mem.sub(base + MM_SWAPENTS, 1);
  swap.free(slot);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.unlock(base + MM_LOCK);
  cpu.stats.majorFaults++;
  return 0;
}

/**
 * A write to a write-protected page of a writable VMA (called with the mm lock held). If
 * this process is the frame's only user, make the entry writable in place (wp_page_reuse);
 * otherwise copy it (wp_page_copy): clear the entry and flush every CPU that may cache it
 * before the new one goes in, since a stale read-only translation to the old frame would
 * show a sibling's later writes.
 */
function doWpPage(cpu: Cpu, vpn: number, e: number, prot: number): number {
  const mem = cpu.mem;
  const frames = cpu.frames;
  const base = cpu.mmBase(cpu.mm);
  const pt = cpu.pt(cpu.mm);
  const old = ptePfn(e);
  if (frames.mapcount(old) === 1 && frames.refcount(old) === 1) {
    mem.store(pt.find(vpn), (e & ~PTE_COW) | PTE_RW | PTE_D | PTE_A);
    cpu.tlb.flushRange(cpu.asid, vpn, 1);
    if (cpu.reclaimer) cpu.reclaimer.rmapSet(old, cpu.mm, vpn);
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    return 0;
  }
  frames.get(old);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.unlock(base + MM_LOCK);
  const pfn = cpu.allocFrame();
  if (pfn < 0) {
    frames.free(old);
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  mem.u8.copyWithin(frames.frameByteOffset(pfn), frames.frameByteOffset(old), frames.frameByteOffset(old) + PAGE_SIZE);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.lock(base + MM_LOCK);
  const w = pt.find(vpn);
  if (w < 0 || mem.load(w) !== e) {
    // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
    cpu.unlock(base + MM_LOCK);
    frames.free(pfn);
    frames.free(old);
    return 0;
  }
  pt.clear(vpn);
  cpu.sd.flush(cpu.asid, vpn, 1, mem.load(base + MM_CPUMASK));
  frames.decMapcount(old);
  mem.sub(base + MM_RSS_ANON, 1);
  const r = mapFrame(cpu, vpn, pfn, mkPte(pfn, protFlags(prot) | PTE_A | PTE_D), false);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so base - MM_LOCK is base (an equivalent mutant)
  cpu.unlock(base + MM_LOCK);
  // Our reference from before the copy, and the old mapping's.
  frames.free(old);
  frames.free(old);
  if (r < 0) {
    frames.free(pfn);
    cpu.stats.oom++;
    return FAULT_OOM;
  }
  cpu.stats.cowCopies++;
  return 0;
}
