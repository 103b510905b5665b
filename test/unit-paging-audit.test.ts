import { describe, expect, it } from 'vitest';
import { auditContents, auditTranslations } from '../src/paging/audit.js';
import { asidOf } from '../src/paging/mm.js';
import { PTE_RW, mkPte, ptePfn } from '../src/paging/pte.js';
import { exitMm, fork } from '../src/paging/vm.js';
import { bootCpu, spawn, va } from './paging-helpers.js';

/** SPEC part 4's oracles (src/paging/audit.ts), each made to fire on an image broken by hand. */
function machine() {
  const cpu = bootCpu({ cpus: 1, frames: 64, tlbEntries: 8, pt: 'four-level', maxProcs: 4 });
  const { mm, at } = spawn(cpu, 2);
  cpu.store32(va(at), 11);
  cpu.store32(va(at + 1), 22);
  const slot = cpu.pt(mm).find(at);
  return { cpu, mm, at, slot, pte: cpu.mem.load(slot) };
}
const messages = (r: { message: string }[]) => r.map((v) => v.message);

describe('paging audits', () => {
  it('find nothing wrong on a clean image, and every written word where it was written', () => {
    const { cpu, mm, at } = machine();
    expect(auditTranslations(cpu)).toEqual({ ownership: [], tlb: [] });
    expect(auditContents(cpu, mm, at, Int32Array.of(11, 22), () => 0)).toEqual([]);
  });

  it('name a lost write: the word the process last wrote is not in its page', () => {
    const { cpu, mm, at } = machine();
    expect(messages(auditContents(cpu, mm, at, Int32Array.of(11, 23), () => 0))).toEqual([`vpn ${at + 1} holds 22, but the process last wrote 23 there`]);
    expect(messages(auditContents(cpu, mm, at, Int32Array.of(0, 0), () => 1))).toEqual([]);
  });

  it('name an entry mapping no frame, the frame whose _mapcount it left, and the TLB entry that disagrees', () => {
    const { cpu, mm, at, slot, pte } = machine();
    const nframes = cpu.sys.nframes;
    cpu.mem.store(slot, mkPte(nframes, pte & 0xfff));
    const r = auditTranslations(cpu);
    expect(messages(r.ownership)).toEqual([
      `vpn ${at} maps frame ${nframes}, which is free or no frame`,
      `frame ${ptePfn(pte)} is named by 0 entries but its _mapcount says 1`,
    ]);
    expect(messages(r.tlb)).toEqual([`TLB of cpu 0 maps vpn ${at} (asid ${asidOf(mm)}) to frame ${ptePfn(pte)}, but the page table says frame ${nframes}`]);
  });

  it('name a writable entry on a frame two processes map (fork shares it read-only)', () => {
    const { cpu, mm, at, slot } = machine();
    expect(fork(cpu, mm, 101)).toBeGreaterThanOrEqual(0);
    const shared = cpu.mem.load(slot);
    expect(shared & PTE_RW).toBe(0);
    cpu.mem.store(slot, shared | PTE_RW);
    expect(messages(auditTranslations(cpu).ownership)).toEqual([`vpn ${at} maps frame ${ptePfn(shared)} writable while 2 entries map it`]);
  });

  it('name a TLB entry that may still write a page made read-only, and one of an exited process', () => {
    const { cpu, mm, at, slot, pte } = machine();
    cpu.mem.store(slot, pte & ~PTE_RW);
    expect(messages(auditTranslations(cpu).tlb)).toEqual([`TLB of cpu 0 may still write vpn ${at} (asid ${asidOf(mm)}), which is read-only now`]);
    cpu.mem.store(slot, pte);
    exitMm(cpu, mm);
    cpu.tlb.insert(asidOf(mm), at, pte);
    expect(messages(auditTranslations(cpu).tlb)).toEqual([`TLB of cpu 0 still holds vpn ${at} of asid ${asidOf(mm)}, whose process has exited`]);
  });
});
