import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FAULT_OOM, type Cpu } from '../src/paging/mmu.js';
import { PTE_A, PTE_P, PTE_SWAP } from '../src/paging/pte.js';
import { exitMm, fork } from '../src/paging/vm.js';
import type { Policy } from '../src/paging/reclaim.js';
import { bootCpu, spawn, va } from './paging-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'memrace-reclaim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function boot(policy: Policy, slots = 64): Cpu {
  return bootCpu({ cpus: 1, frames: 16, tlbEntries: 4, pt: 'two-level', maxProcs: 4, swap: { path: join(dir, `swap-${n++}.img`), slots, policy } });
}

function pte(cpu: Cpu, mm: number, vpn: number): number {
  const slot = cpu.pt(mm).find(vpn);
  return slot < 0 ? 0 : cpu.mem.load(slot);
}

/** Touch pages from `at` on, one each, until the first eviction: how many fitted. */
function fill(cpu: Cpu, at: number): number {
  let k = 0;
  while (cpu.stats.swapOuts === 0) cpu.store32(va(at + k), k + 1), k++;
  return k - 1;
}

describe('page replacement picks its victim by the policy', () => {
  /** 14 of the 16 frames hold user pages once the page table has its frames: a fault on the 15th reclaims one. */
  function setup(policy: Policy, slots = 64) {
    const cpu = boot(policy, slots);
    const { mm, at } = spawn(cpu, 64);
    expect(fill(cpu, at)).toBe(14);
    const gone = () => Array.from({ length: 20 }, (_, i) => i).filter((i) => !(pte(cpu, mm, at + i) & PTE_P));
    return { cpu, mm, at, gone };
  }

  it('fifo evicts the page mapped first, even one used since, and leaves accessed bits alone', () => {
    const { cpu, mm, at, gone } = setup('fifo');
    expect(gone()).toEqual([0, ...Array.from({ length: 5 }, (_, i) => 15 + i)]);
    expect(pte(cpu, mm, at) & PTE_SWAP).toBe(PTE_SWAP);
    for (let i = 1; i <= 14; i++) expect(pte(cpu, mm, at + i) & PTE_A).toBe(PTE_A);
    cpu.load32(va(at + 1));
    cpu.store32(va(at + 15), 9);
    expect(gone()).toEqual([0, 1, 16, 17, 18, 19]);
    cpu.store32(va(at + 16), 9);
    expect(gone()).toEqual([0, 1, 2, 17, 18, 19]);
  });

  for (const policy of ['lru', 'clock'] as const) {
    it(`${policy} clears the accessed bits it looks at and spares a page used since`, () => {
      const { cpu, mm, at, gone } = setup(policy);
      expect(gone()[0]).toBe(0);
      // the scan cleared every accessed bit but that of page 14, mapped after it
      for (let i = 1; i <= 13; i++) expect(pte(cpu, mm, at + i) & PTE_A).toBe(0);
      expect(pte(cpu, mm, at + 14) & PTE_A).toBe(PTE_A);
      cpu.load32(va(at + 1)); // not in the 4-entry TLB: the walk sets its accessed bit again
      cpu.store32(va(at + 15), 9);
      expect(gone()).toEqual([0, 2, 16, 17, 18, 19]);
      cpu.store32(va(at + 16), 9);
      expect(gone()).toEqual([0, 2, 3, 17, 18, 19]);
    });
  }

  it('lru ranks by the history of accessed bits: a page used two scans ago outlives pages unused since they were mapped', () => {
    const { cpu, at, gone } = setup('lru');
    cpu.load32(va(at + 1));
    cpu.store32(va(at + 15), 9); // evicts 2: page 1 was used since the last scan
    cpu.store32(va(at + 16), 9); // evicts 3: page 1's history (used before the last scan) still counts
    cpu.load32(va(at + 5));
    cpu.store32(va(at + 17), 9); // 4: pages 4 and 6-13 have aged without use, 4 mapped first
    expect(gone()).toEqual([0, 2, 3, 4, 18, 19]);
    cpu.store32(va(at + 18), 9); // 6: page 5's use and page 1's older one both outrank none at all
    expect(gone()).toEqual([0, 2, 3, 4, 6, 19]);
  });

  it('evicts nothing once the swap file is full: the fault is out of memory, and the pages stay', () => {
    const { cpu, at, gone } = setup('fifo', 2);
    cpu.store32(va(at + 15), 9);
    expect(cpu.stats.swapOuts).toBe(2);
    expect(gone()).toEqual([0, 1, 16, 17, 18, 19]);
    cpu.store32(va(at + 16), 9);
    expect(cpu.fault).toBe(FAULT_OOM);
    expect(cpu.stats.swapOuts).toBe(2);
    expect(gone()).toEqual([0, 1, 16, 17, 18, 19]);
  });

  it('a frame shared by fork leaves both mappers at once: one swap entry, referenced by both', () => {
    const { cpu, mm, at } = setup('fifo');
    const child = fork(cpu, mm, 101);
    expect(child).toBeGreaterThanOrEqual(0);
    const swapped = (slot: number) => Array.from({ length: 15 }, (_, i) => i).filter((i) => pte(cpu, slot, at + i) & PTE_SWAP);
    const before = swapped(mm).length;
    cpu.switchTo(child);
    cpu.store32(va(at + 15), 15);
    cpu.store32(va(at + 16), 16);
    const now = swapped(child);
    expect(now.length).toBeGreaterThan(before);
    expect(swapped(mm)).toEqual(now);
    for (const i of now) expect(pte(cpu, mm, at + i)).toBe(pte(cpu, child, at + i));
    expect(cpu.swap?.used()).toBe(now.length);
    exitMm(cpu, child);
    expect(cpu.swap?.used()).toBe(now.length);
    exitMm(cpu, mm);
    expect(cpu.swap?.used()).toBe(0);
  });
});
