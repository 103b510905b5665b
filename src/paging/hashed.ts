import { ENOMEM } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import { type PageTable, type PtKind, type WalkTrace, allocTableFrame, vpnHash } from './pagetable.js';
import { PAGE_SIZE, PAGE_WORDS } from './pte.js';

/** Header words: the bucket frame, frames owned, the free-node list, the chain of node frames. */
const H_BUCKETS = 0;
const H_FRAMES = 1;
const H_FREE = 2;
const H_NODE_FRAMES = 3;
const NONE = -1;

/** A node: tag (vpn, or block number when clustered) in two words, the chain link, then its PTE(s). */
const N_TAG_LO = 0;
const N_TAG_HI = 1;
const N_NEXT = 2;
const N_PTE = 3;

/** One 4 KiB frame of chain heads: 1024 buckets. */
export const HASH_BUCKET_BITS = 10;
/** Pages per clustered node: Talluri, Hill and Khalidi's subblock factor of 16. */
export const CLUSTER = 16;

/**
 * A hashed page table (the usual choice beyond 32 bits): the vpn hashes into a bucket whose
 * chain of nodes is searched for the vpn's tag. The clustered variant keeps one node per
 * block of 16 pages, so a dense address space needs a sixteenth of the nodes and a sparse
 * one pays for the unused slots. Nodes are carved from frames; the first node-sized slot of
 * each node frame links it to the previous one so exit can free them all.
 */
export class HashedPageTable implements PageTable {
  readonly kind: PtKind;
  readonly vaBits = 48;
  readonly canShare = true;
  reads = 0;
  /** Pages per node: 1, or CLUSTER. */
  private readonly per: number;
  private readonly nodeWords: number;

  static initHeader(mem: Mem, header: number): void {
    // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
    mem.store(header + H_BUCKETS, NONE);
    mem.store(header + H_FRAMES, 0);
    mem.store(header + H_FREE, 0);
    mem.store(header + H_NODE_FRAMES, NONE);
  }

  constructor(
    private readonly mem: Mem,
    private readonly frames: FrameAllocator,
    private readonly header: number,
    clustered: boolean,
  ) {
    this.kind = clustered ? 'clustered' : 'hashed';
    this.per = clustered ? CLUSTER : 1;
    this.nodeWords = N_PTE + this.per;
  }

  private bucketWord(vpn: number): number {
    // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
    const b = this.mem.load(this.header + H_BUCKETS);
    return b === NONE ? -1 : (this.frames.frameByteOffset(b) >> 2) + vpnHash(Math.floor(vpn / this.per), 0, HASH_BUCKET_BITS);
  }

  /** The node holding vpn's block, or 0. */
  private node(vpn: number, trace?: WalkTrace): number {
    const mem = this.mem;
    this.reads = 0;
    const bw = this.bucketWord(vpn);
    // Stryker disable next-line EqualityOperator: word 0 of the image is never handed out (Arena.create), so no bucket word is 0
    if (bw < 0) return 0;
    const tag = Math.floor(vpn / this.per);
    const lo = tag | 0;
    const hi = (tag / 4294967296) | 0;
    let n = mem.load(bw);
    this.reads++;
    if (trace) trace.step(`bucket[${bw - (this.frames.frameByteOffset(mem.load(this.header + H_BUCKETS)) >> 2)}]`, bw, n);
    while (n !== 0) {
      this.reads++;
      const match = mem.load(n + N_TAG_LO) === lo && mem.load(n + N_TAG_HI) === hi;
      // Stryker disable next-line ArithmeticOperator: N_TAG_LO is 0, so n - N_TAG_LO is n (an equivalent mutant)
      if (trace) trace.step(`node tag ${mem.load(n + N_TAG_LO) >>> 0}${match ? ' (match)' : ''}`, n, mem.load(n + N_TAG_LO));
      if (match) return n;
      n = mem.load(n + N_NEXT);
    }
    return 0;
  }

  find(vpn: number, trace?: WalkTrace): number {
    const n = this.node(vpn, trace);
    return n === 0 ? -1 : n + N_PTE + (vpn % this.per);
  }

