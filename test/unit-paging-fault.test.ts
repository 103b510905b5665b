import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { handleMmFault } from '../src/paging/fault.js';
import { Cpu, FAULT_OOM, FAULT_SIGSEGV } from '../src/paging/mmu.js';
import { MM_LOCK, SEGV_ACCERR, VM_SHARED, asidOf } from '../src/paging/mm.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE, PAGE_SIZE, PROT_READ, PTE_COW, PTE_D, PTE_P, PTE_RW, PTE_SWAP, ptePfn } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { fork, mmCounters, mmCreate, mmap, munmap } from '../src/paging/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { RW, va } from './paging-helpers.js';

/**
 * handle_mm_fault (src/paging/fault.ts) called directly and through the MMU, in process:
 * what each kind of fault installs (A, D, COW, RSS type), out of memory at each allocation,
 * and the races a handler backs out of: CPU 1 is made to fault the same page in (or swap
 * it in) while CPU 0 allocates with the mm lock dropped.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-fault-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function boot(frames = 32, swap = false) {
  const cfg: MachineConfig = { cpus: 2, frames, tlbEntries: 4, pt: 'two-level', maxProcs: 4, ...(swap ? { swap: { path: join(dir, `swap-${files++}.img`), slots: 64, policy: 'fifo' as const } } : {}) };
  const arena = Arena.create(machineBytes(cfg));
  const mem = new AtomicsMem(arena.sab);
  const sys = createMachine(arena, mem, cfg);
  return { mem, cpu0: new Cpu(mem, sys, 0), cpu1: new Cpu(mem, sys, 1) };
}

function proc(cpu: Cpu, pages: number, prot = RW, flags = 0) {
  const mm = mmCreate(cpu, 100, 1, 1 << 20);
  cpu.switchTo(mm);
  return { mm, at: mmap(cpu, mm, -1, pages, prot, flags) };
}

const pte = (cpu: Cpu, mm: number, vpn: number) => {
  const w = cpu.pt(mm).find(vpn);
  return w < 0 ? 0 : cpu.mem.load(w);
};

/** Touch pages from `at` until the first one is swapped out: how many were touched. */
function untilSwapped(cpu: Cpu, at: number): number {
  let k = 0;
  while (cpu.stats.swapOuts === 0) cpu.store32(va(at + k), 100 + k), k++;
  return k;
}

