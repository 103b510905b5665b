import { describe, expect, it } from 'vitest';
import { FAULT_OOM, FAULT_SIGSEGV } from '../src/paging/mmu.js';
import { SEGV_ACCERR, SEGV_MAPERR, VM_SHARED } from '../src/paging/mm.js';
import { PT_KINDS, type PtKind } from '../src/paging/pagetable.js';
import { PROT_READ } from '../src/paging/pte.js';
import { brk, exitMm, fork, madviseDontneed, mmCounters, mmCreate, mmap, mprotect, munmap } from '../src/paging/vm.js';
import { auditAllFree } from '../src/paging/audit.js';
import { RW, bootCpu, spawn, va } from './paging-helpers.js';

/** One CPU, no swap: a fault that finds no frame is the process's OOM. */
function boot(pt: PtKind, frames = 64) {
  return { cpu: bootCpu({ cpus: 1, frames, tlbEntries: 8, pt, maxProcs: 4 }) };
}

describe.each(PT_KINDS)('MMU and processes on a %s table', (pt) => {
  it('demand-zero pages, real bytes, TLB hits, SIGSEGV for unmapped and read-only writes', () => {
    const { cpu } = boot(pt);
    const { mm: p, at } = spawn(cpu, 8);
    expect(at).toBeGreaterThan(0);
    expect(cpu.load32(va(at, 5))).toBe(0);
    expect(cpu.stats.minorFaults).toBe(1);
    cpu.store32(va(at, 5), 0x1234);
    expect(cpu.load32(va(at, 5))).toBe(0x1234);
    expect(cpu.tlb.hits).toBeGreaterThan(0);
    cpu.load32(va(at + 8));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    expect(cpu.siCode).toBe(SEGV_MAPERR);
    const ro = mmap(cpu, p, -1, 1, PROT_READ, 0);
    cpu.store32(va(ro), 1);
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    expect(cpu.siCode).toBe(SEGV_ACCERR);
    // past the PTLR: a trap before any walk
    cpu.load32(va((1 << 20) + 1));
    expect(cpu.siCode).toBe(SEGV_MAPERR);
    expect(mmCounters(cpu, p).segv).toBe(3);
    exitMm(cpu, p);
    expect(cpu.frames.freeFrames()).toBe(64);
    expect(cpu.frames.audit()).toEqual([]);
  });

  it('fork copies on write: the child sees the parent\'s bytes, and their writes stay apart', () => {
    const { cpu } = boot(pt);
    const { mm: parent, at } = spawn(cpu, 4);
    for (let i = 0; i < 4; i++) cpu.store32(va(at + i), 1000 + i);
    const child = fork(cpu, parent, 101);
    expect(child).toBeGreaterThanOrEqual(0);
    cpu.switchTo(child);
    expect(cpu.load32(va(at + 2))).toBe(1002);
    cpu.store32(va(at + 2), 2002);
    expect(cpu.load32(va(at + 2))).toBe(2002);
    cpu.switchTo(parent);
    expect(cpu.load32(va(at + 2))).toBe(1002);
    cpu.store32(va(at + 3), 3003);
    cpu.switchTo(child);
    expect(cpu.load32(va(at + 3))).toBe(1003);
    if (pt !== 'inverted') expect(cpu.stats.cowCopies).toBeGreaterThanOrEqual(1);
    exitMm(cpu, child);
    cpu.switchTo(parent);
    // the last sharer writes in place (wp_page_reuse): no copy
    const copies = cpu.stats.cowCopies;
    cpu.store32(va(at + 1), 7);
    expect(cpu.stats.cowCopies).toBe(copies);
    exitMm(cpu, parent);
    expect(cpu.frames.freeFrames()).toBe(64);
  });

  it('munmap, madvise(DONTNEED), mprotect and brk', () => {
    const { cpu } = boot(pt);
    const p = mmCreate(cpu, 100, 1, 1 << 20);
    cpu.switchTo(p);
    const at = mmap(cpu, p, 0x2000, 8, RW, 0);
    expect(at).toBe(0x2000);
    expect(mmap(cpu, p, 0x2004, 2, RW, 0)).toBe(-17);
    for (let i = 0; i < 8; i++) cpu.store32(va(at + i), i + 1);
    expect(munmap(cpu, p, at + 2, 2)).toBe(0);
    cpu.load32(va(at + 2));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    expect(cpu.load32(va(at + 4))).toBe(5);
    madviseDontneed(cpu, p, at + 4, 1);
    expect(cpu.load32(va(at + 4))).toBe(0);
    expect(mprotect(cpu, p, at + 5, 1, PROT_READ)).toBe(0);
    expect(cpu.load32(va(at + 5))).toBe(6);
    cpu.store32(va(at + 5), 9);
    expect(cpu.siCode).toBe(SEGV_ACCERR);
    expect(mprotect(cpu, p, at + 1, 3, PROT_READ)).toBe(-12); // a hole in the range
    const heap = brk(cpu, p, 0x100 + 4);
    expect(heap).toBe(0x104);
    cpu.store32(va(0x103), 42);
    expect(cpu.load32(va(0x103))).toBe(42);
    expect(brk(cpu, p, 0x100)).toBe(0x100);
    cpu.load32(va(0x103));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    exitMm(cpu, p);
    expect(cpu.frames.freeFrames()).toBe(64);
  });
});

