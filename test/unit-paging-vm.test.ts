import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EEXIST, EINVAL, ENOMEM } from '../src/errors.js';
import { Cpu, FAULT_SIGSEGV } from '../src/paging/mmu.js';
import { MAX_VMAS, MM_CPUMASK, MM_LOCK, MM_PARENT, MM_PID, MM_PTLR, MM_STATE, VM_SHARED, asidOf } from '../src/paging/mm.js';
import type { PtKind } from '../src/paging/pagetable.js';
import { PROT_READ, PTE_A, PTE_COW, PTE_D, PTE_P, PTE_RW, PTE_SWAP, ptePfn } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { FLUSH_CEILING } from '../src/paging/tlb.js';
import { MMAP_BASE, brk, exitMm, fork, madviseDontneed, mmCounters, mmCreate, mmap, mprotect, munmap } from '../src/paging/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { RW, va } from './paging-helpers.js';

/**
 * The address-space calls of src/paging/vm.ts, one CPU, in process: their return codes at
 * the boundaries (as Linux's mmap, munmap, mprotect, brk and fork), what they leave in the
 * page table and the mm's counters, and which CPUs they flush.
 */

/** vm.ts's MM_INIT: the state of a slot being filled or torn down, which reclaim leaves alone. */
const MM_INIT = 2;

