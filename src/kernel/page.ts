import type { Mem } from '../shm/mem.js';
import { PAGE_SIZE, pageblock_order } from './mmzone.js';

/**
 * struct page (include/linux/mm_types.h), 8 words per frame in the image:
 *
 *   0 flags      enum pageflags bits, zone id at ZONES_PGSHIFT, node id at NODES_PGSHIFT
 *   1 _refcount  1 on allocation, freed at 0
 *   2 _mapcount  -1 when unmapped; shared with page_type, where PG_buddy lives in 6.6
 *   3 private    the order while the page heads a free buddy block
 *   4 mapping
 *   5 index      the cached migrate type while on a pcp list (set_pcppage_migratetype)
 *   6 lru.next   pfn, or NIL
 *   7 lru.prev
 */
export const PAGE_WORDS = 8;
export const PG_FLAGS = 0;
export const PG_REFCOUNT = 1;
export const PG_MAPCOUNT = 2;
export const PG_PRIVATE = 3;
export const PG_MAPPING = 4;
export const PG_INDEX = 5;
export const PG_LRU = 6;

/** enum pageflags of 6.6, in its order. */
export const PG_locked = 0;
export const PG_writeback = 1;
export const PG_referenced = 2;
export const PG_uptodate = 3;
export const PG_dirty = 4;
export const PG_lru = 5;
export const PG_head = 6;
export const PG_waiters = 7;
export const PG_active = 8;
export const PG_workingset = 9;
export const PG_error = 10;
export const PG_slab = 11;
export const PG_owner_priv_1 = 12;
export const PG_arch_1 = 13;
export const PG_reserved = 14;
export const PG_private = 15;
export const PG_private_2 = 16;
export const PG_mappedtodisk = 17;
export const PG_reclaim = 18;
export const PG_swapbacked = 19;
export const PG_unevictable = 20;
export const PG_mlocked = 21;
export const NR_PAGEFLAGS = 22;
export const PAGEFLAG_NAMES = [
  'locked', 'writeback', 'referenced', 'uptodate', 'dirty', 'lru', 'head', 'waiters', 'active', 'workingset', 'error',
  'slab', 'owner_priv_1', 'arch_1', 'reserved', 'private', 'private_2', 'mappedtodisk', 'reclaim', 'swapbacked',
  'unevictable', 'mlocked',
] as const;

/** page->flags layout: [NODE | ZONE | ... | FLAGS], fields from the top as the kernel packs them. */
export const NODES_SHIFT = 6;
export const ZONES_SHIFT = 2;
export const NODES_PGSHIFT = 32 - NODES_SHIFT;
export const ZONES_PGSHIFT = NODES_PGSHIFT - ZONES_SHIFT;
const NODES_MASK = (1 << NODES_SHIFT) - 1;
const ZONES_MASK = (1 << ZONES_SHIFT) - 1;
const FLAGS_MASK = (1 << ZONES_PGSHIFT) - 1;

/**
 * page_type (6.6): _mapcount starts at -1; a type is set by *clearing* its bit under
 * PAGE_TYPE_BASE, so a free buddy head reads 0xffffff7f = -129 (older kernels used
 * PAGE_BUDDY_MAPCOUNT_VALUE -128, as seed 003 says).
 */
export const PAGE_TYPE_BASE = 0xf0000000 | 0;
export const PG_buddy = 0x00000080;
export const PAGE_BUDDY_MAPCOUNT = -1 & ~PG_buddy;

/** Flags that must be clear when a page is freed (PAGE_FLAGS_CHECK_AT_FREE, abridged). */
export const PAGE_FLAGS_CHECK_AT_FREE =
  (1 << PG_lru) | (1 << PG_locked) | (1 << PG_private) | (1 << PG_private_2) | (1 << PG_writeback) | (1 << PG_reserved) |
  (1 << PG_slab) | (1 << PG_active) | (1 << PG_unevictable) | (1 << PG_mlocked);

