import { allocatedPages, auditKernel, badPageViolations } from '../kernel/audit.js';
import { bootConfig, type BootConfig } from '../kernel/bootconfig.js';
import { GFP_USER } from '../kernel/gfp.js';
import type { Kernel } from '../kernel/kernel.js';
import { ZONE_NORMAL } from '../kernel/mmzone.js';
import { PG_MAPCOUNT, type MemMap } from '../kernel/page.js';
import { PageAlloc } from '../kernel/page_alloc.js';
import type { PerCpuPages } from '../kernel/pcp.js';
import type { Zone } from '../kernel/zone.js';
import type { Violation } from '../core/violation.js';
import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import { PAGE_SIZE } from './pte.js';

/** Pages of struct page per 4 KiB frame of memmap (64-byte struct page). */
const PAGES_PER_MEMMAP_PAGE = PAGE_SIZE / 64;

/**
 * The one-node kernel a paging machine of `frames` frames boots: a single ZONE_NORMAL
 * whose buddy allocator manages exactly `frames` pages. mem= cuts DRAM to the frames plus
 * what boot reserves out of it (the memmap, ceil(pages / 64) pages, and the kernel image,
 * which absorbs the rounding), and min_free_kbytes below one page leaves no reserve under
 * the min watermark: the paging models count frames exactly, so a GFP_USER fault fails
 * when no frame is free anywhere (buddy lists and pagesets), not at a watermark. The OOM
 * scenarios are where watermarks matter.
 */
export function pagingBootConfig(frames: number, cpus: number, pcp = true): BootConfig {
  const pages = pagingSpan(frames);
  const memmap = Math.ceil(pages / PAGES_PER_MEMMAP_PAGE);
  const kernelPages = pages - frames - memmap;
  // bootConfig's smallest node; mem= cuts it down to `pages`.
  const minMem = 8 * 2 ** 20;
  return bootConfig({
    nodes: 1,
    cpusPerNode: cpus,
    mem: Math.max(minMem, Math.ceil((pages * PAGE_SIZE) / minMem) * minMem),
    dmaLimit: 0,
    cmdline: `mem=${(pages * PAGE_SIZE) >> 10}K`,
    kernelSize: kernelPages * PAGE_SIZE,
    minFreeKbytes: 1,
    watermarkScaleFactor: 1,
    pcp,
  });
}

/**
 * The pages of DRAM a paging machine of `frames` frames has: the frames, the memmap that
 * covers them all, and at least one page of kernel image (more where the memmap's
 * rounding leaves a page over). pfns run from 0 to here.
 */
export function pagingSpan(frames: number): number {
  let memmap = 1;
  while (Math.ceil((frames + 1 + memmap) / PAGES_PER_MEMMAP_PAGE) > memmap) memmap++;
  return frames + 1 + memmap;
}

/**
 * Paging's frames from the kernel's page allocator: alloc_pages(GFP_USER, 0) through this
 * CPU's pagesets, put_page to free, struct page's _refcount and _mapcount (page_mapcount
 * is _mapcount + 1, as in Linux; a page freed still mapped is a bad_page the audit reports).
 */
export class KernelFrames implements FrameAllocator {
  /** pfns run from 0 to here: the node's span, so pfn-indexed tables (rmap, the inverted table) fit. */
  readonly nframes: number;
  readonly pa: PageAlloc;
  private readonly mem: Mem;
  private readonly pages: MemMap;
  private readonly zone: Zone;
  private pcps: PerCpuPages[] | null = null;

  constructor(
    readonly k: Kernel,
    cpu: number,
  ) {
    this.pa = new PageAlloc(k, cpu);
    this.mem = k.mem;
    this.pages = k.pages;
    this.zone = k.zones[ZONE_NORMAL];
    this.nframes = this.zone.zone_end_pfn();
  }

  alloc(): number {
    return this.pa.alloc_pages(GFP_USER, 0);
  }

  free(pfn: number): void {
    this.pa.put_page(pfn);
  }

  get(pfn: number): void {
    this.pa.get_page(pfn);
  }

  refcount(pfn: number): number {
    return this.pages.page_count(pfn);
  }

  mapcount(pfn: number): number {
    return this.pages.page_mapcount(pfn) + 1;
  }

  incMapcount(pfn: number): number {
    return this.mem.add(this.pages.field(pfn, PG_MAPCOUNT), 1) + 2;
  }

  decMapcount(pfn: number): number {
    return this.mem.sub(this.pages.field(pfn, PG_MAPCOUNT), 1);
  }

  frameByteOffset(pfn: number): number {
    return this.pa.page_address(pfn);
  }

  /** Free pages of the zone: its buddy lists (NR_FREE_PAGES) and every CPU's pageset. */
  freeFrames(): number {
    this.pcps ??= Array.from({ length: this.k.ref.nr_cpus }, (_, cpu) => this.k.pageset(cpu, ZONE_NORMAL));
    let n = this.zone.nr_free_pages();
    for (const p of this.pcps) n += p.count;
    return n;
  }

  /** Pages the buddy allocator manages: what freeFrames() returns once everything is freed. */
  managed(): number {
    return this.zone.managed_pages;
  }

  /** The kernel's audit of its free lists and pagesets, and every bad_page() report (a page freed mapped, or freed twice). */
  audit(): Violation[] {
    return [...auditKernel(this.k).violations, ...badPageViolations(this.k)];
  }

  /** Pages the allocator has handed out and not had back (a quiescent image: neither free nor reserved). */
  allocated(): number {
    return allocatedPages(this.k, auditKernel(this.k));
  }
}