/** A port that records every value a watched word takes (the mm state protocol). */
class Watched extends AtomicsMem {
  watch = -1;
  seen: number[] = [];
  private note(i: number): void {
    if (i === this.watch) this.seen.push(super.load(i));
  }
  override store(i: number, v: number): void {
    super.store(i, v);
    this.note(i);
  }
  override compareExchange(i: number, expected: number, replacement: number): number {
    const r = super.compareExchange(i, expected, replacement);
    if (r === expected) this.note(i);
    return r;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'memrace-vm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function boot(pt: PtKind = 'two-level', frames = 64, swap = false) {
  const cfg: MachineConfig = { cpus: 1, frames, tlbEntries: 8, pt, maxProcs: 4, ...(swap ? { swap: { path: join(dir, `swap-${files++}.img`), slots: 64, policy: 'fifo' as const } } : {}) };
  const arena = Arena.create(machineBytes(cfg));
  const mem = new Watched(arena.sab);
  const cpu = new Cpu(mem, createMachine(arena, mem, cfg), 0);
  return { cpu, mem };
}

function proc(cpu: Cpu, ptlr = 1 << 20, pid = 100): number {
  const mm = mmCreate(cpu, pid, 1, ptlr);
  cpu.switchTo(mm);
  return mm;
}

function pte(cpu: Cpu, mm: number, vpn: number): number {
  const w = cpu.pt(mm).find(vpn);
  return w < 0 ? 0 : cpu.mem.load(w);
}

function vmaList(cpu: Cpu, mm: number): number[][] {
  const v = cpu.vmas(mm);
  return Array.from({ length: v.count() }, (_, i) => [v.start(i), v.end(i), v.prot(i), v.flags(i)]);
}

/** MAX_VMAS one-page mappings two pages apart from `at`, the first `first` pages long: the VMA list is full. */
function fillVmas(cpu: Cpu, mm: number, at: number, first: number): void {
  expect(mmap(cpu, mm, at, first, RW, 0)).toBe(at);
  for (let i = 1; i < MAX_VMAS; i++) expect(mmap(cpu, mm, at + first + 2 * i, 1, RW, 0)).toBe(at + first + 2 * i);
  expect(mmap(cpu, mm, -1, 1, RW, 0)).toBe(-ENOMEM);
}

describe('mm_alloc and exit_mmap: the slot protocol', () => {
  it('takes the lowest free slot, says -ENOMEM when all are taken, and reuses an exited slot from clean words', () => {
    const { cpu, mem } = boot();
    expect([0, 1, 2, 3].map((i) => mmCreate(cpu, 100 + i, 7, 0x2000))).toEqual([0, 1, 2, 3]);
    expect(mmCreate(cpu, 104, 7, 0x2000)).toBe(-ENOMEM);
    const b1 = cpu.mmBase(1);
    expect([mem.load(b1 + MM_PID), mem.load(b1 + MM_PARENT), mem.load(b1 + MM_PTLR)]).toEqual([101, 7, 0x2000]);
    cpu.switchTo(1);
    const at = mmap(cpu, 1, -1, 2, RW, 0);
    cpu.store32(va(at), 1);
    cpu.load32(va(at + 5));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    expect(mmCounters(cpu, 1)).toMatchObject({ rssAnon: 1, segv: 1, vmas: 1 });
    mem.watch = b1 + MM_STATE;
    exitMm(cpu, 1);
    // torn down in INIT (reclaim skips it), FREE only once its tables are gone
    expect(mem.seen).toEqual([MM_INIT, 0]);
    // another CPU holds the next slot's lock meanwhile: filling this slot leaves that word alone
    mem.store(cpu.mmBase(2) + MM_LOCK, 2);
    mem.seen = [];
    expect(mmCreate(cpu, 200, 9, 0x3000)).toBe(1);
    // never FREE while being filled: no other CPU can take it half-initialised
    expect(mem.seen).toEqual([MM_INIT, 1]);
    expect(mem.load(cpu.mmBase(2) + MM_LOCK)).toBe(2);
    expect(mmCounters(cpu, 1)).toEqual({ rssAnon: 0, rssShmem: 0, swapents: 0, segv: 0, ptBytes: cpu.pt(1).tableBytes(), vmas: 0 });
    expect([mem.load(b1 + MM_PID), mem.load(b1 + MM_PARENT), mem.load(b1 + MM_PTLR)]).toEqual([200, 9, 0x3000]);
  });

  it('exit touches no other mm: a neighbour with a full VMA list keeps every VMA', () => {
    const { cpu } = boot();
    const a = proc(cpu);
    fillVmas(cpu, a, 0x2000, 1);
    const before = vmaList(cpu, a);
    const b = proc(cpu);
    expect(b).toBe(1);
    cpu.store32(va(mmap(cpu, b, -1, 1, RW, 0)), 5);
    exitMm(cpu, b);
    expect(vmaList(cpu, a)).toEqual(before);
    expect(cpu.vmas(a).audit()).toEqual([]);
    expect(mmCounters(cpu, a).vmas).toBe(MAX_VMAS);
  });
});

describe('mmap', () => {
  it('-EINVAL for no pages; -ENOMEM for a fixed range past the PTLR (TASK_SIZE) or no gap left; a fixed range may start at vpn 0 and end at the PTLR', () => {
    const { cpu } = boot();
    const mm = proc(cpu, MMAP_BASE + 16);
    expect(mmap(cpu, mm, -1, 0, RW, 0)).toBe(-EINVAL);
    expect(mmap(cpu, mm, 0x100, -1, RW, 0)).toBe(-EINVAL);
    expect(mmap(cpu, mm, MMAP_BASE + 16, 1, RW, 0)).toBe(-ENOMEM);
    expect(mmap(cpu, mm, MMAP_BASE + 8, 9, RW, 0)).toBe(-ENOMEM);
    expect(mmap(cpu, mm, MMAP_BASE + 8, 8, RW, 0)).toBe(MMAP_BASE + 8);
    expect(mmap(cpu, mm, 0, 1, RW, 0)).toBe(0);
    expect(mmap(cpu, mm, 0, 1, RW, 0)).toBe(-EEXIST);
    // no address: the lowest gap at or above MMAP_BASE that ends by the PTLR
    expect(mmap(cpu, mm, -1, 9, RW, 0)).toBe(-ENOMEM);
    expect(mmap(cpu, mm, -1, 8, RW, 0)).toBe(MMAP_BASE);
    expect(mmap(cpu, mm, -1, 1, RW, 0)).toBe(-ENOMEM);
    expect(vmaList(cpu, mm)).toEqual([[0, 1, RW, 0], [MMAP_BASE, MMAP_BASE + 8, RW, 0], [MMAP_BASE + 8, MMAP_BASE + 16, RW, 0]]);
    expect(mmCounters(cpu, mm).vmas).toBe(3);
  });

  it('a shared mapping on an inverted table is -EINVAL: one frame cannot be mapped twice there', () => {
    const { cpu } = boot('inverted');
    const mm = proc(cpu);
    expect(mmap(cpu, mm, -1, 1, RW, VM_SHARED)).toBe(-EINVAL);
    expect(mmap(cpu, mm, -1, 1, RW, 0)).toBe(MMAP_BASE);
  });
});

describe('munmap and madvise(MADV_DONTNEED)', () => {
  it('-EINVAL for no pages or a negative start; a range from vpn 0 or over a hole is fine', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    expect(munmap(cpu, mm, 0x2000, 0)).toBe(-EINVAL);
    expect(munmap(cpu, mm, 0x2000, -1)).toBe(-EINVAL);
    expect(munmap(cpu, mm, -1, 2)).toBe(-EINVAL);
    expect(munmap(cpu, mm, 0, 4)).toBe(0);
  });

  it('counts each unmapped page off its RSS type, returns its frame, and flushes the CPUs of the mm\'s cpumask', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    expect(mmap(cpu, mm, 0x2000, 2, RW, VM_SHARED)).toBe(0x2000);
    expect(mmap(cpu, mm, 0x2010, 4, RW, 0)).toBe(0x2010);
    for (const v of [0x2000, 0x2001, 0x2010, 0x2011, 0x2012, 0x2013]) cpu.store32(va(v), v);
    expect(mmCounters(cpu, mm)).toMatchObject({ rssShmem: 2, rssAnon: 4 });
    const free = cpu.frames.freeFrames();
    const flush = vi.spyOn(cpu.sd, 'flush');
    expect(munmap(cpu, mm, 0x2000, 1)).toBe(0);
    expect(mmCounters(cpu, mm)).toMatchObject({ rssShmem: 1, rssAnon: 4 });
    expect(flush).toHaveBeenLastCalledWith(asidOf(mm), 0x2000, 1, 1);
    expect(munmap(cpu, mm, 0x2011, 2)).toBe(0);
    expect(mmCounters(cpu, mm)).toMatchObject({ rssShmem: 1, rssAnon: 2, vmas: 3 });
    expect(cpu.frames.freeFrames()).toBe(free + 3);
    expect([cpu.load32(va(0x2001)), cpu.load32(va(0x2010)), cpu.load32(va(0x2013))]).toEqual([0x2001, 0x2010, 0x2013]);
    cpu.load32(va(0x2012));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
  });

