import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';
import { PAGE_SIZE, PAGE_WORDS } from './pte.js';

/**
 * The seam between paging and the physical-memory allocator. Everything paging needs from
 * "the buddy allocator and struct page" is here and nothing more: KernelFrames puts the
 * kernel's alloc_pages / put_page and struct page's _refcount/_mapcount behind it, and
 * SimpleFrames is the inverted table's private pool. Frame contents are real bytes at `frameByteOffset(pfn)` in the image.
 */
export interface FrameAllocator {
  /** pfns run below this. */
  readonly nframes: number;
  /** alloc_pages(GFP_USER, 0): a frame with _refcount 1 and no mappings, or -1 when none is free. */
  alloc(): number;
  /** put_page: drop one reference; the frame goes back at zero. */
  free(pfn: number): void;
  /** get_page: one more reference (a fork's shared frame, a swap-out in flight). */
  get(pfn: number): void;
  /** page_ref_count. */
  refcount(pfn: number): number;
  /** page_mapcount: how many PTEs map the frame (_mapcount + 1). */
  mapcount(pfn: number): number;
  /** One more PTE maps the frame; returns the new page_mapcount. */
  incMapcount(pfn: number): number;
  /** One PTE less; returns the new page_mapcount. */
  decMapcount(pfn: number): number;
  /** Byte offset of the frame's 4 KiB in the image (`mem.u8`). */
  frameByteOffset(pfn: number): number;
  /** Frames free now. */
  freeFrames(): number;
}

/** Per-frame words of struct page that the pool keeps: _refcount, _mapcount, and the free-list link. */
const F_REF = 0;
const F_MAPCOUNT = 1;
const F_NEXT = 2;
const META_WORDS = 4;
/** Free-list header: lock, head, count. */
const H_LOCK = 0;
const H_HEAD = 1;
const H_FREE = 2;
const NIL = -1;

/** Where a SimpleFrames pool lives: plain data for workers. */
export interface FramesRef {
  nframes: number;
  /** Word index of frame 0's first word. */
  base: number;
  meta: number;
  header: number;
}

/**
 * A private pool of order-0 frames on one free stack under a spinlock, for the inverted
 * table's per-process side tables (and for page tables tested on their own). It stays
 * apart from the kernel's allocator on purpose: the reclaimer records a swap entry in a
 * side table exactly when the kernel's frames have run out, so that entry must never wait
 * on the frame it is freeing (the kernel would use a mempool_t for this). _mapcount starts
 * at -1 as in Linux, so page_mapcount is _mapcount + 1.
 */
export class SimpleFrames implements FrameAllocator {
  readonly nframes: number;
  private readonly base: number;
  private readonly meta: number;
  private readonly header: number;
  private readonly lock: SpinLock;
  private readonly owner: number;

  static bytes(nframes: number): number {
    return nframes * (PAGE_SIZE + META_WORDS * 4) + 2 * PAGE_SIZE;
  }

  /** Carve `nframes` page-aligned frames out of the image, all free. */
  static create(arena: Arena, mem: Mem, nframes: number, name = 'paging.frames'): FramesRef {
    const ref: FramesRef = {
      nframes,
      base: arena.allocWords(name, nframes * PAGE_WORDS, PAGE_SIZE),
      meta: arena.allocWords(`${name}.meta`, nframes * META_WORDS),
      header: arena.allocWords(`${name}.header`, 4),
    };
    // Low pfns on top: a run hands out 0, 1, 2... which keeps examples readable.
    for (let pfn = 0; pfn < nframes; pfn++) {
      mem.store(ref.meta + pfn * META_WORDS + F_MAPCOUNT, -1);
      mem.store(ref.meta + pfn * META_WORDS + F_NEXT, pfn + 1 < nframes ? pfn + 1 : NIL);
    }
    mem.store(ref.header + H_HEAD, nframes > 0 ? 0 : NIL);
    mem.store(ref.header + H_FREE, nframes);
    return ref;
  }

