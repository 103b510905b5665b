import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Cpu, FAULT_OOM } from '../src/paging/mmu.js';
import { MM_LOCK, MM_STATE, asidOf } from '../src/paging/mm.js';
import { PTE_P, PTE_SWAP } from '../src/paging/pte.js';
import { VARIANT_WRITE_BEFORE_FLUSH, type Policy } from '../src/paging/reclaim.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { fork, mmCounters, mmCreate, mmap } from '../src/paging/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { RW, va } from './paging-helpers.js';

/**
 * Reclaim (src/paging/reclaim.ts) against the mm locks, in process: CPU 1 is a second Cpu on
 * the same image that never runs, so a lock it holds stays held. Reclaim only ever trylocks
 * an mm (the holder may be waiting on the reclaimer), and counts a lock its own CPU holds
 * as entered, not taken: it must not release it.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-reclaim-locks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function boot(policy: Policy = 'fifo', variant = 0) {
  const cfg: MachineConfig = { cpus: 2, frames: 16, tlbEntries: 4, pt: 'two-level', maxProcs: 4, swap: { path: join(dir, `swap-${files++}.img`), slots: 64, policy } };
  const arena = Arena.create(machineBytes(cfg));
  const mem = new AtomicsMem(arena.sab);
  const sys = createMachine(arena, mem, cfg);
  return { mem, sys, cpu0: new Cpu(mem, sys, 0, variant), cpu1: new Cpu(mem, sys, 1) };
}

function pte(cpu: Cpu, mm: number, vpn: number): number {
  const w = cpu.pt(mm).find(vpn);
  return w < 0 ? 0 : cpu.mem.load(w);
}

/** A with `a` pages touched first (the oldest), then B touching pages until no frame is free. */
function twoProcs(cpu: Cpu, a = 3) {
  const A = mmCreate(cpu, 100, 1, 1 << 20);
  cpu.switchTo(A);
  const at = mmap(cpu, A, -1, 32, RW, 0);
  for (let k = 0; k < a; k++) cpu.store32(va(at + k), 100 + k);
  const B = mmCreate(cpu, 200, 1, 1 << 20);
  cpu.switchTo(B);
  expect(mmap(cpu, B, -1, 32, RW, 0)).toBe(at);
  let k = 0;
  while (cpu.frames.freeFrames() > 0) cpu.store32(va(at + k), 200 + k), k++;
  expect(cpu.stats.swapOuts).toBe(0);
  return { A, B, at, next: at + k };
}