  it('refuses a split past MAX_VMAS with -ENOMEM and unmaps nothing', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    fillVmas(cpu, mm, 0x2000, 4);
    cpu.store32(va(0x2001), 11);
    expect(munmap(cpu, mm, 0x2001, 1)).toBe(-ENOMEM);
    expect(cpu.load32(va(0x2001))).toBe(11);
    expect(mmCounters(cpu, mm)).toMatchObject({ rssAnon: 1, vmas: MAX_VMAS });
  });

  it('DONTNEED drops only the range asked for, in every VMA it crosses, and keeps the mappings', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    expect(mmap(cpu, mm, 0x2000, 4, RW, 0)).toBe(0x2000);
    expect(mmap(cpu, mm, 0x2006, 4, RW, 0)).toBe(0x2006);
    for (const v of [0x2000, 0x2001, 0x2002, 0x2003, 0x2006, 0x2007, 0x2008]) cpu.store32(va(v), v);
    expect(madviseDontneed(cpu, mm, 0x2002, 6)).toBe(0);
    expect([0x2000, 0x2001, 0x2002, 0x2003, 0x2006, 0x2007, 0x2008].map((v) => pte(cpu, mm, v) & PTE_P)).toEqual([PTE_P, PTE_P, 0, 0, 0, 0, PTE_P]);
    expect(mmCounters(cpu, mm)).toMatchObject({ rssAnon: 3, vmas: 2 });
    expect([0x2000, 0x2001, 0x2002, 0x2007, 0x2008].map((v) => cpu.load32(va(v)))).toEqual([0x2000, 0x2001, 0, 0, 0x2008]);
  });

  it('a swapped-out page gives its swap slot back; an empty entry in the range frees no slot', () => {
    const { cpu } = boot('two-level', 16, true);
    const mm = proc(cpu);
    const at = mmap(cpu, mm, -1, 20, RW, 0);
    let k = 0;
    while (cpu.stats.swapOuts === 0) cpu.store32(va(at + k), k + 1), k++;
    const e = pte(cpu, mm, at);
    expect(e & PTE_SWAP).toBe(PTE_SWAP);
    const slot = ptePfn(e);
    expect(cpu.swap?.count(slot)).toBe(1);
    expect(mmCounters(cpu, mm).swapents).toBe(1);
    // the range holds the swap entry, present pages and never-touched ones
    expect(munmap(cpu, mm, at, 20)).toBe(0);
    expect(cpu.swap?.count(slot)).toBe(0);
    expect(cpu.swap?.used()).toBe(0);
    expect(mmCounters(cpu, mm)).toMatchObject({ swapents: 0, rssAnon: 0, vmas: 0 });
  });
});

