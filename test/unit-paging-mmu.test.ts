import { describe, expect, it, vi } from 'vitest';
import { Cpu, FAULT_OOM, FAULT_SIGSEGV } from '../src/paging/mmu.js';
import { MM_CPUMASK, MM_LOCK, MM_SEGV_CODE, MM_SEGV_VPN, SEGV_ACCERR, SEGV_MAPERR } from '../src/paging/mm.js';
import { ACC_EXEC, ACC_READ, PROT_EXEC, PROT_READ, PTE_A, PTE_D, PTE_P } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { exitMm, mmCreate, mmap } from '../src/paging/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { RW, va } from './paging-helpers.js';

/**
 * The MMU of src/paging/mmu.ts, in process: which accesses a cached translation allows
 * without a walk (a write needs RW and D, an exec no NX), the A/D bits a walk sets, the
 * PTLR checked before any walk, what a SIGSEGV records, and the CPU's lock and mm switch.
 */
function boot(cfg: Partial<MachineConfig> = {}) {
  const c: MachineConfig = { cpus: 2, frames: 32, tlbEntries: 8, pt: 'two-level', maxProcs: 4, ...cfg };
  const arena = Arena.create(machineBytes(c));
  const mem = new AtomicsMem(arena.sab);
  const sys = createMachine(arena, mem, c);
  return { mem, cpu0: new Cpu(mem, sys, 0), cpu1: new Cpu(mem, sys, 1) };
}

function proc(cpu: Cpu, ptlr = 0x2000) {
  const mm = mmCreate(cpu, 100, 1, ptlr);
  cpu.switchTo(mm);
  return mm;
}

const pte = (cpu: Cpu, vpn: number) => cpu.mem.load(cpu.pt(cpu.mm).find(vpn));

