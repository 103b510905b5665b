import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { Cpu } from '../src/paging/mmu.js';
import type { PageTable } from '../src/paging/pagetable.js';
import { PROT_READ, PROT_WRITE } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { mmCreate, mmap } from '../src/paging/vm.js';

export const RW = PROT_READ | PROT_WRITE;

/** The entry of vpn, 0 when the table has none (a radix table has a zero slot, a hash table no node). */
export function pteOf(pt: PageTable, mem: AtomicsMem, vpn: number): number {
  const w = pt.find(vpn);
  return w < 0 ? 0 : mem.load(w);
}

/** Every [vpn, entry] the table holds, by vpn. */
export function entriesOf(pt: PageTable): number[][] {
  const out: number[][] = [];
  pt.forEach((vpn, e) => out.push([vpn, e]));
  return out.sort((a, b) => a[0] - b[0]);
}

/** The virtual address of word `word` of page `vpn`. */
export const va = (vpn: number, word = 0) => vpn * 4096 + word * 4;

/** A machine from `cfg`, seen from its CPU 0. */
export function bootCpu(cfg: MachineConfig): Cpu {
  const arena = Arena.create(machineBytes(cfg));
  const mem = new AtomicsMem(arena.sab);
  return new Cpu(mem, createMachine(arena, mem, cfg), 0);
}

/** A process running on `cpu` with `pages` pages mapped read-write and none touched: its mm slot and first vpn. */
export function spawn(cpu: Cpu, pages: number, flags = 0): { mm: number; at: number } {
  const mm = mmCreate(cpu, 100, 1, 1 << 20);
  cpu.switchTo(mm);
  return { mm, at: mmap(cpu, mm, -1, pages, RW, flags) };
}