describe('mprotect', () => {
  it('0 for no pages (Linux returns before any check), -EINVAL for a negative count or PROT_NONE (not modelled), -ENOMEM over a hole', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    expect(mmap(cpu, mm, 0x2000, 4, RW, 0)).toBe(0x2000);
    expect(mprotect(cpu, mm, 0x2000, 0, PROT_READ)).toBe(0);
    expect(mprotect(cpu, mm, 0x2001, 0, PROT_READ)).toBe(0); // no split either
    expect(mprotect(cpu, mm, 0x2000, -1, PROT_READ)).toBe(-EINVAL);
    expect(mprotect(cpu, mm, 0x2000, 1, 0)).toBe(-EINVAL);
    expect(mprotect(cpu, mm, 0x2003, 2, PROT_READ)).toBe(-ENOMEM);
    expect(mprotect(cpu, mm, 0x1fff, 2, PROT_READ)).toBe(-ENOMEM);
    expect(vmaList(cpu, mm)).toEqual([[0x2000, 0x2004, RW, 0]]);
  });

  it('rewrites only the present entries of the range, keeps A and D, leaves the next page alone, and flushes the mm\'s CPUs', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    expect(mmap(cpu, mm, 0x2000, 4, RW, 0)).toBe(0x2000);
    expect(mmap(cpu, mm, 0x40000, 2, RW, 0)).toBe(0x40000); // far away: no table yet
    cpu.store32(va(0x2000), 1);
    cpu.load32(va(0x2001));
    cpu.store32(va(0x2003), 3);
    const flush = vi.spyOn(cpu.sd, 'flush');
    // the whole first VMA, up to the hole after it
    expect(mprotect(cpu, mm, 0x2000, 3, PROT_READ)).toBe(0);
    expect(flush).toHaveBeenLastCalledWith(asidOf(mm), 0x2000, 3, 1);
    expect(pte(cpu, mm, 0x2000) & (PTE_P | PTE_RW | PTE_A | PTE_D)).toBe(PTE_P | PTE_A | PTE_D);
    expect(pte(cpu, mm, 0x2001) & (PTE_P | PTE_RW | PTE_A | PTE_D)).toBe(PTE_P | PTE_A);
    expect(pte(cpu, mm, 0x2002)).toBe(0);
    expect(pte(cpu, mm, 0x2003) & (PTE_P | PTE_RW)).toBe(PTE_P | PTE_RW);
    expect(vmaList(cpu, mm)).toEqual([[0x2000, 0x2003, PROT_READ, 0], [0x2003, 0x2004, RW, 0], [0x40000, 0x40002, RW, 0]]);
    expect(mprotect(cpu, mm, 0x2000, 4, RW)).toBe(0);
    expect(pte(cpu, mm, 0x2000) & PTE_RW).toBe(PTE_RW);
    expect(mprotect(cpu, mm, 0x40000, 2, PROT_READ)).toBe(0);
    expect(pte(cpu, mm, 0x40000)).toBe(0);
  });

  it('refuses a split past MAX_VMAS with -ENOMEM and changes no entry', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    fillVmas(cpu, mm, 0x2000, 4);
    cpu.store32(va(0x2001), 11);
    expect(mprotect(cpu, mm, 0x2001, 1, PROT_READ)).toBe(-ENOMEM);
    expect(pte(cpu, mm, 0x2001) & PTE_RW).toBe(PTE_RW);
    expect(vmaList(cpu, mm)[0]).toEqual([0x2000, 0x2004, RW, 0]);
  });

  it('a page shared by fork stays read-only after mprotect(PROT_WRITE), read-only before fork or not: a write copies it', () => {
    const { cpu } = boot();
    const p = proc(cpu);
    const rw = mmap(cpu, p, -1, 1, RW, 0);
    const ro = mmap(cpu, p, -1, 1, PROT_READ, 0);
    cpu.store32(va(rw), 1);
    expect(cpu.load32(va(ro))).toBe(0);
    const c = fork(cpu, p, 101);
    for (const mm of [p, c]) expect(mprotect(cpu, mm, ro, 1, RW)).toBe(0);
    for (const mm of [p, c]) for (const v of [rw, ro]) expect(pte(cpu, mm, v) & (PTE_RW | PTE_COW)).toBe(PTE_COW);
    cpu.switchTo(c);
    cpu.store32(va(ro), 5);
    cpu.store32(va(rw), 6);
    expect(cpu.stats.cowCopies).toBe(2);
    cpu.switchTo(p);
    expect([cpu.load32(va(ro)), cpu.load32(va(rw))]).toEqual([0, 1]);
  });
});

