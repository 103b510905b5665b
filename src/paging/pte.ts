/**
 * Page geometry and the page-table entry format every table kind shares.
 *
 * An entry is one 32-bit word: the frame number in bits 31..12 and flags below, at x86's
 * positions where x86 has them (P 0, R/W 1, U/S 2, A 5, D 6). x86-64 keeps NX at bit 63,
 * which a 32-bit word lacks, so NX sits at bit 3 (PWT; caching attributes are not
 * modelled). Bits 9..11 are x86's "available to software", used as Linux uses them: our
 * VALID (the textbook valid-invalid bit: the page belongs to the address space), COW, and
 * SWAP (a non-present entry whose frame field holds a swap slot, like Linux's swap PTE).
 * Four-level tables store each entry in 8 bytes (512 to a 4 KiB table, as on x86-64) with
 * this word in the low half.
 */
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_WORDS = PAGE_SIZE >> 2;
export const PAGE_MASK = PAGE_SIZE - 1;

export const PTE_P = 0x001;
export const PTE_RW = 0x002;
export const PTE_US = 0x004;
export const PTE_NX = 0x008;
export const PTE_A = 0x020;
export const PTE_D = 0x040;
export const PTE_VALID = 0x200;
export const PTE_COW = 0x400;
export const PTE_SWAP = 0x800;
export const PTE_FLAGS = 0xfff;

/** An upper-level entry (PDE, PML4E...): present, writable, user, as x86 sets them so the leaf decides. */
export const PDE_FLAGS = PTE_P | PTE_RW | PTE_US;

/** VMA / request protection, as mmap's PROT_* values. */
export const PROT_NONE = 0;
export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;

/** Kinds of access the MMU checks. */
export const ACC_READ = 0;
export const ACC_WRITE = 1;
export const ACC_EXEC = 2;

export function ptePfn(pte: number): number {
  return pte >>> PAGE_SHIFT;
}

export function mkPte(pfn: number, flags: number): number {
  return ((pfn << PAGE_SHIFT) | flags) | 0;
}

/** The leaf flags for a present user page of a VMA with `prot` (write only when not shared COW). */
export function protFlags(prot: number): number {
  return PTE_P | PTE_US | PTE_VALID | (prot & PROT_WRITE ? PTE_RW : 0) | (prot & PROT_EXEC ? 0 : PTE_NX);
}

/** 'P RW US A D' for dumps and `memrace translate`. */
export function pteFlagNames(pte: number): string {
  const names: string[] = [];
  if (pte & PTE_P) names.push('P');
  if (pte & PTE_RW) names.push('RW');
  if (pte & PTE_US) names.push('US');
  if (pte & PTE_NX) names.push('NX');
  if (pte & PTE_A) names.push('A');
  if (pte & PTE_D) names.push('D');
  if (pte & PTE_VALID) names.push('V');
  if (pte & PTE_COW) names.push('COW');
  if (pte & PTE_SWAP) names.push('SWAP');
  return names.length ? names.join(' ') : 'none';
}

export function hex(n: number, digits = 8): string {
  return '0x' + n.toString(16).padStart(digits, '0');
}
