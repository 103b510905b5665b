import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditTranslations } from '../src/paging/audit.js';
import { MM_CPUMASK } from '../src/paging/mm.js';
import { Cpu } from '../src/paging/mmu.js';
import { PTE_A, PTE_P, PTE_SWAP } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { exitMm } from '../src/paging/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { spawn, va } from './paging-helpers.js';

/**
 * The page walker's A/D update races the reclaimer on another CPU, in process: the walker
 * read a present entry without the accessed bit and is about to set it with a CAS (x86's
 * locked update); just before that CAS, another CPU evicts the page (its entry becomes a
 * swap entry, its frame goes back). The CAS must fail and the walker walk again, fault and
 * read the page back from swap. A walker that stores its entry instead (a plain store, or
 * a CAS whose answer it ignores) maps the freed frame again: the read returns other bytes
 * and the audit finds a frame mapped that nobody owns.
 */
class WriteInterrupt extends AtomicsMem {
  /** The word whose next update (CAS or store) runs `hook` first; -1: none. */
  watch = -1;
  hook: () => void = () => {};
  private before(i: number): void {
    if (i !== this.watch) return;
    this.watch = -1;
    this.hook();
  }
  override compareExchange(i: number, expected: number, replacement: number): number {
    this.before(i);
    return super.compareExchange(i, expected, replacement);
  }
  override store(i: number, v: number): void {
    this.before(i);
    super.store(i, v);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'memrace-walker-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the walker\'s A/D CAS against a reclaimer on another CPU', () => {
  it('a page evicted between the walk and the CAS is walked again and read back from swap, with its bytes', () => {
    const cfg: MachineConfig = { cpus: 2, frames: 32, tlbEntries: 4, pt: 'two-level', maxProcs: 2, swap: { path: join(dir, 'swap.img'), slots: 16, policy: 'clock' } };
    const arena = Arena.create(machineBytes(cfg));
    const mine = new WriteInterrupt(arena.sab);
    const sys = createMachine(arena, mine, cfg);
    const cpu0 = new Cpu(mine, sys, 0);
    const cpu1 = new Cpu(new AtomicsMem(arena.sab), sys, 1);
    const { mm, at } = spawn(cpu0, 2);
    cpu0.store32(va(at, 5), 0x1234);
    // The next access walks (no TLB entry) and finds A clear (the clock took it): the walker must CAS.
    cpu0.tlb.flushRange(cpu0.asid, at, 1);
    const slot = cpu0.pt(mm).find(at);
    mine.and(slot, ~PTE_A);
    let evicted = false;
    mine.watch = slot;
    mine.hook = () => {
      // cpu0 holds no TLB entry for the page: the reclaimer need not wait for its acknowledgement.
      const mask = mine.load(cpu0.mmBase(mm) + MM_CPUMASK);
      mine.store(cpu0.mmBase(mm) + MM_CPUMASK, 0);
      evicted = cpu1.reclaimer!.reclaimOne();
      mine.store(cpu0.mmBase(mm) + MM_CPUMASK, mask);
      expect(mine.load(slot) & (PTE_SWAP | PTE_P)).toBe(PTE_SWAP);
    };
    expect(cpu0.load32(va(at, 5))).toBe(0x1234);
    expect(evicted).toBe(true);
    expect(cpu0.stats.majorFaults).toBe(1);
    const { ownership, tlb } = auditTranslations(cpu0);
    expect(ownership).toEqual([]);
    expect(tlb).toEqual([]);
    exitMm(cpu0, mm);
    expect(cpu0.frames.allocated()).toBe(0);
    cpu0.swap?.close();
    cpu1.swap?.close();
  });
});