describe('brk', () => {
  it('grows and shrinks the heap from start_brk; refuses (returning the old break) below start_brk or into a mapping', () => {
    const { cpu } = boot();
    const mm = proc(cpu);
    const flush = vi.spyOn(cpu.sd, 'flush');
    expect(brk(cpu, mm, 0)).toBe(0x100); // below start_brk: the current break, as brk(0) in Linux
    expect(brk(cpu, mm, 0x100)).toBe(0x100);
    expect(brk(cpu, mm, 0x104)).toBe(0x104);
    expect(brk(cpu, mm, 0x108)).toBe(0x108);
    expect(vmaList(cpu, mm)).toEqual([[0x100, 0x108, RW, 2]]);
    expect(flush).not.toHaveBeenCalled(); // growing unmaps nothing: no shootdown
    expect(mmap(cpu, mm, 0x10a, 1, RW, 0)).toBe(0x10a);
    expect(brk(cpu, mm, 0x10c)).toBe(0x108);
    expect(brk(cpu, mm, 0)).toBe(0x108);
    for (let v = 0x100; v < 0x108; v++) cpu.store32(va(v), v);
    expect(brk(cpu, mm, 0x102)).toBe(0x102);
    expect(flush).toHaveBeenLastCalledWith(asidOf(mm), 0x102, 6, 1);
    expect(vmaList(cpu, mm)).toEqual([[0x100, 0x102, RW, 2], [0x10a, 0x10b, RW, 0]]);
    expect(mmCounters(cpu, mm).rssAnon).toBe(2);
    expect(brk(cpu, mm, 0xff)).toBe(0x102);
    expect(cpu.load32(va(0x101))).toBe(0x101);
    cpu.load32(va(0x102));
    expect(cpu.fault).toBe(FAULT_SIGSEGV);
    expect(brk(cpu, mm, 0x100)).toBe(0x100);
    expect(vmaList(cpu, mm)).toEqual([[0x10a, 0x10b, RW, 0]]);
    expect(brk(cpu, mm, 0x101)).toBe(0x101);
    expect(cpu.load32(va(0x100))).toBe(0);
  });
});