  /** `cpu` is the lock owner recorded in the lock word (the actor id). */
  constructor(
    private readonly mem: Mem,
    readonly ref: FramesRef,
    cpu: number,
  ) {
    this.nframes = ref.nframes;
    this.base = ref.base;
    this.meta = ref.meta;
    this.header = ref.header;
    // Stryker disable next-line ArithmeticOperator: H_LOCK is 0, so ref.header - H_LOCK is ref.header (an equivalent mutant)
    this.lock = new SpinLock(mem, ref.header + H_LOCK);
    this.owner = cpu;
  }

  alloc(): number {
    const mem = this.mem;
    this.lock.lock(this.owner);
    const pfn = mem.load(this.header + H_HEAD);
    if (pfn !== NIL) {
      const m = this.meta + pfn * META_WORDS;
      mem.store(this.header + H_HEAD, mem.load(m + F_NEXT));
      mem.store(this.header + H_FREE, mem.load(this.header + H_FREE) - 1);
      mem.store(m + F_NEXT, NIL);
      mem.store(m + F_REF, 1);
    }
    this.lock.unlock();
    return pfn;
  }

  free(pfn: number): boolean {
    const mem = this.mem;
    const m = this.meta + pfn * META_WORDS;
    if (mem.sub(m + F_REF, 1) !== 1) return false;
    mem.store(m + F_MAPCOUNT, -1);
    this.lock.lock(this.owner);
    mem.store(m + F_NEXT, mem.load(this.header + H_HEAD));
    mem.store(this.header + H_HEAD, pfn);
    mem.store(this.header + H_FREE, mem.load(this.header + H_FREE) + 1);
    this.lock.unlock();
    return true;
  }

  get(pfn: number): void {
    this.mem.add(this.meta + pfn * META_WORDS + F_REF, 1);
  }

  refcount(pfn: number): number {
    return this.mem.load(this.meta + pfn * META_WORDS + F_REF);
  }

  mapcount(pfn: number): number {
    return this.mem.load(this.meta + pfn * META_WORDS + F_MAPCOUNT) + 1;
  }

  incMapcount(pfn: number): number {
    return this.mem.add(this.meta + pfn * META_WORDS + F_MAPCOUNT, 1) + 2;
  }

  decMapcount(pfn: number): number {
    return this.mem.sub(this.meta + pfn * META_WORDS + F_MAPCOUNT, 1);
  }

  frameByteOffset(pfn: number): number {
    return (this.base + pfn * PAGE_WORDS) * 4;
  }

  freeFrames(): number {
    return this.mem.load(this.header + H_FREE);
  }

  /** Free list and refcounts agree: each free frame once on the list with refcount 0, the count right. */
  audit(): Violation[] {
    const out: Violation[] = [];
    const mem = this.mem;
    const seen = new Uint8Array(this.nframes);
    let n = 0;
    for (let pfn = mem.load(this.header + H_HEAD); pfn !== NIL; pfn = mem.load(this.meta + pfn * META_WORDS + F_NEXT)) {
      if (pfn < 0 || pfn >= this.nframes) {
        out.push({ message: `free list links to ${pfn}, not a frame` });
        break;
      }
      if (seen[pfn]++) {
        out.push({ message: `frame ${pfn} is on the free list twice`, where: `pfn ${pfn}` });
        break;
      }
      n++;
      if (this.refcount(pfn) !== 0) out.push({ message: `free frame ${pfn} has refcount ${this.refcount(pfn)}`, where: `pfn ${pfn}` });
    }
    if (n !== this.freeFrames()) out.push({ message: `free list holds ${n} frames but counts ${this.freeFrames()}` });
    for (let pfn = 0; pfn < this.nframes; pfn++) {
      if (!seen[pfn] && this.refcount(pfn) <= 0) out.push({ message: `frame ${pfn} has refcount ${this.refcount(pfn)} but is not free`, where: `pfn ${pfn}` });
    }
    return out;
  }
}