export interface MemMapRef {
  /** Word of the first struct page. */
  memmap: number;
  /** Byte offset of the first frame's contents. */
  frames: number;
  /** pfn of the first struct page (aligned to MAX_ORDER_NR_PAGES). */
  start_pfn: number;
  nr_pages: number;
  /** Word of one migrate-type word per pageblock (pageblock_flags). */
  pageblock_flags: number;
}

/**
 * The memmap: one struct page per frame from start_pfn, pfn <-> struct page, the
 * pageblock migrate types, and the frames' bytes. Every field access goes through Mem.
 */
export class MemMap {
  readonly memmap: number;
  readonly start_pfn: number;
  readonly end_pfn: number;
  private readonly pbFlags: number;
  private readonly frames: number;

  constructor(
    readonly mem: Mem,
    readonly ref: MemMapRef,
  ) {
    this.memmap = ref.memmap;
    this.start_pfn = ref.start_pfn;
    this.end_pfn = ref.start_pfn + ref.nr_pages;
    this.pbFlags = ref.pageblock_flags;
    this.frames = ref.frames;
  }

  pfn_valid(pfn: number): boolean {
    return pfn >= this.start_pfn && pfn < this.end_pfn;
  }

  /** pfn_to_page: the word index of the page's struct page. */
  pfn_to_page(pfn: number): number {
    return this.memmap + (pfn - this.start_pfn) * PAGE_WORDS;
  }

  /** page_to_pfn: the pfn of the struct page at word `page`. */
  page_to_pfn(page: number): number {
    return this.start_pfn + (page - this.memmap) / PAGE_WORDS;
  }

  /** Word of a field of pfn's struct page. */
  field(pfn: number, f: number): number {
    return this.memmap + (pfn - this.start_pfn) * PAGE_WORDS + f;
  }

  lruWord = (pfn: number): number => this.memmap + (pfn - this.start_pfn) * PAGE_WORDS + PG_LRU;

  /** Byte offset in the image of the frame's contents (page_address). */
  page_address(pfn: number): number {
    return this.frames + (pfn - this.start_pfn) * PAGE_SIZE;
  }

  /** virt_to_pfn: the frame holding byte `addr` of the image (the inverse of page_address). */
  virt_to_pfn(addr: number): number {
    return this.start_pfn + Math.floor((addr - this.frames) / PAGE_SIZE);
  }

  /** The frames of a block as bytes: a view on the image, not a copy (for setup and checks, not hot paths). */
  frame(pfn: number, order = 0): Uint8Array {
    return new Uint8Array(this.mem.u8.buffer, this.page_address(pfn), PAGE_SIZE << order);
  }

  /** page_to_phys. */
  page_to_phys(pfn: number): number {
    return pfn * PAGE_SIZE;
  }

  flags(pfn: number): number {
    return this.mem.load(this.field(pfn, PG_FLAGS));
  }

  test(pfn: number, bit: number): boolean {
    return (this.mem.load(this.field(pfn, PG_FLAGS)) & (1 << bit)) !== 0;
  }

  /** SetPageX: atomic, as set_bit is. */
  set(pfn: number, bit: number): void {
    this.mem.or(this.field(pfn, PG_FLAGS), 1 << bit);
  }

  clear(pfn: number, bit: number): void {
    this.mem.and(this.field(pfn, PG_FLAGS), ~(1 << bit));
  }

  page_zonenum(pfn: number): number {
    return (this.flags(pfn) >>> ZONES_PGSHIFT) & ZONES_MASK;
  }

  page_to_nid(pfn: number): number {
    return (this.flags(pfn) >>> NODES_PGSHIFT) & NODES_MASK;
  }

  /** page_zone_id: node and zone together, what page_is_buddy compares. */
  page_zone_id(pfn: number): number {
    return this.flags(pfn) >>> ZONES_PGSHIFT;
  }