describe('shared mappings and out of memory', () => {
  it('a MAP_SHARED mapping stays shared and writable across fork', () => {
    const { cpu } = boot('two-level');
    const { mm: parent, at } = spawn(cpu, 1, VM_SHARED);
    cpu.store32(va(at), 1);
    const child = fork(cpu, parent, 101);
    cpu.switchTo(child);
    cpu.store32(va(at), 2);
    cpu.switchTo(parent);
    expect(cpu.load32(va(at))).toBe(2);
    expect(mmCounters(cpu, parent).rssShmem).toBe(1);
    exitMm(cpu, child);
    exitMm(cpu, parent);
    expect(cpu.frames.freeFrames()).toBe(64);
  });

  it('without swap, a fault that finds no frame is OOM for the process, not a crash', () => {
    const { cpu } = boot('two-level', 8);
    const { mm: p, at } = spawn(cpu, 16);
    let oom = 0;
    for (let i = 0; i < 16; i++) {
      cpu.store32(va(at + i), i);
      if (cpu.fault === FAULT_OOM) oom++;
    }
    expect(oom).toBeGreaterThan(0);
    exitMm(cpu, p);
    expect(cpu.frames.freeFrames()).toBe(8);
  });
});

describe('frames from the kernel page allocator', () => {
  it.each([16, 63, 64, 65, 1000, 4096])('a --frames %i machine boots a kernel that manages exactly that many pages', (frames) => {
    const { cpu } = boot('two-level', frames);
    expect(cpu.frames.managed()).toBe(frames);
    expect(cpu.frames.freeFrames()).toBe(frames);
    expect(cpu.frames.audit()).toEqual([]);
  });

  it('hands out every frame once; a leaked frame breaks conservation, a frame freed while mapped is a bad_page', () => {
    const { cpu } = boot('two-level', 16);
    const got = Array.from({ length: 16 }, () => cpu.frames.alloc());
    expect(new Set(got).size).toBe(16);
    expect(cpu.frames.alloc()).toBe(-1);
    expect(cpu.frames.refcount(got[0])).toBe(1);
    expect(cpu.frames.mapcount(got[0])).toBe(0);
    for (const f of got.slice(1)) cpu.frames.free(f);
    expect(auditAllFree(cpu)).toEqual([{ message: '1 of 16 frames are still allocated after every process exited' }]);
    expect(cpu.frames.incMapcount(got[0])).toBe(1);
    cpu.frames.free(got[0]);
    expect(cpu.frames.audit().map((v) => v.message)).toEqual(['1 bad_page report(s), the last: nonzero mapcount']);
  });
});
