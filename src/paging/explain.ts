import { ConfigError } from '../errors.js';
import { Arena } from '../shm/arena.js';
import { AtomicsMem } from '../shm/mem.js';
import { boot, kernelImageBytes } from '../kernel/boot.js';
import { KernelFrames, pagingBootConfig, pagingSpan } from './kernel_frames.js';
import { InvertedTable } from './inverted.js';
import { initPageTable, openPageTable } from './open.js';
import type { PtKind, WalkTrace } from './pagetable.js';
import { PAGE_MASK, PAGE_SHIFT, PROT_READ, PROT_WRITE, hex, mkPte, protFlags, pteFlagNames, ptePfn, PTE_A, PTE_D, PTE_P, PTE_VALID } from './pte.js';
import { RadixPageTable } from './radix.js';

export interface ExplainOptions {
  pt: PtKind;
  va: number;
  pid: number;
  frames: number;
  /** Leave the page unmapped, to show the walk that ends in a fault. */
  unmapped: boolean;
}

/** Parse a virtual address ('0x00403a7c' or decimal) against the address space of `vaBits`. */
export function parseVa(field: string, text: string, vaBits: number): number {
  const v = Number(text.trim());
  const top = 2 ** vaBits;
  if (text.trim() === '' || !Number.isInteger(v) || v < 0 || v >= top) {
    throw new ConfigError(field, `'${text}' is not an address in this address space`, `0 to ${hex(top - 1, 1)} (${vaBits}-bit)`);
  }
  return v;
}

/**
 * `memrace translate`: boot the one-node kernel of a paging machine with `frames` frames,
 * build one process's table of kind `pt` from its page allocator, map the page of `va` to
 * a frame holding real bytes, then walk it step by step as the MMU does on a TLB miss,
 * printing the split of the address, each table entry read, the frame and the physical
 * address (pfn << 12: DRAM starts at 0).
 */
export function explainTranslation(o: ExplainOptions): string[] {
  const cfg = pagingBootConfig(o.frames, 1);
  const nframes = pagingSpan(o.frames);
  const arena = Arena.create(kernelImageBytes(cfg) + (o.pt === 'inverted' ? InvertedTable.bytes(nframes, 2) : 0) + 4096);
  const mem = new AtomicsMem(arena.sab);
  const frames = new KernelFrames(boot(arena, mem, cfg).kernel, 0);
  const ipt = o.pt === 'inverted' ? InvertedTable.create(arena, mem, nframes, 2) : undefined;
  const header = arena.allocWords('translate.pt', 8);
  initPageTable(mem, o.pt, header);
  const pt = openPageTable({ mem, frames, ipt, cpu: 0 }, o.pt, header, o.pid);
  const vpn = Math.floor(o.va / 2 ** PAGE_SHIFT);
  const offset = o.va & PAGE_MASK;
  const out: string[] = [];
  out.push(`${o.pt} page table, 4 KiB pages, pid ${o.pid}: va ${hex(o.va)}; frames from alloc_pages(GFP_USER, 0) of a booted ${o.frames}-frame node`);
  if (pt instanceof RadixPageTable) {
    const parts = pt.geometry.bits.map((b, l) => `p${l + 1} ${hex(pt.index(vpn, l), Math.ceil(b / 4))} (${b} bits)`);
    out.push(`  split: ${parts.join(' | ')} | d ${hex(offset, 3)} (12 bits)`);
  } else {
    out.push(`  split: vpn ${hex(vpn, 1)} | d ${hex(offset, 3)} (12 bits); ${o.pt === 'inverted' ? 'the vpn and pid are' : 'the vpn is'} hashed`);
  }
  if (!o.unmapped) {
    // The path first, then the page, as Linux allocates page tables (__pte_alloc) before do_anonymous_page's frame.
    if (o.pt !== 'inverted') pt.set(vpn, PTE_VALID);
    const data = frames.alloc();
    if (pt.set(vpn, mkPte(data, protFlags(PROT_READ | PROT_WRITE) | PTE_A | PTE_D)) < 0) throw new ConfigError('--frames', `${o.frames} frames cannot hold the table and the page`, 'at least 8');
    const w = (frames.frameByteOffset(data) + (offset & ~3)) >> 2;
    mem.store(w, 0x600dcafe);
  }
  const physEnd = frames.frameByteOffset(nframes - 1) + 4096;
  const trace: WalkTrace = {
    step: (label, word, value) => {
      const where = word * 4 < physEnd ? `at pa ${hex(word * 4 - frames.frameByteOffset(0))}` : 'in the system table';
      // Radix entries (PML4E, PDPTE, PDE, PTE) carry flags worth naming; hash nodes carry tags.
      out.push(`  read ${label.padEnd(28)} ${where} = ${hex(value >>> 0)}${label.startsWith('P') ? `  [${pteFlagNames(value)}]` : ''}`);
    },
  };
  if (pt instanceof RadixPageTable) out.push(pt.root() < 0 ? '  PTBR (CR3) is empty: no table yet' : `  PTBR (CR3) -> root table in frame ${hex(pt.root(), 5)}`);
  const slot = pt.find(vpn, trace);
  const pte = slot < 0 ? 0 : mem.load(slot);
  if ((pte & PTE_P) === 0) {
    out.push(`  no present entry after ${pt.reads} table read(s): page fault (a valid page would be brought in; an invalid one is SIGSEGV)`);
  } else {
    const pfn = ptePfn(pte);
    const pa = pfn * 2 ** PAGE_SHIFT + offset;
    out.push(`  PTE ${hex(pte >>> 0)} [${pteFlagNames(pte)}] -> frame ${hex(pfn, 5)}`);
    out.push(`  pa = frame ${hex(pfn, 5)} << 12 | ${hex(offset, 3)} = ${hex(pa)}; the word there reads ${hex(mem.load((frames.frameByteOffset(pfn) + (offset & ~3)) >> 2) >>> 0)}`);
    out.push(`  cost: ${pt.reads} table read(s) + 1 data access on a TLB miss; 1 data access on a hit`);
  }
  out.push(
    o.pt === 'inverted'
      ? `  table memory: system inverted table ${InvertedTable.tableBytes(nframes)} bytes for ${nframes} frames (any number of processes); this process's side table ${pt.tableBytes()} bytes`
      : `  table memory: ${pt.tableBytes()} bytes (${pt.tableBytes() / 4096} frame(s)) for ${o.unmapped ? 0 : 1} mapped page`,
  );
  return out;
}
