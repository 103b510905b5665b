import type { Mem } from '../shm/mem.js';
import {
  HDR_BYTES, H_INDEX, H_IOVA, H_POOL, MEMHDR_WORDS, MEM_LIST_CAP, M_ADDR, M_FIRST, M_IOVA, M_LEN, M_OBJS, P_HEADER_SIZE, P_MEM_LIST,
  P_NB_MEM_CHUNKS, P_POPULATED, P_TOTAL_SIZE, RTE_BAD_IOVA,
} from './mempool_layout.js';

/** One chunk of a pool's memory as rte_mempool_mem_iter shows it (struct rte_mempool_memhdr). */
export interface MemHdr {
  addr: number;
  len: number;
  iova: number;
}

/**
 * A pool's mem list (mp->mem_list in the image) and the objects placed in its chunks: a
 * handle keeps a copy of where each chunk's elements start, so finding object i costs a
 * short scan and no image access.
 */
export class MemList {
  private addr = new Int32Array(0);
  private first = new Int32Array(0);
  private readonly total: number;

  constructor(
    private readonly mem: Mem,
    private readonly base: number,
  ) {
    this.total = mem.load(base + P_TOTAL_SIZE);
    this.reload();
  }

  get count(): number {
    return this.mem.load(this.base + P_NB_MEM_CHUNKS);
  }

  /** Re-read the list after a populate. */
  reload(): void {
    const mem = this.mem;
    const n = this.count;
    const list = mem.load(this.base + P_MEM_LIST);
    this.addr = new Int32Array(n);
    this.first = new Int32Array(n);
    for (let c = 0, first = 0; c < n; c++) {
      this.addr[c] = mem.load(list + c * MEMHDR_WORDS + M_FIRST);
      this.first[c] = first;
      first += mem.load(list + c * MEMHDR_WORDS + M_OBJS);
    }
  }

  /** Word index of the header of object `i` (populate order). */
  hdrOf(i: number): number {
    let c = this.first.length - 1;
    while (this.first[c] > i) c--;
    return (this.addr[c] + (i - this.first[c]) * this.total) >> 2;
  }

  chunks(): MemHdr[] {
    const list = this.mem.load(this.base + P_MEM_LIST);
    return Array.from({ length: this.count }, (_, c) => {
      const h = list + c * MEMHDR_WORDS;
      return { addr: this.mem.load(h + M_ADDR), len: this.mem.load(h + M_LEN), iova: this.mem.load(h + M_IOVA) };
    });
  }

  /** rte_mempool_get_mem_range: the bytes that hold every chunk, and whether they are one piece. */
  range(): { start: number; length: number; is_contiguous: boolean } {
    const chunks = this.chunks().sort((a, b) => a.addr - b.addr);
    const start = chunks[0].addr;
    const end = Math.max(...chunks.map((c) => c.addr + c.len));
    return { start, length: end - start, is_contiguous: chunks.every((c, i) => i === 0 || chunks[i - 1].addr + chunks[i - 1].len === c.addr) };
  }

  /**
   * mempool_add_elem over one chunk: up to `max` elements from byte `first` (addr aligned),
   * each header naming the pool, its index and its IOVA; the chunk joins the list and
   * populated_size grows. Returns the objects (bodies) placed, or null when the list is full.
   */
  add(addr: number, len: number, iova: number, first: number, k: number): Int32Array | null {
    const mem = this.mem;
    const b = this.base;
    const n = this.count;
    if (n >= MEM_LIST_CAP) return null;
    const populated = mem.load(b + P_POPULATED);
    const hdr = mem.load(b + P_MEM_LIST) + n * MEMHDR_WORDS;
    for (const [f, v] of [[M_ADDR, addr], [M_LEN, len], [M_IOVA, iova], [M_FIRST, first], [M_OBJS, k]]) mem.store(hdr + f, v);
    const objs = new Int32Array(k);
    const bodyWords = mem.load(b + P_HEADER_SIZE) >> 2;
    for (let i = 0; i < k; i++) {
      const h = (first + i * this.total) >> 2;
      mem.store(h + H_POOL, b);
      mem.store(h + H_INDEX, populated + i);
      mem.store(h + H_IOVA, iova === RTE_BAD_IOVA ? RTE_BAD_IOVA : iova + first - addr + i * this.total);
      objs[i] = h + bodyWords;
    }
    mem.store(b + P_POPULATED, populated + k);
    mem.store(b + P_NB_MEM_CHUNKS, n + 1);
    this.reload();
    return objs;
  }
}

/** rte_mempool_virt2iova: the header's IOVA plus the header size; RTE_BAD_IOVA when populated without one. */
export function virt2iova(mem: Mem, obj: number): number {
  const iova = mem.load(obj - (HDR_BYTES >> 2) + H_IOVA);
  return iova === RTE_BAD_IOVA ? RTE_BAD_IOVA : iova + HDR_BYTES;
}
