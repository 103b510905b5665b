import { EINVAL, ENOMEM } from '../errors.js';
import type { Cpu } from './mmu.js';
import {
  MAX_VMAS, MM_BRK, MM_BRK_START, MM_CPUMASK, MM_FREE, MM_LIVE, MM_LOCK, MM_NVMA, MM_PARENT, MM_PID, MM_PT, MM_PTLR,
  MM_RSS_ANON, MM_RSS_SHMEM, MM_SEGV, MM_STATE, MM_SWAPENTS, MM_WORDS, VM_HEAP, VM_SHARED, asidOf,
} from './mm.js';
import { initPageTable } from './open.js';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, PTE_A, PTE_COW, PTE_FLAGS, PTE_D, PTE_P, PTE_RW, PTE_SWAP, mkPte, protFlags, ptePfn } from './pte.js';
import { FLUSH_CEILING } from './tlb.js';

/** Where mmap places mappings when not told (pages); brk's heap starts below it. */
export const MMAP_BASE = 0x1000;
/** Broken on purpose: fork leaves private pages writable in parent and child, sharing one frame (no copy on write). */
export const VARIANT_NO_COW = 2;
/** A state between FREE and LIVE while a slot is being filled: reclaim leaves it alone. */
const MM_INIT = 2;

/** mm_alloc: a slot for a new process with an address space of `ptlr` pages; -ENOMEM when none is free. */
export function mmCreate(cpu: Cpu, pid: number, parent: number, ptlr: number): number {
  const mem = cpu.mem;
  for (let slot = 0; slot < cpu.sys.maxProcs; slot++) {
    const b = cpu.mmBase(slot);
    if (mem.compareExchange(b + MM_STATE, MM_FREE, MM_INIT) !== MM_FREE) continue;
    for (let w = 0; w < MM_WORDS; w++) if (w !== MM_STATE) mem.store(b + w, 0);
    mem.store(b + MM_PID, pid);
    mem.store(b + MM_PARENT, parent);
    mem.store(b + MM_PTLR, ptlr);
    mem.store(b + MM_BRK_START, 0x100);
    mem.store(b + MM_BRK, 0x100);
    initPageTable(mem, cpu.sys.pt, b + MM_PT);
    mem.store(b + MM_STATE, MM_LIVE);
    return slot;
  }
  return -ENOMEM;
}

/**
 * mmap of anonymous memory: at `addr` (a vpn; MAP_FIXED_NOREPLACE: -EEXIST on overlap) or,
 * with addr -1, at the lowest gap from MMAP_BASE. Returns the start vpn or -errno: -EINVAL
 * for no pages, -ENOMEM past the PTLR or with no gap, as Linux. Nothing is
 * mapped yet: the first touch of each page faults it in.
 */
export function mmap(cpu: Cpu, slot: number, addr: number, pages: number, prot: number, flags: number): number {
  const b = cpu.mmBase(slot);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: Vmas.insert refuses an empty or inverted range with -EINVAL too (equivalent mutants); the check states Linux's order
  if (pages <= 0) return -EINVAL;
  if (flags & VM_SHARED && !cpu.pt(slot).canShare) return -EINVAL;
  const limit = cpu.mem.load(b + MM_PTLR);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  const vmas = cpu.vmas(slot);
  // get_unmapped_area: a fixed range past TASK_SIZE (the PTLR) is -ENOMEM, as no gap is.
  const start = addr < 0 ? vmas.gap(pages, MMAP_BASE, limit) : addr + pages <= limit ? addr : -1;
  const r = start < 0 ? -ENOMEM : vmas.insert(start, start + pages, prot, flags);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  return r < 0 ? r : start;
}

/**
 * Clear the entries of [start, end) (mm lock held), dropping what they hold: a mapping's
 * _mapcount now, its frame reference later, after the flush (mmu_gather); a swap entry's
 * slot at once. Returns the frames to free once every CPU has flushed.
 */
