import { cpus } from 'node:os';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { Cpu } from '../src/paging/mmu.js';
import { PT_KINDS, type PtKind } from '../src/paging/pagetable.js';
import { PROT_READ, PROT_WRITE } from '../src/paging/pte.js';
import { createMachine, machineBytes } from '../src/paging/system.js';
import { mmCreate, mmap } from '../src/paging/vm.js';
import { Rng } from '../src/runtime/rng.js';
import { type BenchSuite, type Measurement, type Target, measurement, observation } from './suite.js';

/** One process on one CPU with `pages` pages mapped and touched (so no fault is timed). */
function machine(pt: PtKind, tlbEntries: number, pages: number, stride = 1) {
  const cfg = { cpus: 1, frames: pages + 4096, tlbEntries, pt, maxProcs: 1 };
  const arena = Arena.create(machineBytes(cfg));
  const mem = new AtomicsMem(arena.sab);
  const cpu = new Cpu(mem, createMachine(arena, mem, cfg), 0);
  const mm = mmCreate(cpu, 1, 0, 1 << 20);
  cpu.switchTo(mm);
  mmap(cpu, mm, 0x100, pages * stride, PROT_READ | PROT_WRITE, 0);
  for (let i = 0; i < pages; i++) cpu.store32((0x100 + i * stride) * 4096, i);
  return { cpu, mm };
}

/** ns per load through the MMU over `pages` pages, in random order, for `ms`. */
function timeLoads(cpu: Cpu, pages: number, ms: number): { ops: number; ms: number } {
  const rng = new Rng(1);
  const order = Int32Array.from({ length: 4096 }, () => (0x100 + rng.below(pages)) * 4096);
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 4096; i++) cpu.load32(order[i]);
    ops += 4096;
    t = performance.now();
  }
  return { ops, ms: t - t0 };
}

export const pagingSuite: BenchSuite = {
  name: 'paging',
  summary: 'translation cost per page-table kind with a warm and a cold TLB, table memory sparse and dense, TLB hit ratio against TLB size',
  async run({ quick, log }) {
    const ms = quick ? 30 : 400;
    const measurements: Measurement[] = [];
    const perAccess: Record<string, { warm: number; cold: number; reads: number }> = {};
    for (const pt of PT_KINDS) {
      // The same 64-entry TLB (its associative search costs the same): warm holds all 32 pages, cold sees 1024.
      const warm = machine(pt, 64, 32);
      const w = timeLoads(warm.cpu, 32, ms);
      const cold = machine(pt, 64, 1024);
      const before = cold.cpu.stats.walkReads;
      const c = timeLoads(cold.cpu, 1024, ms);
      const reads = (cold.cpu.stats.walkReads - before) / c.ops;
      measurements.push(measurement(`${pt} warm TLB`, w.ops, w.ms, `hit ratio ${warm.cpu.tlb.hitRatio().toFixed(3)}`));
      measurements.push(measurement(`${pt} cold TLB`, c.ops, c.ms, `hit ratio ${cold.cpu.tlb.hitRatio().toFixed(3)}, ${reads.toFixed(2)} table reads per access`));
      perAccess[pt] = { warm: (w.ms * 1e6) / w.ops, cold: (c.ms * 1e6) / c.ops, reads };
      log(`${pt}: warm ${perAccess[pt].warm.toFixed(0)} ns, cold ${perAccess[pt].cold.toFixed(0)} ns per access`);
    }
    for (const pt of PT_KINDS) {
      const dense = machine(pt, 16, 512, 1);
      const sparse = machine(pt, 16, 512, 1024);
      const d = dense.cpu.pt(dense.mm).tableBytes();
      const sp = sparse.cpu.pt(sparse.mm).tableBytes();
      measurements.push(observation(`${pt} table memory`, `512 pages: dense ${d / 1024} KiB, sparse (1 per 4 MiB) ${sp / 1024} KiB${pt === 'inverted' ? ' (+ the system table)' : ''}`));
    }
    for (const size of [4, 8, 16, 32, 64, 128, 256]) {
      const m = machine('two-level', size, 256);
      const rng = new Rng(2);
      m.cpu.tlb.hits = 0;
      m.cpu.tlb.misses = 0;
      // 90% of accesses in a 64-page working set, the rest anywhere in 256 pages.
      for (let i = 0; i < (quick ? 20_000 : 200_000); i++) m.cpu.load32((0x100 + (rng.below(10) < 9 ? rng.below(64) : rng.below(256))) * 4096);
      measurements.push(observation(`TLB ${size} entries`, `hit ratio ${m.cpu.tlb.hitRatio().toFixed(3)}`));
    }
    const targets: Target[] = [
      { name: 'two-level: a TLB hit beats a walk (cold / warm ns)', ratio: perAccess['two-level'].cold / perAccess['two-level'].warm, bound: 1.1 },
      { name: 'four-level walks read twice the entries of two-level (reads per cold access)', ratio: perAccess['four-level'].reads / perAccess['two-level'].reads, bound: 1.8 },
    ];
    return { suite: 'paging', cpus: cpus().length, measurements, targets };
  },
};