  private newFrame(): number {
    return allocTableFrame(this.mem, this.frames, this.header + H_FRAMES);
  }

  private allocNode(): number {
    const mem = this.mem;
    let n = mem.load(this.header + H_FREE);
    if (n === 0) {
      const pfn = this.newFrame();
      if (pfn < 0) return 0;
      const base = this.frames.frameByteOffset(pfn) >> 2;
      mem.store(base, mem.load(this.header + H_NODE_FRAMES));
      mem.store(this.header + H_NODE_FRAMES, pfn);
      for (let w = base + this.nodeWords; w + this.nodeWords <= base + PAGE_WORDS; w += this.nodeWords) {
        mem.store(w + N_NEXT, n);
        n = w;
      }
    }
    mem.store(this.header + H_FREE, mem.load(n + N_NEXT));
    for (let i = 0; i < this.per; i++) mem.store(n + N_PTE + i, 0);
    return n;
  }

  set(vpn: number, pte: number): number {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
    if (mem.load(this.header + H_BUCKETS) === NONE) {
      const b = this.newFrame();
      if (b < 0) return -ENOMEM;
      // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
      mem.store(this.header + H_BUCKETS, b);
    }
    const have = this.node(vpn);
    if (have !== 0) {
      mem.store(have + N_PTE + (vpn % this.per), pte);
      return 0;
    }
    const n = this.allocNode();
    if (n === 0) return -ENOMEM;
    const tag = Math.floor(vpn / this.per);
    const bw = this.bucketWord(vpn);
    // Stryker disable next-line ArithmeticOperator: N_TAG_LO is 0, so n - N_TAG_LO is n (an equivalent mutant)
    mem.store(n + N_TAG_LO, tag | 0);
    mem.store(n + N_TAG_HI, (tag / 4294967296) | 0);
    mem.store(n + N_PTE + (vpn % this.per), pte);
    mem.store(n + N_NEXT, mem.load(bw));
    // Publish last: a walker reaching the node finds it whole.
    mem.store(bw, n);
    return 0;
  }

  clear(vpn: number): number {
    const mem = this.mem;
    const n = this.node(vpn);
    if (n === 0) return 0;
    const old = mem.exchange(n + N_PTE + (vpn % this.per), 0);
    for (let i = 0; i < this.per; i++) if (mem.load(n + N_PTE + i) !== 0) return old;
    // The node is empty: unlink it, then recycle it.
    let link = this.bucketWord(vpn);
    while (mem.load(link) !== n) link = mem.load(link) + N_NEXT;
    mem.store(link, mem.load(n + N_NEXT));
    mem.store(n + N_NEXT, mem.load(this.header + H_FREE));
    mem.store(this.header + H_FREE, n);
    return old;
  }

  forEach(visit: (vpn: number, pte: number) => void): void {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
    const b = mem.load(this.header + H_BUCKETS);
    if (b === NONE) return;
    const base = this.frames.frameByteOffset(b) >> 2;
    for (let i = 0; i < PAGE_WORDS; i++) {
      for (let n = mem.load(base + i); n !== 0; n = mem.load(n + N_NEXT)) {
        const tag = (mem.load(n + N_TAG_LO) >>> 0) + mem.load(n + N_TAG_HI) * 4294967296;
        for (let k = 0; k < this.per; k++) {
          const e = mem.load(n + N_PTE + k);
          if (e !== 0) visit(tag * this.per + k, e);
        }
      }
    }
  }

  tableBytes(): number {
    return this.mem.load(this.header + H_FRAMES) * PAGE_SIZE;
  }

  release(): void {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: H_BUCKETS is 0, so header - H_BUCKETS is header (an equivalent mutant)
    const b = mem.load(this.header + H_BUCKETS);
    if (b !== NONE) this.frames.free(b);
    for (let f = mem.load(this.header + H_NODE_FRAMES); f !== NONE; ) {
      const prev = mem.load(this.frames.frameByteOffset(f) >> 2);
      this.frames.free(f);
      f = prev;
    }
    HashedPageTable.initHeader(mem, this.header);
  }
}