describe('fork', () => {
  it('copies VMAs, break, parent pid and counters; shares private pages copy-on-write; flushes the parent\'s CPUs', () => {
    const { cpu, mem } = boot();
    const first = proc(cpu, 1 << 20, 50);
    const p = proc(cpu, 1 << 20, 60);
    expect(p).toBe(1);
    exitMm(cpu, first); // slot 0 free again: the child takes it
    expect(brk(cpu, p, 0x104)).toBe(0x104);
    const sh = mmap(cpu, p, -1, 2, RW, VM_SHARED);
    for (const v of [0x100, 0x101, 0x102, sh]) cpu.store32(va(v), v);
    const flush = vi.spyOn(cpu.sd, 'flush');
    const c = fork(cpu, p, 61);
    expect(c).toBe(0);
    expect(flush).toHaveBeenLastCalledWith(asidOf(p), 0, FLUSH_CEILING + 1, mem.load(cpu.mmBase(p) + MM_CPUMASK));
    expect(mem.load(cpu.mmBase(c) + MM_PARENT)).toBe(60);
    expect(mem.load(cpu.mmBase(c) + MM_PID)).toBe(61);
    expect(vmaList(cpu, c)).toEqual(vmaList(cpu, p));
    expect(mmCounters(cpu, c)).toMatchObject({ rssAnon: 3, rssShmem: 1, swapents: 0, vmas: 2 });
    for (const v of [0x100, 0x101, 0x102]) {
      expect(pte(cpu, c, v)).toBe(pte(cpu, p, v));
      expect(pte(cpu, p, v) & (PTE_RW | PTE_COW)).toBe(PTE_COW);
      const pfn = ptePfn(pte(cpu, p, v));
      expect([cpu.frames.mapcount(pfn), cpu.frames.refcount(pfn)]).toEqual([2, 2]);
    }
    expect(pte(cpu, c, sh) & (PTE_RW | PTE_COW)).toBe(PTE_RW);
    cpu.switchTo(c);
    expect(brk(cpu, c, 0xff)).toBe(0x104);
    expect(brk(cpu, c, 0x102)).toBe(0x102);
    expect(cpu.load32(va(0x101))).toBe(0x101);
    cpu.switchTo(p);
    expect(brk(cpu, p, 0)).toBe(0x104);
    expect(cpu.load32(va(0x103))).toBe(0);
  });

  it('-ENOMEM with every slot taken, or when the child\'s table finds no frame: then nothing is left behind', () => {
    const { cpu } = boot('two-level', 16);
    const p = proc(cpu);
    const at = mmap(cpu, p, -1, 32, RW, 0);
    for (let k = 0; cpu.frames.freeFrames() > 0; k++) cpu.store32(va(at + k), k);
    const rss = mmCounters(cpu, p).rssAnon;
    expect(fork(cpu, p, 101)).toBe(-ENOMEM);
    expect(cpu.frames.freeFrames()).toBe(0);
    expect(mmCounters(cpu, p).rssAnon).toBe(rss);
    for (let k = 0; k < rss; k++) {
      const e = pte(cpu, p, at + k);
      expect(e & PTE_P).toBe(PTE_P);
      expect([cpu.frames.mapcount(ptePfn(e)), cpu.frames.refcount(ptePfn(e))]).toEqual([1, 1]);
    }
    // entries already write-protected stay so, as Linux leaves them: the next write reuses the frame
    cpu.store32(va(at), 77);
    expect(cpu.load32(va(at))).toBe(77);
    expect(cpu.stats.cowCopies).toBe(0);
    expect(mmCreate(cpu, 102, 1, 64)).toBe(1);
    expect(mmCreate(cpu, 103, 1, 64)).toBe(2);
    expect(mmCreate(cpu, 104, 1, 64)).toBe(3);
    const image = [...cpu.mem.i32];
    expect(fork(cpu, p, 105)).toBe(-ENOMEM);
    expect(cpu.mem.i32.findIndex((w, i) => w !== image[i])).toBe(-1); // no slot: nothing written anywhere
  });

  it('on an inverted table copies every page at once, and gives the copies back when it runs out of frames', () => {
    const { cpu } = boot('inverted', 16);
    const p = proc(cpu);
    const at = mmap(cpu, p, -1, 16, RW, 0);
    for (let k = 0; k < 4; k++) cpu.store32(va(at + k), k + 1);
    const free = cpu.frames.freeFrames();
    const c = fork(cpu, p, 101);
    expect(c).toBe(1);
    expect(cpu.frames.freeFrames()).toBe(free - 4);
    cpu.switchTo(c);
    expect([0, 1, 2, 3].map((k) => cpu.load32(va(at + k)))).toEqual([1, 2, 3, 4]);
    for (let k = 0; k < 4; k++) expect(ptePfn(pte(cpu, c, at + k))).not.toBe(ptePfn(pte(cpu, p, at + k)));
    exitMm(cpu, c);
    cpu.switchTo(p);
    for (let k = 4; cpu.frames.freeFrames() > 2; k++) cpu.store32(va(at + k), k + 1);
    const left = cpu.frames.freeFrames();
    expect(fork(cpu, p, 102)).toBe(-ENOMEM);
    expect(cpu.frames.freeFrames()).toBe(left);
    expect(mmCreate(cpu, 103, 1, 64)).toBe(1);
  });

  it('a frame the parent still maps keeps its reverse map when the child unmaps it: fifo evicts it first, as the oldest', () => {
    const { cpu } = boot('two-level', 16, true);
    const p = proc(cpu);
    const at = mmap(cpu, p, -1, 40, RW, 0);
    cpu.store32(va(at), 1);
    const c = fork(cpu, p, 101);
    expect(munmap(cpu, c, at, 1)).toBe(0);
    cpu.switchTo(p);
    for (let k = 1; cpu.stats.swapOuts === 0; k++) cpu.store32(va(at + k), k + 1);
    expect(pte(cpu, p, at) & PTE_SWAP).toBe(PTE_SWAP);
  });

  it('on an inverted table the child\'s copies are reclaim candidates like any page it faulted in', () => {
    const { cpu } = boot('inverted', 16, true);
    const p = proc(cpu);
    const at = mmap(cpu, p, -1, 40, RW, 0);
    for (let k = 0; k < 3; k++) cpu.store32(va(at + k), k + 1);
    const c = fork(cpu, p, 101);
    exitMm(cpu, p);
    cpu.switchTo(c);
    for (let k = 3; cpu.stats.swapOuts === 0; k++) cpu.store32(va(at + k), k + 1);
    expect(pte(cpu, c, at) & PTE_SWAP).toBe(PTE_SWAP);
    expect(cpu.load32(va(at))).toBe(1);
  });

  it('a swap entry is shared: one more swap_map reference, counted in the child\'s swapents', () => {
    const { cpu } = boot('two-level', 16, true);
    const p = proc(cpu);
    const at = mmap(cpu, p, -1, 20, RW, 0);
    for (let k = 0; cpu.stats.swapOuts === 0; k++) cpu.store32(va(at + k), k + 1);
    const slot = ptePfn(pte(cpu, p, at));
    const c = fork(cpu, p, 101);
    expect(c).toBe(1);
    expect(cpu.swap?.count(slot)).toBe(2);
    expect(pte(cpu, c, at)).toBe(pte(cpu, p, at));
    // the child's tables took frames, so reclaim may have swapped more: every entry counts
    const swapped = (mm: number) => Array.from({ length: 20 }, (_, k) => pte(cpu, mm, at + k) & PTE_SWAP).filter(Boolean).length;
    expect(mmCounters(cpu, c).swapents).toBe(swapped(c));
    expect(mmCounters(cpu, p).swapents).toBe(swapped(p));
    cpu.switchTo(c);
    expect(cpu.load32(va(at))).toBe(1);
    expect(cpu.swap?.count(slot)).toBe(1);
    expect(mmCounters(cpu, c).swapents).toBe(swapped(c));
  });
});