describe('what a fault installs', () => {
  it('a first read maps A without D, a first write A and D; a read of a read-only mapping is allowed, a write or exec is SEGV_ACCERR', () => {
    const { cpu0: cpu } = boot();
    const { mm, at } = proc(cpu, 2);
    const ro = mmap(cpu, mm, -1, 1, PROT_READ, 0);
    expect(handleMmFault(cpu, at, ACC_READ)).toBe(0);
    expect(pte(cpu, mm, at) & (PTE_P | PTE_RW | PTE_D)).toBe(PTE_P | PTE_RW);
    expect(handleMmFault(cpu, at + 1, ACC_WRITE)).toBe(0);
    expect(pte(cpu, mm, at + 1) & (PTE_P | PTE_RW | PTE_D)).toBe(PTE_P | PTE_RW | PTE_D);
    expect(handleMmFault(cpu, ro, ACC_READ)).toBe(0);
    expect(pte(cpu, mm, ro) & (PTE_P | PTE_RW)).toBe(PTE_P);
    expect(handleMmFault(cpu, ro, ACC_EXEC)).toBe(FAULT_SIGSEGV);
    expect(handleMmFault(cpu, ro, ACC_WRITE)).toBe(FAULT_SIGSEGV);
    expect(cpu.siCode).toBe(SEGV_ACCERR);
    expect(cpu.stats.minorFaults).toBe(3);
    expect(mmCounters(cpu, mm).rssAnon).toBe(3);
  });

  it('a fault on an entry already present only retries: a read never upgrades it, a write to a writable shared page copies nothing', () => {
    const { cpu0: cpu } = boot();
    const { mm, at } = proc(cpu, 1, RW, VM_SHARED);
    const ro = mmap(cpu, mm, -1, 1, PROT_READ, 0);
    cpu.load32(va(ro));
    cpu.store32(va(at), 4);
    const child = fork(cpu, mm, 101);
    const before = [pte(cpu, mm, ro), pte(cpu, mm, at)];
    expect(handleMmFault(cpu, ro, ACC_READ)).toBe(0);
    expect(handleMmFault(cpu, at, ACC_WRITE)).toBe(0);
    expect([pte(cpu, mm, ro), pte(cpu, mm, at)]).toEqual(before);
    expect(pte(cpu, child, at)).toBe(pte(cpu, mm, at));
    expect(cpu.stats.cowCopies).toBe(0);
  });

  it('a new page is zero in every byte, even on a frame that held another page', () => {
    const { cpu0: cpu } = boot(8);
    const { mm, at } = proc(cpu, 64);
    let k = 0;
    while (cpu.frames.freeFrames() > 0) cpu.store32(va(at + k), 1), k++;
    for (let w = 0; w < PAGE_SIZE / 4; w++) cpu.store32(va(at, w), -1);
    const pfn = ptePfn(pte(cpu, mm, at));
    expect(munmap(cpu, mm, at, 1)).toBe(0);
    // the one free frame is the one just released
    expect(cpu.load32(va(at + k))).toBe(0);
    expect(ptePfn(pte(cpu, mm, at + k))).toBe(pfn);
    let nonzero = 0;
    for (let w = 0; w < PAGE_SIZE / 4; w++) if (cpu.load32(va(at + k, w)) !== 0) nonzero++;
    expect(nonzero).toBe(0);
  });

  it('a copy on write copies the whole page, counts it anon, flushes the mm\'s CPUs, and gives the old frame one reference back', () => {
    const { cpu0: cpu } = boot();
    const { mm, at } = proc(cpu, 1);
    cpu.store32(va(at, 0), 1);
    cpu.store32(va(at, PAGE_SIZE / 4 - 1), 2);
    const child = fork(cpu, mm, 101);
    const old = ptePfn(pte(cpu, mm, at));
    cpu.switchTo(child);
    const flush = vi.spyOn(cpu.sd, 'flush');
    cpu.store32(va(at, 1), 3);
    expect(flush).toHaveBeenCalledWith(asidOf(child), at, 1, 1);
    expect([cpu.load32(va(at, 0)), cpu.load32(va(at, 1)), cpu.load32(va(at, PAGE_SIZE / 4 - 1))]).toEqual([1, 3, 2]);
    expect(ptePfn(pte(cpu, child, at))).not.toBe(old);
    expect([cpu.frames.mapcount(old), cpu.frames.refcount(old)]).toEqual([1, 1]);
    expect(mmCounters(cpu, child)).toMatchObject({ rssAnon: 1, rssShmem: 0 });
    expect(cpu.stats.cowCopies).toBe(1);
    // the parent is the frame's last user now: its write reuses it in place
    cpu.switchTo(mm);
    cpu.store32(va(at, 1), 4);
    expect(ptePfn(pte(cpu, mm, at))).toBe(old);
    expect(pte(cpu, mm, at) & (PTE_RW | PTE_COW | PTE_D)).toBe(PTE_RW | PTE_D);
    expect(cpu.stats.cowCopies).toBe(1);
  });
});

describe('out of memory in a fault', () => {
  it('no frame for the page, or none for its table: OOM, counted once each, nothing leaked', () => {
    const { cpu0: cpu } = boot(8);
    const { mm, at } = proc(cpu, 4096);
    let k = 0;
    while (cpu.frames.freeFrames() > 0) cpu.store32(va(at + k), k), k++;
    cpu.store32(va(at + k), 1);
    expect(cpu.fault).toBe(FAULT_OOM);
    expect(cpu.stats.oom).toBe(1);
    // one frame left, for the page; its table (another 1024 pages on) finds none
    expect(munmap(cpu, mm, at, 1)).toBe(0);
    cpu.store32(va(at + 2048), 1);
    expect(cpu.fault).toBe(FAULT_OOM);
    expect(cpu.stats.oom).toBe(2);
    expect(cpu.frames.freeFrames()).toBe(1);
    expect(pte(cpu, mm, at + 2048)).toBe(0);
  });

  it('no frame for a copy on write: OOM, and the shared frame keeps both its references', () => {
    const { cpu0: cpu } = boot(8);
    const { mm, at } = proc(cpu, 64);
    cpu.store32(va(at), 5);
    const child = fork(cpu, mm, 101);
    cpu.switchTo(mm);
    let k = 1;
    while (cpu.frames.freeFrames() > 0) cpu.store32(va(at + k), k), k++;
    const old = ptePfn(pte(cpu, mm, at));
    cpu.switchTo(child);
    cpu.store32(va(at), 6);
    expect(cpu.fault).toBe(FAULT_OOM);
    expect(cpu.stats.oom).toBe(1);
    expect([cpu.frames.mapcount(old), cpu.frames.refcount(old)]).toEqual([2, 2]);
    expect(cpu.load32(va(at))).toBe(5);
  });
});

