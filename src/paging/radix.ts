import { ENOMEM } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import { type PageTable, type PtKind, type WalkTrace, allocTableFrame } from './pagetable.js';
import { PAGE_SIZE, PDE_FLAGS, PTE_P, mkPte, ptePfn } from './pte.js';

/** Header words of a forward-mapped table: the root (CR3 / PTBR) and the frames it owns. */
const H_ROOT = 0;
const H_FRAMES = 1;
const NO_ROOT = -1;

/** A level's geometry: index bits per level (root first) and bytes per entry. */
export interface RadixGeometry {
  kind: PtKind;
  bits: readonly number[];
  entryBytes: number;
  names: readonly string[];
}

/** i386 without PAE: 10/10/12, 4-byte entries, 1024 to a 4 KiB table. */
export const TWO_LEVEL: RadixGeometry = { kind: 'two-level', bits: [10, 10], entryBytes: 4, names: ['PDE', 'PTE'] };
/** x86-64: 9/9/9/9/12, 8-byte entries, 512 to a 4 KiB table. */
export const FOUR_LEVEL: RadixGeometry = { kind: 'four-level', bits: [9, 9, 9, 9], entryBytes: 8, names: ['PML4E', 'PDPTE', 'PDE', 'PTE'] };

/**
 * A forward-mapped (hierarchical) page table in frames: the vpn is split into one index
 * per level; each level's entry holds the frame of the next table. Tables are allocated
 * when the first entry below them is set and freed only at `release` (exit), as Linux frees
 * page tables in free_pgtables rather than on every unmap.
 */
export class RadixPageTable implements PageTable {
  readonly kind: PtKind;
  readonly vaBits: number;
  readonly canShare = true;
  reads = 0;
  private readonly levels: number;
  /** Per level: the divisor that brings the level's index to the bottom (2^shift). */
  private readonly div: Float64Array;
  private readonly mask: Int32Array;
  private readonly stride: number;

  static initHeader(mem: Mem, header: number): void {
    mem.store(header + H_ROOT, NO_ROOT);
    mem.store(header + H_FRAMES, 0);
  }

  constructor(
    private readonly mem: Mem,
    private readonly frames: FrameAllocator,
    private readonly header: number,
    readonly geometry: RadixGeometry,
  ) {
    this.kind = geometry.kind;
    this.levels = geometry.bits.length;
    this.div = new Float64Array(this.levels);
    this.mask = new Int32Array(this.levels);
    let shift = 0;
    for (let l = this.levels - 1; l >= 0; l--) {
      this.div[l] = 2 ** shift;
      this.mask[l] = (1 << geometry.bits[l]) - 1;
      shift += geometry.bits[l];
    }
    this.vaBits = shift + 12;
    this.stride = geometry.entryBytes >> 2;
  }

  /** The index of `vpn` at `level` (0 = root). */
  index(vpn: number, level: number): number {
    return Math.floor(vpn / this.div[level]) & this.mask[level];
  }

  /** Word index of entry `idx` in the table held by frame `pfn`. */
  private entryWord(pfn: number, idx: number): number {
    return (this.frames.frameByteOffset(pfn) >> 2) + idx * this.stride;
  }

  root(): number {
    return this.mem.load(this.header + H_ROOT);
  }

  find(vpn: number, trace?: WalkTrace): number {
    const mem = this.mem;
    let table = mem.load(this.header + H_ROOT);
    this.reads = 0;
    if (table === NO_ROOT) return -1;
    const last = this.levels - 1;
    for (let l = 0; l < last; l++) {
      const w = this.entryWord(table, this.index(vpn, l));
      const e = mem.load(w);
      this.reads++;
      if (trace) trace.step(`${this.geometry.names[l]}[${this.index(vpn, l)}]`, w, e);
      if ((e & PTE_P) === 0) return -1;
      table = ptePfn(e);
    }
    const w = this.entryWord(table, this.index(vpn, last));
    this.reads++;
    if (trace) trace.step(`${this.geometry.names[last]}[${this.index(vpn, last)}]`, w, mem.load(w));
    return w;
  }

  private newTable(): number {
    return allocTableFrame(this.mem, this.frames, this.header + H_FRAMES);
  }

  set(vpn: number, pte: number): number {
    const mem = this.mem;
    let table = mem.load(this.header + H_ROOT);
    if (table === NO_ROOT) {
      table = this.newTable();
      if (table < 0) return -ENOMEM;
      mem.store(this.header + H_ROOT, table);
    }
    const last = this.levels - 1;
    for (let l = 0; l < last; l++) {
      const w = this.entryWord(table, this.index(vpn, l));
      const e = mem.load(w);
      if (e & PTE_P) {
        table = ptePfn(e);
        continue;
      }
      const next = this.newTable();
      if (next < 0) return -ENOMEM;
      mem.store(w, mkPte(next, PDE_FLAGS));
      table = next;
    }
    mem.store(this.entryWord(table, this.index(vpn, last)), pte);
    return 0;
  }

  clear(vpn: number): number {
    const w = this.find(vpn);
    return w < 0 ? 0 : this.mem.exchange(w, 0);
  }

  forEach(visit: (vpn: number, pte: number) => void): void {
    const root = this.root();
    if (root !== NO_ROOT) this.walkTable(root, 0, 0, visit);
  }

  private walkTable(pfn: number, level: number, prefix: number, visit: (vpn: number, pte: number) => void): void {
    const n = this.mask[level] + 1;
    for (let i = 0; i < n; i++) {
      const e = this.mem.load(this.entryWord(pfn, i));
      if (e === 0) continue;
      const vpn = prefix + i * this.div[level];
      if (level === this.levels - 1) visit(vpn, e);
      else if (e & PTE_P) this.walkTable(ptePfn(e), level + 1, vpn, visit);
    }
  }

  tableBytes(): number {
    return this.mem.load(this.header + H_FRAMES) * PAGE_SIZE;
  }

  release(): void {
    const root = this.root();
    if (root === NO_ROOT) return;
    this.freeTable(root, 0);
    this.mem.store(this.header + H_ROOT, NO_ROOT);
    this.mem.store(this.header + H_FRAMES, 0);
  }

  private freeTable(pfn: number, level: number): void {
    if (level < this.levels - 1) {
      const n = this.mask[level] + 1;
      for (let i = 0; i < n; i++) {
        const e = this.mem.load(this.entryWord(pfn, i));
        if (e & PTE_P) this.freeTable(ptePfn(e), level + 1);
      }
    }
    this.frames.free(pfn);
  }
}