function zap(cpu: Cpu, slot: number, start: number, end: number, gather: number[]): void {
  const mem = cpu.mem;
  const b = cpu.mmBase(slot);
  const pt = cpu.pt(slot);
  const vmas = cpu.vmas(slot);
  for (let vpn = start; vpn < end; vpn++) {
    const e = pt.clear(vpn);
    if (e & PTE_P) {
      const pfn = ptePfn(e);
      const vi = vmas.find(vpn);
      mem.sub(b + (vi >= 0 && vmas.flags(vi) & VM_SHARED ? MM_RSS_SHMEM : MM_RSS_ANON), 1);
      if (cpu.frames.decMapcount(pfn) === 0 && cpu.reclaimer) cpu.reclaimer.rmapClear(pfn);
      gather.push(pfn);
    } else if (e & PTE_SWAP && cpu.swap) {
      cpu.swap.free(ptePfn(e));
      mem.sub(b + MM_SWAPENTS, 1);
    }
  }
}

/** tlb_finish_mmu: flush every CPU that may cache the range, then free the gathered frames. */
function finish(cpu: Cpu, slot: number, start: number, pages: number, gather: number[]): void {
  cpu.sd.flush(asidOf(slot), start, pages, cpu.mem.load(cpu.mmBase(slot) + MM_CPUMASK));
  for (const pfn of gather) cpu.frames.free(pfn);
}

/** munmap: split at the edges, zap, drop the VMAs. 0 or -EINVAL. */
export function munmap(cpu: Cpu, slot: number, start: number, pages: number): number {
  const b = cpu.mmBase(slot);
  if (pages <= 0 || start < 0) return -EINVAL;
  const gather: number[] = [];
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  const vmas = cpu.vmas(slot);
  const r = vmas.split(start, start + pages);
  if (r === 0) {
    zapCovered(cpu, slot, start, start + pages, gather);
    vmas.remove(start, start + pages);
  }
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  finish(cpu, slot, start, pages, gather);
  return r;
}

/** Zap only the parts of [start, end) that some VMA covers (a hole has no entries). */
function zapCovered(cpu: Cpu, slot: number, start: number, end: number, gather: number[]): void {
  const vmas = cpu.vmas(slot);
  for (let i = 0; i < vmas.count(); i++) {
    const s = Math.max(start, vmas.start(i));
    const e = Math.min(end, vmas.end(i));
    // Stryker disable next-line ConditionalExpression,EqualityOperator: zap of an empty or inverted range does nothing (equivalent mutants)
    if (s < e) zap(cpu, slot, s, e, gather);
  }
}

/** madvise(MADV_DONTNEED): drop the pages but keep the mapping; the next touch is a fresh zero page. */
export function madviseDontneed(cpu: Cpu, slot: number, start: number, pages: number): number {
  const b = cpu.mmBase(slot);
  const gather: number[] = [];
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  zapCovered(cpu, slot, start, start + pages, gather);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  finish(cpu, slot, start, pages, gather);
  return 0;
}

/**
 * mprotect: split, set the VMAs' protection, rewrite the present entries (a copy-on-write
 * entry stays read-only), and flush: a downgrade must reach every CPU before the call
 * returns. No pages is 0 and a hole in the range -ENOMEM, as Linux; PROT_NONE is not
 * modelled (-EINVAL).
 */
export function mprotect(cpu: Cpu, slot: number, start: number, pages: number, prot: number): number {
  if (pages === 0) return 0;
  if (pages < 0 || (prot & PROT_READ) === 0) return -EINVAL;
  const mem = cpu.mem;
  const b = cpu.mmBase(slot);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  const vmas = cpu.vmas(slot);
  for (let vpn = start; vpn < start + pages; ) {
    const i = vmas.find(vpn);
    if (i < 0) {
      // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
      cpu.unlock(b + MM_LOCK);
      return -ENOMEM;
    }
    vpn = vmas.end(i);
  }
  const r = vmas.split(start, start + pages);
  if (r === 0) {
    vmas.protect(start, start + pages, prot);
    const pt = cpu.pt(slot);
    for (let vpn = start; vpn < start + pages; vpn++) {
      const w = pt.find(vpn);
      // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no entry sits there and <= 0 is < 0
      const e = w < 0 ? 0 : mem.load(w);
      if ((e & PTE_P) === 0) continue;
      let flags = protFlags(prot) | (e & (PTE_D | PTE_COW | PTE_A));
      if (e & PTE_COW) flags &= ~PTE_RW;
      mem.store(w, mkPte(ptePfn(e), flags));
    }
  }
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  cpu.sd.flush(asidOf(slot), start, pages, mem.load(b + MM_CPUMASK));
  return r;
}