  /** set_page_links + init_single_page: flags with node and zone, refcount 1, unmapped, reserved. */
  init_single_page(pfn: number, zone: number, nid: number, reserved: boolean): void {
    const mem = this.mem;
    const w = this.field(pfn, 0);
    mem.store(w + PG_FLAGS, (nid << NODES_PGSHIFT) | (zone << ZONES_PGSHIFT) | (reserved ? 1 << PG_reserved : 0));
    mem.store(w + PG_REFCOUNT, 1);
    mem.store(w + PG_MAPCOUNT, -1);
    mem.store(w + PG_PRIVATE, 0);
    mem.store(w + PG_MAPPING, 0);
    mem.store(w + PG_INDEX, 0);
    mem.store(w + PG_LRU, -1);
    mem.store(w + PG_LRU + 1, -1);
  }

  page_count(pfn: number): number {
    return this.mem.load(this.field(pfn, PG_REFCOUNT));
  }

  page_mapcount(pfn: number): number {
    return this.mem.load(this.field(pfn, PG_MAPCOUNT));
  }

  /** PageBuddy: the page_type test. */
  PageBuddy(pfn: number): boolean {
    return (this.mem.load(this.field(pfn, PG_MAPCOUNT)) & (PAGE_TYPE_BASE | PG_buddy)) === PAGE_TYPE_BASE;
  }

  /** buddy_order: page_private of a buddy head. */
  buddy_order(pfn: number): number {
    return this.mem.load(this.field(pfn, PG_PRIVATE));
  }

  /** set_buddy_order: private = order, then __SetPageBuddy. */
  set_buddy_order(pfn: number, order: number): void {
    this.mem.store(this.field(pfn, PG_PRIVATE), order);
    this.mem.store(this.field(pfn, PG_MAPCOUNT), PAGE_BUDDY_MAPCOUNT);
  }

  /** __ClearPageBuddy + set_page_private(page, 0). */
  clear_buddy(pfn: number): void {
    this.mem.store(this.field(pfn, PG_MAPCOUNT), -1);
    this.mem.store(this.field(pfn, PG_PRIVATE), 0);
  }

  /** get_pcppage_migratetype: cached in page->index while on a pcp list. */
  get_pcppage_migratetype(pfn: number): number {
    return this.mem.load(this.field(pfn, PG_INDEX));
  }

  set_pcppage_migratetype(pfn: number, mt: number): void {
    this.mem.store(this.field(pfn, PG_INDEX), mt);
  }

  /** get_pfnblock_migratetype. */
  get_pageblock_migratetype(pfn: number): number {
    return this.mem.load(this.pbFlags + ((pfn - this.start_pfn) >> pageblock_order));
  }

  set_pageblock_migratetype(pfn: number, mt: number): void {
    this.mem.store(this.pbFlags + ((pfn - this.start_pfn) >> pageblock_order), mt);
  }

  /** The flags word decoded as /proc/kpageflags-style names, for dumps. */
  flagNames(pfn: number): string[] {
    const f = this.flags(pfn) & FLAGS_MASK;
    const names: string[] = [];
    for (let b = 0; b < NR_PAGEFLAGS; b++) if (f & (1 << b)) names.push(PAGEFLAG_NAMES[b]);
    if (this.PageBuddy(pfn)) names.push('buddy');
    return names;
  }

  /** dump_page: one line, as the kernel's "page:... refcount:... mapcount:..." header. */
  dump_page(pfn: number): string {
    return `page:pfn 0x${pfn.toString(16)} refcount:${this.page_count(pfn)} mapcount:${this.page_mapcount(pfn) + 1} mapping:${this.mem.load(this.field(pfn, PG_MAPPING))} index:0x${this.mem.load(this.field(pfn, PG_INDEX)).toString(16)} node:${this.page_to_nid(pfn)} zone:${this.page_zonenum(pfn)} flags: ${this.flagNames(pfn).join('|') || '0'}`;
  }
}

/** pfn of a physical address, rounded up / down (PFN_UP, PFN_DOWN). */
export const PFN_UP = (phys: number): number => Math.ceil(phys / PAGE_SIZE);
export const PFN_DOWN = (phys: number): number => Math.floor(phys / PAGE_SIZE);
