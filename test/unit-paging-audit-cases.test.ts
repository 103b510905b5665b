import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditAllFree, auditContents, auditTranslations } from '../src/paging/audit.js';
import { Cpu } from '../src/paging/mmu.js';
import { VM_SHARED, asidOf } from '../src/paging/mm.js';
import { PTE_P, PTE_SWAP, PTE_VALID, mkPte, ptePfn } from '../src/paging/pte.js';
import { VARIANT_NO_COW, exitMm, fork, mmap, munmap } from '../src/paging/vm.js';
import { RW, bootCpu, spawn, va } from './paging-helpers.js';

/**
 * More of SPEC part 4's oracles (src/paging/audit.ts) made to fire, with where each
 * violation points: swap entries, entries outside every VMA, a TLB entry cached twice, a
 * page read back from swap, and what is left after every process exited.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function machine(swap = false, variant = 0) {
  const cpu = bootCpu({ cpus: 1, frames: 16, tlbEntries: 8, pt: 'two-level', maxProcs: 4, ...(swap ? { swap: { path: join(dir, `s-${files++}.img`), slots: 8, policy: 'fifo' as const } } : {}) });
  return variant ? new Cpu(cpu.mem, cpu.sys, 0, variant) : cpu;
}

describe('paging audits, case by case', () => {
  it('a swap entry naming a free slot, and a present entry outside every VMA, each with its mm', () => {
    const cpu = machine(true);
    const { mm, at } = spawn(cpu, 4);
    cpu.store32(va(at), 1);
    expect(cpu.pt(mm).set(at + 1, mkPte(3, PTE_SWAP | PTE_VALID))).toBe(0);
    expect(munmap(cpu, mm, at + 2, 2)).toBe(0);
    const pfn = cpu.frames.alloc();
    cpu.frames.incMapcount(pfn);
    expect(cpu.pt(mm).set(at + 2, mkPte(pfn, PTE_P))).toBe(0);
    expect(auditTranslations(cpu).ownership).toEqual([
      { message: `swap entry of vpn ${at + 1} names slot 3, which is free`, where: `mm ${mm}` },
      { message: `vpn ${at + 2} is mapped outside every VMA`, where: `mm ${mm}` },
    ]);
  });

  it('where: the entry\'s mm for a free frame and a shared writable one, the frame for a _mapcount, the CPU for a TLB entry', () => {
    const cpu = machine(false, VARIANT_NO_COW);
    const { mm, at } = spawn(cpu, 1);
    cpu.store32(va(at), 1);
    const child = fork(cpu, mm, 101);
    const pfn = ptePfn(cpu.mem.load(cpu.pt(mm).find(at)));
    const r = auditTranslations(cpu);
    expect(r.ownership).toEqual([
      { message: `vpn ${at} maps frame ${pfn} writable while 2 entries map it`, where: `mm ${mm}` },
      { message: `vpn ${at} maps frame ${pfn} writable while 2 entries map it`, where: `mm ${child}` },
    ]);
    cpu.frames.incMapcount(pfn);
    expect(auditTranslations(cpu).ownership[2]).toEqual({ message: `frame ${pfn} is named by 2 entries but its _mapcount says 3`, where: `pfn ${pfn}` });
    cpu.frames.decMapcount(pfn);
    cpu.tlb.insert(asidOf(mm), at + 5, mkPte(pfn, PTE_P));
    expect(auditTranslations(cpu).tlb).toEqual([
      { message: `TLB of cpu 0 maps vpn ${at + 5} (asid ${asidOf(mm)}) to frame ${pfn}, but the page table says not present`, where: 'cpu 0' },
    ]);
  });

  it('a shared mapping (the first VMA) may be writable in two mms', () => {
    const cpu = machine();
    const { mm, at } = spawn(cpu, 1, VM_SHARED);
    cpu.store32(va(at), 1);
    fork(cpu, mm, 101);
    expect(auditTranslations(cpu)).toEqual({ ownership: [], tlb: [] });
  });

  it('contents: a page out in swap is read from its slot, an untouched one (no table even) holds 0; the word looked at is wordOf(vpn)', () => {
    const cpu = machine(true);
    const { mm, at } = spawn(cpu, 40);
    const far = mmap(cpu, mm, 0x40000, 1, RW, 0);
    let k = 0;
    while (cpu.stats.swapOuts === 0) cpu.store32(va(at + k, 3), 100 + k), k++;
    expect(cpu.mem.load(cpu.pt(mm).find(at)) & PTE_SWAP).toBe(PTE_SWAP);
    const last = Int32Array.from({ length: k + 1 }, (_, i) => (i < k ? 100 + i : 0));
    expect(auditContents(cpu, mm, at, last, () => 3)).toEqual([]);
    expect(auditContents(cpu, mm, far, Int32Array.of(0), () => 3)).toEqual([]);
    last[0] = 7;
    last[1] = 8;
    expect(auditContents(cpu, mm, at, last, () => 3)).toEqual([
      { message: `vpn ${at} holds 100, but the process last wrote 7 there (in swap)`, where: `mm ${mm}` },
      { message: `vpn ${at + 1} holds 101, but the process last wrote 8 there`, where: `mm ${mm}` },
    ]);
    expect(auditContents(cpu, mm, at + 1, Int32Array.of(0), () => 2)).toEqual([]);
  });

  it('after every exit: nothing left is nothing said; a frame still held and a swap slot still used are named', () => {
    const cpu = machine(true);
    const { mm, at } = spawn(cpu, 40);
    while (cpu.stats.swapOuts === 0) cpu.store32(va(at), 1), cpu.store32(va(at + 1 + cpu.stats.minorFaults), 1);
    exitMm(cpu, mm);
    expect(auditAllFree(cpu)).toEqual([]);
    const pfn = cpu.frames.alloc();
    const slot = cpu.swap?.alloc() ?? -1;
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(auditAllFree(cpu)).toEqual([
      { message: `1 of 16 frames are still allocated after every process exited` },
      { message: `1 swap slots are still in use after every process exited` },
    ]);
    cpu.frames.free(pfn);
  });
});