/** brk: move the end of the heap to `to` (a vpn); returns the new break, or the old one when refused, as Linux. */
export function brk(cpu: Cpu, slot: number, to: number): number {
  const mem = cpu.mem;
  const b = cpu.mmBase(slot);
  const gather: number[] = [];
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  const from = mem.load(b + MM_BRK_START);
  const cur = mem.load(b + MM_BRK);
  const vmas = cpu.vmas(slot);
  let ok = to >= from;
  let shrunk = false;
  // Stryker disable next-line EqualityOperator: to === cur either way returns cur and changes nothing (equivalent mutant)
  if (ok && to > cur) {
    if (vmas.overlaps(cur, to)) ok = false;
    else if (cur === from) ok = vmas.insert(from, to, PROT_READ | PROT_WRITE, VM_HEAP) === 0;
    else vmas.resize(cur, to);
  } else if (ok && to < cur) {
    zap(cpu, slot, to, cur, gather);
    if (to === from) vmas.remove(from, cur);
    else vmas.resize(cur, to);
    shrunk = true;
  }
  if (ok) mem.store(b + MM_BRK, to);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  // Only a shrink unmapped anything; a refused call flushes nothing, as Linux's brk.
  if (shrunk) finish(cpu, slot, to, cur - to, gather);
  return ok ? to : cur;
}

/**
 * fork: a new mm with the parent's VMAs and entries. A private page becomes read-only in
 * both and shared (_mapcount + 1, a reference more), marked COW (a read-only one too, so
 * that mprotect cannot make it writable while shared);
 * a shared mapping stays writable in both; a swap entry gains a swap_map reference. An
 * inverted table cannot map one frame twice, so there every page is copied at once. The
 * parent's TLBs are flushed: its writable translations are now read-only.
 */