describe('reclaim and the mm locks', () => {
  for (const policy of ['fifo', 'clock', 'lru'] as const) {
    it(`${policy}: while another CPU holds a live mm's lock, no frame is taken (the walk would need it) and its lock word stays; released, the same touch evicts`, () => {
      const { mem, cpu0, cpu1 } = boot(policy);
      const { A, B, at, next } = twoProcs(cpu0);
      const lockA = cpu0.mmBase(A) + MM_LOCK;
      cpu1.lock(lockA);
      const waits = vi.spyOn(cpu0.sd, 'waitServing');
      cpu0.store32(va(next), 1);
      expect(cpu0.fault).toBe(FAULT_OOM);
      // allocFrame's 64 passes, each failed one followed by a wait that serves shootdowns
      expect(waits).toHaveBeenCalledTimes(64);
      expect(cpu0.stats.swapOuts).toBe(0);
      expect(mem.load(lockA)).toBe(2);
      expect(mem.load(cpu0.mmBase(B) + MM_LOCK)).toBe(0);
      expect([0, 1, 2].map((k) => pte(cpu0, A, at + k) & PTE_P)).toEqual([PTE_P, PTE_P, PTE_P]);
      cpu1.unlock(lockA);
      cpu0.store32(va(next), 1);
      expect(cpu0.fault).toBe(0);
      expect(waits).toHaveBeenCalledTimes(64);
      expect(cpu0.stats.swapOuts).toBe(1);
      expect([mem.load(lockA), mem.load(cpu0.mmBase(B) + MM_LOCK)]).toEqual([0, 0]);
      const a = mmCounters(cpu0, A);
      const b = mmCounters(cpu0, B);
      expect(a.rssAnon + a.swapents).toBe(3);
      expect(b.rssAnon + b.swapents).toBe(next - at + 1);
      expect(a.swapents + b.swapents).toBe(1);
      expect(cpu0.frames.audit()).toEqual([]);
    });
  }

  it('fifo: the oldest page goes, and its mm\'s counters move from RSS to swap entries', () => {
    const { cpu0 } = boot('fifo');
    const { A, B, at, next } = twoProcs(cpu0);
    cpu0.store32(va(next), 1);
    expect(pte(cpu0, A, at) & (PTE_P | PTE_SWAP)).toBe(PTE_SWAP);
    expect(mmCounters(cpu0, A)).toMatchObject({ rssAnon: 2, swapents: 1 });
    expect(mmCounters(cpu0, B)).toMatchObject({ rssAnon: next - at + 1, swapents: 0 });
    cpu0.switchTo(A);
    expect(cpu0.load32(va(at))).toBe(100);
  });

  it('a lock its own CPU holds (reclaim entered from a fault or fork of that mm) is used, not released', () => {
    const { mem, cpu0 } = boot('fifo');
    const { A, at, next } = twoProcs(cpu0);
    const lockA = cpu0.mmBase(A) + MM_LOCK;
    cpu0.lock(lockA);
    cpu0.store32(va(next), 1);
    expect(cpu0.stats.swapOuts).toBe(1);
    expect(pte(cpu0, A, at) & PTE_SWAP).toBe(PTE_SWAP);
    expect(mem.load(lockA)).toBe(1);
    cpu0.unlock(lockA);
  });

  it('an mm being torn down (INIT, its lock held by the exiting CPU) is not walked: reclaim goes on without it', () => {
    const { mem, cpu0, cpu1 } = boot('fifo');
    const { next } = twoProcs(cpu0);
    const C = mmCreate(cpu0, 300, 1, 64);
    mem.store(cpu0.mmBase(C) + MM_STATE, 2);
    cpu1.lock(cpu0.mmBase(C) + MM_LOCK);
    cpu0.store32(va(next), 1);
    expect(cpu0.fault).toBe(0);
    expect(cpu0.stats.swapOuts).toBe(1);
    expect(mem.load(cpu0.mmBase(C) + MM_LOCK)).toBe(2);
  });

  it('fork under memory pressure: a frame counted as shared before the child maps it is no victim (mapcount above its mappers)', () => {
    const { cpu0 } = boot('fifo');
    const P = mmCreate(cpu0, 100, 1, 1 << 20);
    cpu0.switchTo(P);
    const at = mmap(cpu0, P, -1, 32, RW, 0);
    let k = 0;
    while (cpu0.frames.freeFrames() > 0) cpu0.store32(va(at + k), 100 + k), k++;
    // the child's first table frame is wanted while the first page is being shared
    const C = fork(cpu0, P, 101);
    expect(C).toBe(1);
    expect(cpu0.stats.swapOuts).toBeGreaterThan(0);
    const e = pte(cpu0, P, at);
    expect(e & PTE_P).toBe(PTE_P);
    expect(pte(cpu0, C, at)).toBe(e);
    for (let i = 0; i < k; i++) expect(pte(cpu0, C, at + i)).toBe(pte(cpu0, P, at + i));
    const p = mmCounters(cpu0, P);
    expect(p.rssAnon + p.swapents).toBe(k);
    expect(cpu0.frames.audit()).toEqual([]);
    cpu0.switchTo(C);
    for (let i = 0; i < k; i++) expect(cpu0.load32(va(at + i))).toBe(100 + i);
  });

  for (const [name, variant] of [['flushes every mapper\'s CPUs, then writes the page to swap', 0], ['write-before-flush: writes first (the broken variant)', VARIANT_WRITE_BEFORE_FLUSH]] as const) {
    it(`a page two mms share: ${name}`, () => {
      const { cpu0 } = boot('fifo', variant);
      const P = mmCreate(cpu0, 100, 1, 1 << 20);
      cpu0.switchTo(P);
      const at = mmap(cpu0, P, -1, 32, RW, 0);
      cpu0.store32(va(at), 7);
      const C = fork(cpu0, P, 101);
      cpu0.switchTo(C);
      let k = 1;
      while (cpu0.frames.freeFrames() > 0) cpu0.store32(va(at + k), k), k++;
      const swap = cpu0.swap;
      if (!swap) throw new Error('no swap');
      const write = vi.spyOn(swap, 'write');
      const flush = vi.spyOn(cpu0.sd, 'flush');
      cpu0.store32(va(at + k), k);
      expect(cpu0.stats.swapOuts).toBe(1);
      expect(flush.mock.calls).toEqual([[asidOf(P), at, 1, 1], [asidOf(C), at, 1, 1]]);
      expect(write).toHaveBeenCalledTimes(1);
      const w = write.mock.invocationCallOrder[0];
      const f = flush.mock.invocationCallOrder;
      expect(variant ? w < f[0] : w > f[1]).toBe(true);
      expect(pte(cpu0, P, at)).toBe(pte(cpu0, C, at));
      expect(swap.count(pte(cpu0, P, at) >>> 12)).toBeGreaterThan(0);
      expect(cpu0.frames.audit()).toEqual([]);
      cpu0.switchTo(P);
      expect(cpu0.load32(va(at))).toBe(7);
    });
  }

  it('the reverse map starts empty: every frame is no user page (-1)', () => {
    const { mem, sys } = boot();
    // four words a frame, the mapping mm first (reclaim.ts's RMAP_WORDS, R_MM)
    const words = [...mem.i32.subarray(sys.rmap.base, sys.rmap.base + sys.rmap.nframes * 4)];
    expect(words.filter((w, i) => i % 4 === 0 && w !== -1)).toEqual([]);
    expect(words.filter((w, i) => i % 4 !== 0 && w !== 0)).toEqual([]);
    expect([mem.load(sys.rmap.lock), mem.load(sys.rmap.hand), mem.load(sys.rmap.stamp)]).toEqual([0, 0, 0]);
  });
});