describe('the MMU', () => {
  it('a read walks once and sets A only; a write to that clean entry walks again to set D; then both hit the TLB', () => {
    const { cpu0: cpu } = boot();
    proc(cpu);
    const at = mmap(cpu, cpu.mm, -1, 2, RW, 0);
    expect(cpu.stats).toMatchObject({ accesses: 0, walks: 0, walkReads: 0, faultMs: 0 });
    expect(cpu.load32(va(at))).toBe(0); // miss, fault, walk again
    expect(cpu.stats).toMatchObject({ accesses: 1, walks: 2, minorFaults: 1 });
    expect(pte(cpu, at) & (PTE_P | PTE_A | PTE_D)).toBe(PTE_P | PTE_A);
    cpu.load32(va(at));
    expect(cpu.stats.walks).toBe(2);
    cpu.store32(va(at), 5);
    expect(cpu.stats.walks).toBe(3);
    expect(pte(cpu, at) & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    cpu.store32(va(at), 6);
    expect(cpu.load32(va(at))).toBe(6);
    expect(cpu.stats).toMatchObject({ accesses: 5, walks: 3, faultMs: 0 });
    // the first walk found no table yet (no read); the other two read both levels
    expect(cpu.stats.walkReads).toBe(2 * 2);
  });

  it('a cached read-only translation does not let a write through, nor a cached NX one an exec: both fault with SEGV_ACCERR', () => {
    const { cpu0: cpu } = boot();
    const mm = proc(cpu);
    const ro = mmap(cpu, mm, -1, 1, PROT_READ, 0);
    const x = mmap(cpu, mm, -1, 1, PROT_READ | PROT_EXEC, 0);
    cpu.load32(va(ro));
    cpu.load32(va(x));
    const walks = cpu.stats.walks;
    cpu.store32(va(ro), 9);
    expect([cpu.fault, cpu.siCode]).toEqual([FAULT_SIGSEGV, SEGV_ACCERR]);
    expect(cpu.load32(va(ro))).toBe(0);
    expect(cpu.translate(va(ro), ACC_EXEC)).toBe(FAULT_SIGSEGV);
    expect(cpu.siCode).toBe(SEGV_ACCERR);
    const w = cpu.stats.walks;
    expect(cpu.translate(va(x), ACC_EXEC)).toBeGreaterThanOrEqual(0);
    expect(cpu.translate(va(x), ACC_READ)).toBeGreaterThanOrEqual(0);
    expect(cpu.stats.walks).toBe(w);
    expect(walks).toBeLessThan(w);
  });

  it('a vpn at or past the PTLR traps before any walk; the last vpn below it is walked', () => {
    const { cpu0: cpu, mem } = boot();
    const mm = proc(cpu, 0x2000);
    expect(mmap(cpu, mm, 0x1fff, 1, RW, 0)).toBe(0x1fff);
    cpu.store32(va(0x1fff), 3);
    expect(cpu.fault).toBe(0);
    const walks = cpu.stats.walks;
    cpu.load32(va(0x2000));
    expect([cpu.fault, cpu.siCode, cpu.faultVpn]).toEqual([FAULT_SIGSEGV, SEGV_MAPERR, 0x2000]);
    expect(cpu.stats.walks).toBe(walks);
    const b = cpu.mmBase(mm);
    expect([mem.load(b + MM_SEGV_CODE), mem.load(b + MM_SEGV_VPN), cpu.stats.segv]).toEqual([SEGV_MAPERR, 0x2000, 1]);
    cpu.store32(va(0x1fff), 4);
    expect(cpu.fault).toBe(0);
    expect(cpu.load32(va(0x1fff))).toBe(4);
  });

  it('timeFaults (off by default) adds the fault handler\'s time to faultMs', () => {
    const { cpu0: cpu } = boot();
    const mm = proc(cpu);
    const at = mmap(cpu, mm, -1, 8, RW, 0);
    cpu.store32(va(at), 1);
    expect(cpu.stats.faultMs).toBe(0);
    cpu.timeFaults = true;
    for (let k = 1; k < 8; k++) cpu.store32(va(at + k), 1);
    expect(cpu.stats.faultMs).toBeGreaterThan(0);
  });

  it('out of frames with no swap: the fault is OOM and fault says so until the next access that succeeds', () => {
    const { cpu0: cpu } = boot({ frames: 8 });
    const mm = proc(cpu);
    const at = mmap(cpu, mm, -1, 16, RW, 0);
    let k = 0;
    while (cpu.frames.freeFrames() > 0) cpu.store32(va(at + k), k + 1), k++;
    expect(cpu.load32(va(at + k))).toBe(0);
    expect(cpu.fault).toBe(FAULT_OOM);
    expect(cpu.load32(va(at + k - 1))).toBe(k);
    expect(cpu.fault).toBe(0);
  });
});

describe('a CPU\'s process, views and lock', () => {
  it('runs no process until switchTo, which adds the CPU to the mm\'s cpumask', () => {
    const { cpu0, cpu1, mem } = boot();
    expect([cpu0.mm, cpu0.asid]).toEqual([-1, 0]);
    const mm = mmCreate(cpu0, 100, 1, 64);
    cpu1.switchTo(mm);
    expect(mem.load(cpu0.mmBase(mm) + MM_CPUMASK)).toBe(0b10);
    cpu0.switchTo(mm);
    expect(mem.load(cpu0.mmBase(mm) + MM_CPUMASK)).toBe(0b11);
    expect([cpu0.mm, cpu0.asid]).toEqual([mm, mm + 1]);
  });

  it('keeps one page-table view per slot and pid, and one VMA view per slot; a slot reused by another pid gets a fresh table view', () => {
    for (const pt of ['two-level', 'inverted'] as const) {
      const { cpu0: cpu } = boot({ pt });
      const a = mmCreate(cpu, 100, 1, 64);
      const t = cpu.pt(a);
      expect(cpu.pt(a)).toBe(t);
      expect(cpu.vmas(a)).toBe(cpu.vmas(a));
      cpu.switchTo(a);
      cpu.store32(va(mmap(cpu, a, 10, 1, RW, 0)), 1);
      exitMm(cpu, a);
      const b = mmCreate(cpu, 200, 1, 64);
      expect(b).toBe(a);
      expect(cpu.pt(b)).not.toBe(t);
      cpu.switchTo(b);
      expect(mmap(cpu, b, 10, 1, RW, 0)).toBe(10);
      expect(cpu.load32(va(10))).toBe(0);
      cpu.store32(va(10), 2);
      expect(cpu.load32(va(10))).toBe(2);
    }
  });

  it('lock waits, serving shootdowns, until the holder lets go, then owns the word', () => {
    const { cpu0, cpu1, mem } = boot();
    const word = cpu0.mmBase(0) + MM_LOCK;
    cpu1.lock(word);
    let served = 0;
    vi.spyOn(cpu0.sd, 'serve').mockImplementation(() => {
      if (++served === 3) cpu1.unlock(word);
    });
    cpu0.lock(word);
    expect(served).toBe(3);
    expect(mem.load(word)).toBe(1);
  });
});