export function fork(cpu: Cpu, parent: number, childPid: number): number {
  const mem = cpu.mem;
  const pb = cpu.mmBase(parent);
  const child = mmCreate(cpu, childPid, mem.load(pb + MM_PID), mem.load(pb + MM_PTLR));
  if (child < 0) return child;
  const cb = cpu.mmBase(child);
  const ppt = cpu.pt(parent);
  const cpt = cpu.pt(child);
  const pv = cpu.vmas(parent);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so pb - MM_LOCK is pb (an equivalent mutant)
  cpu.lock(pb + MM_LOCK);
  // The child too: reclaim may already find its pages (copies on an inverted table).
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so cb - MM_LOCK is cb (an equivalent mutant)
  cpu.lock(cb + MM_LOCK);
  pv.copyTo(cpu.vmas(child));
  mem.store(cb + MM_BRK_START, mem.load(pb + MM_BRK_START));
  mem.store(cb + MM_BRK, mem.load(pb + MM_BRK));
  const vpns: number[] = [];
  ppt.forEach((vpn) => vpns.push(vpn));
  let r = 0;
  for (let k = 0; k < vpns.length && r === 0; k++) {
    const vpn = vpns[k];
    // Read each entry now, not from the list: an allocation below may have reclaimed it to swap.
    const pw = ppt.find(vpn);
    // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no entry sits there and <= 0 is < 0
    const e = pw < 0 ? 0 : mem.load(pw);
    if (e & PTE_SWAP && cpu.swap) {
      cpu.swap.dup(ptePfn(e));
      r = cpt.set(vpn, e);
      if (r === 0) mem.add(cb + MM_SWAPENTS, 1);
      else cpu.swap.free(ptePfn(e));
      continue;
    }
    if ((e & PTE_P) === 0) continue;
    const vi = pv.find(vpn);
    const shared = vi >= 0 && (pv.flags(vi) & VM_SHARED) !== 0;
    const pfn = ptePfn(e);
    if (!ppt.canShare) {
      // Pinned while a frame for the copy is found: reclaim may unmap it meanwhile, but not free its bytes.
      cpu.frames.get(pfn);
      const copy = cpu.allocFrame();
      if (copy >= 0) mem.u8.copyWithin(cpu.frames.frameByteOffset(copy), cpu.frames.frameByteOffset(pfn), cpu.frames.frameByteOffset(pfn) + PAGE_SIZE);
      cpu.frames.free(pfn);
      if (copy < 0) {
        r = -ENOMEM;
        break;
      }
      r = cpt.set(vpn, mkPte(copy, e & PTE_FLAGS));
      if (r < 0) {
        cpu.frames.free(copy);
        break;
      }
      cpu.frames.incMapcount(copy);
      if (cpu.reclaimer) cpu.reclaimer.rmapSet(copy, child, vpn);
    } else {
      // Shared before the child's table may allocate: a frame mapped twice is no reclaim candidate.
      cpu.frames.incMapcount(pfn);
      cpu.frames.get(pfn);
      let ce = e;
      // Every private page is marked, read-only ones too: a later mprotect(PROT_WRITE) must not
      // make a frame both mms map writable (Linux's PageAnonExclusive, which fork clears).
      if (!shared && cpu.variant !== VARIANT_NO_COW) {
        ce = (e & ~PTE_RW) | PTE_COW;
        mem.store(pw, ce);
      }
      r = cpt.set(vpn, ce);
      if (r < 0) {
        cpu.frames.decMapcount(pfn);
        cpu.frames.free(pfn);
        break;
      }
    }
    mem.add(cb + (shared ? MM_RSS_SHMEM : MM_RSS_ANON), 1);
  }
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so cb - MM_LOCK is cb (an equivalent mutant)
  cpu.unlock(cb + MM_LOCK);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so pb - MM_LOCK is pb (an equivalent mutant)
  cpu.unlock(pb + MM_LOCK);
  cpu.sd.flush(asidOf(parent), 0, FLUSH_CEILING + 1, mem.load(pb + MM_CPUMASK));
  if (r < 0) {
    exitMm(cpu, child);
    return r;
  }
  return child;
}

/** exit_mmap: zap everything, flush the ASID everywhere it ran (the slot's ASID will be reused), free the frames and tables. */
export function exitMm(cpu: Cpu, slot: number): void {
  const mem = cpu.mem;
  const b = cpu.mmBase(slot);
  const pt = cpu.pt(slot);
  const gather: number[] = [];
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.lock(b + MM_LOCK);
  const vpns: number[] = [];
  pt.forEach((vpn) => vpns.push(vpn));
  for (const vpn of vpns) zap(cpu, slot, vpn, vpn + 1, gather);
  mem.store(b + MM_NVMA, 0);
  // Reclaim checks the state under this lock: from here on it leaves the mm alone.
  mem.store(b + MM_STATE, MM_INIT);
  // Stryker disable next-line ArithmeticOperator: MM_LOCK is 0, so b - MM_LOCK is b (an equivalent mutant)
  cpu.unlock(b + MM_LOCK);
  finish(cpu, slot, 0, FLUSH_CEILING + 1, gather);
  pt.release();
  mem.store(b + MM_STATE, MM_FREE);
}

/** What a process holds, from its mm (for reports and oracles). */
export function mmCounters(cpu: Cpu, slot: number): { rssAnon: number; rssShmem: number; swapents: number; segv: number; ptBytes: number; vmas: number } {
  const mem = cpu.mem;
  const b = cpu.mmBase(slot);
  return {
    rssAnon: mem.load(b + MM_RSS_ANON),
    rssShmem: mem.load(b + MM_RSS_SHMEM),
    swapents: mem.load(b + MM_SWAPENTS),
    segv: mem.load(b + MM_SEGV),
    ptBytes: cpu.pt(slot).tableBytes(),
    vmas: Math.min(MAX_VMAS, mem.load(b + MM_NVMA)),
  };
}