describe('races a fault backs out of (the other CPU acts while this one allocates)', () => {
  it('first touch: CPU 1 maps the page first; CPU 0 frees its frame and finds CPU 1\'s', () => {
    const { cpu0, cpu1 } = boot();
    const { mm, at } = proc(cpu0, 1);
    cpu1.switchTo(mm);
    const alloc = cpu0.allocFrame.bind(cpu0);
    vi.spyOn(cpu0, 'allocFrame').mockImplementationOnce(() => {
      const pfn = alloc();
      cpu1.store32(va(at), 7);
      return pfn;
    });
    const free = cpu0.frames.freeFrames();
    expect(cpu0.load32(va(at))).toBe(7);
    expect(cpu0.stats.minorFaults).toBe(0);
    expect(cpu0.frames.freeFrames()).toBe(free - 1 - 2); // CPU 1's frame and the table's two
    expect(mmCounters(cpu0, mm).rssAnon).toBe(1);
  });

  it('swap-in: CPU 1 swaps the page in first; CPU 0 frees its frame, and the swap slot is freed once', () => {
    const { cpu0, cpu1 } = boot(16, true);
    const { mm, at } = proc(cpu0, 40);
    untilSwapped(cpu0, at);
    const slot = ptePfn(pte(cpu0, mm, at));
    munmap(cpu0, mm, at + 10, 2); // two free frames: one each
    cpu1.switchTo(mm);
    const alloc = cpu0.allocFrame.bind(cpu0);
    vi.spyOn(cpu0, 'allocFrame').mockImplementationOnce(() => {
      const pfn = alloc();
      expect(cpu1.load32(va(at))).toBe(100);
      return pfn;
    });
    expect(cpu0.load32(va(at))).toBe(100);
    expect(cpu0.swap?.count(slot)).toBe(0);
    expect(cpu0.stats.majorFaults).toBe(0);
    expect(cpu1.stats.majorFaults).toBe(1);
    expect(mmCounters(cpu0, mm).swapents).toBe(0);
    expect(cpu0.frames.freeFrames()).toBe(1);
  });

  it('swap-in waits (serving shootdowns) until the reclaimer has written the slot', () => {
    const { cpu0, mem } = boot(16, true);
    const { mm, at } = proc(cpu0, 40);
    untilSwapped(cpu0, at);
    const swap = cpu0.swap;
    if (!swap) throw new Error('no swap');
    const slot = ptePfn(pte(cpu0, mm, at));
    const state = swap.stateWord(slot);
    const ready = mem.load(state);
    mem.store(state, ready + 1); // as if still being written
    let waits = 0;
    vi.spyOn(cpu0.sd, 'waitServing').mockImplementation(() => {
      if (++waits === 2) mem.store(state, ready);
    });
    expect(cpu0.load32(va(at))).toBe(100);
    expect(waits).toBe(2);
  });
});

describe('swap-in', () => {
  it('a slot other entries still hold maps read-only (COW), the last holder\'s maps writable; the swap entry leaves the mm\'s count', () => {
    const { cpu0: cpu } = boot(16, true);
    const { mm, at } = proc(cpu, 40);
    untilSwapped(cpu, at);
    const child = fork(cpu, mm, 101);
    expect(pte(cpu, child, at) & PTE_SWAP).toBe(PTE_SWAP);
    const swapped = (m: number) => Array.from({ length: 40 }, (_, i) => pte(cpu, m, at + i) & PTE_SWAP).filter(Boolean).length;
    cpu.switchTo(child);
    expect(cpu.load32(va(at))).toBe(100);
    expect(pte(cpu, child, at) & (PTE_P | PTE_RW | PTE_COW)).toBe(PTE_P | PTE_COW);
    expect(mmCounters(cpu, child).swapents).toBe(swapped(child));
    cpu.switchTo(mm);
    expect(handleMmFault(cpu, at, ACC_READ)).toBe(0);
    expect(pte(cpu, mm, at) & (PTE_P | PTE_RW | PTE_COW)).toBe(PTE_P | PTE_RW);
  });

  it('no frame for the page while every mm is busy elsewhere: OOM, and the entry stays a swap entry', () => {
    const { cpu0, cpu1 } = boot(16, true);
    const { mm, at } = proc(cpu0, 40);
    untilSwapped(cpu0, at);
    // another live mm whose lock CPU 1 holds: reclaim's walk can take no frame
    const other = mmCreate(cpu0, 200, 1, 64);
    cpu1.lock(cpu0.mmBase(other) + MM_LOCK);
    expect(cpu0.frames.freeFrames()).toBe(0);
    expect(cpu0.load32(va(at))).toBe(0);
    expect(cpu0.fault).toBe(FAULT_OOM);
    expect(cpu0.stats.oom).toBe(1);
    expect(pte(cpu0, mm, at) & PTE_SWAP).toBe(PTE_SWAP);
    expect(mmCounters(cpu0, mm).swapents).toBe(1);
  });
});
