import { describe, expect, it } from 'vitest';
import {
  PAGE_MASK, PAGE_SIZE, PAGE_WORDS, PDE_FLAGS, PROT_EXEC, PROT_READ, PROT_WRITE, PTE_A, PTE_COW, PTE_D, PTE_NX, PTE_P, PTE_RW,
  PTE_SWAP, PTE_US, PTE_VALID, hex, mkPte, pteFlagNames, protFlags, ptePfn,
} from '../src/paging/pte.js';

/** The PTE word (src/paging/pte.ts) against x86's layout (arch/x86/include/asm/pgtable_types.h). */
describe('page-table entry format', () => {
  it("puts P, R/W, U/S, A and D at x86's bits 0, 1, 2, 5 and 6, and VALID, COW, SWAP in the software bits 9..11", () => {
    expect([PTE_P, PTE_RW, PTE_US, PTE_A, PTE_D]).toEqual([1 << 0, 1 << 1, 1 << 2, 1 << 5, 1 << 6]);
    expect([PTE_NX, PTE_VALID, PTE_COW, PTE_SWAP]).toEqual([1 << 3, 1 << 9, 1 << 10, 1 << 11]);
    expect(PDE_FLAGS).toBe(0x007);
    expect([PAGE_SIZE, PAGE_WORDS, PAGE_MASK]).toEqual([4096, 1024, 4095]);
  });

  it('keeps the frame number in bits 31..12, up to the top frame of a 32-bit word', () => {
    const pte = mkPte(0xfffff, PTE_P | PTE_D);
    expect(pte).toBe(0xfffff041 | 0);
    expect(ptePfn(pte)).toBe(0xfffff);
    expect(ptePfn(mkPte(1, 0xfff))).toBe(1);
    expect(mkPte(0, 0)).toBe(0);
  });

  it('gives a user page P, U/S and VALID, R/W only with PROT_WRITE and NX unless PROT_EXEC', () => {
    expect(protFlags(PROT_READ)).toBe(PTE_P | PTE_US | PTE_VALID | PTE_NX);
    expect(protFlags(PROT_READ | PROT_WRITE)).toBe(PTE_P | PTE_US | PTE_VALID | PTE_NX | PTE_RW);
    expect(protFlags(PROT_READ | PROT_EXEC)).toBe(PTE_P | PTE_US | PTE_VALID);
    expect(protFlags(PROT_READ | PROT_WRITE | PROT_EXEC)).toBe(PTE_P | PTE_US | PTE_VALID | PTE_RW);
  });

  it('names each flag alone, all of them in bit order, and none', () => {
    const each: [number, string][] = [
      [PTE_P, 'P'], [PTE_RW, 'RW'], [PTE_US, 'US'], [PTE_NX, 'NX'], [PTE_A, 'A'], [PTE_D, 'D'], [PTE_VALID, 'V'], [PTE_COW, 'COW'], [PTE_SWAP, 'SWAP'],
    ];
    for (const [bit, name] of each) expect(pteFlagNames(mkPte(5, bit))).toBe(name);
    expect(pteFlagNames(0xfff)).toBe('P RW US NX A D V COW SWAP');
    expect(pteFlagNames(mkPte(7, 0))).toBe('none');
  });

  it('prints hex with leading zeros to 8 digits, or as asked', () => {
    expect(hex(0x1f)).toBe('0x0000001f');
    expect(hex(0x1f, 3)).toBe('0x01f');
  });
});
