import { describe, expect, it } from 'vitest';
import { Cpu } from '../src/paging/mmu.js';
import { PTE_A, PTE_D } from '../src/paging/pte.js';
import { createMachine, machineBytes, type MachineConfig } from '../src/paging/system.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { spawn, va } from './paging-helpers.js';

/** A port on which another CPU acts just before the walker's compare-and-swap on word `at`. */
class Racy extends AtomicsMem {
  at = -1;
  before: (() => void) | null = null;
  override compareExchange(i: number, expected: number, replacement: number): number {
    const h = this.before;
    if (i === this.at && h) {
      this.before = null;
      h();
    }
    return super.compareExchange(i, expected, replacement);
  }
}

const CFG: MachineConfig = { cpus: 2, frames: 32, tlbEntries: 8, pt: 'two-level', maxProcs: 4 };

function boot() {
  const arena = Arena.create(machineBytes(CFG));
  const mem = new Racy(arena.sab);
  const ref = createMachine(arena, mem, CFG);
  return { mem, cpu0: new Cpu(mem, ref, 0), cpu1: new Cpu(mem, ref, 1), lockWord: arena.allocWords('test.lock', 1) };
}

describe('a CPU\'s lock words and the walker\'s A/D update', () => {
  it('lock and trylock put the owner + 1 in the word; a held word refuses trylock from another CPU', () => {
    const { mem, cpu0, cpu1, lockWord } = boot();
    cpu1.lock(lockWord);
    expect(mem.load(lockWord)).toBe(2);
    expect(cpu0.trylock(lockWord)).toBe(false);
    expect(mem.load(lockWord)).toBe(2);
    cpu1.unlock(lockWord);
    expect(mem.load(lockWord)).toBe(0);
    expect(cpu0.trylock(lockWord)).toBe(true);
    expect(mem.load(lockWord)).toBe(1);
    expect(cpu1.trylock(lockWord)).toBe(false);
    cpu0.unlock(lockWord);
    expect(cpu1.trylock(lockWord)).toBe(true);
    expect(mem.load(lockWord)).toBe(2);
  });

  it('walks again when the entry changed between its read and its A/D compare-and-swap, and caches the new entry', () => {
    const { mem, cpu0 } = boot();
    const { mm, at } = spawn(cpu0, 4);
    cpu0.store32(va(at), 7); // faulted in, dirty
    const slot = cpu0.pt(mm).find(at);
    mem.and(slot, ~(PTE_A | PTE_D)); // as reclaim's test_and_clear_young, and a cleaned page
    cpu0.tlb.flushAsid(cpu0.asid);
    mem.at = slot;
    mem.before = () => mem.or(slot, PTE_D); // another CPU writes through its own translation
    expect(cpu0.load32(va(at))).toBe(7);
    const e = mem.load(slot);
    expect(e & (PTE_A | PTE_D)).toBe(PTE_A | PTE_D);
    expect(cpu0.tlb.lookup(cpu0.asid, at)).toBe(e);
  });
});
