import type { Mem } from '../shm/mem.js';
import { LockStats, SpinLock } from '../shm/spinlock.js';
import { PageList } from './list.js';
import {
  MAX_NR_ZONES, MIGRATE_TYPES, NR_PAGE_ORDERS, Z_IDX, Z_LOCK, Z_LOWMEM_RESERVE, Z_MANAGED, Z_NID, Z_NR_FREE,
  Z_NR_FREE_PAGES, Z_NR_RESERVED_HIGHATOMIC, Z_PRESENT, Z_SPANNED, Z_START_PFN, Z_WATERMARK, freeListWord,
  type ZoneRef,
} from './mmzone.js';
import { PG_INDEX, type MemMap } from './page.js';

/**
 * struct zone: a view of one zone's words with the free_area list operations of
 * mm/page_alloc.c. Callers hold the zone lock around every free_area change, as the
 * kernel does; `lockless` is the no-zone-lock variant, where lock() does nothing.
 */
export class Zone {
  readonly base: number;
  readonly nid: number;
  readonly idx: number;
  readonly name: string;
  readonly lockWord: number;
  readonly list: PageList;
  private readonly spin: SpinLock;

  constructor(
    readonly mem: Mem,
    readonly ref: ZoneRef,
    readonly pages: MemMap,
    readonly lockless: boolean,
    readonly lockStats: LockStats = new LockStats(),
  ) {
    this.base = ref.base;
    this.nid = ref.nid;
    this.idx = ref.idx;
    this.name = ref.name;
    // Stryker disable next-line ArithmeticOperator: Z_LOCK is 0, so base - Z_LOCK is base (an equivalent mutant)
    this.lockWord = ref.base + Z_LOCK;
    this.list = new PageList(mem, pages.lruWord);
    this.spin = new SpinLock(mem, this.lockWord, lockStats);
  }

  /** spin_lock(&zone->lock); `owner` is the CPU, kept in the word for the watchdog. */
  lock(owner: number): void {
    if (!this.lockless) this.spin.lock(owner);
  }

  unlock(): void {
    if (!this.lockless) this.spin.unlock();
  }

  get zone_start_pfn(): number {
    return this.mem.load(this.base + Z_START_PFN);
  }
  get spanned_pages(): number {
    return this.mem.load(this.base + Z_SPANNED);
  }
  get present_pages(): number {
    return this.mem.load(this.base + Z_PRESENT);
  }
  /** zone_managed_pages: pages handed to the buddy allocator at boot. */
  get managed_pages(): number {
    return this.mem.load(this.base + Z_MANAGED);
  }
  populated(): boolean {
    return this.present_pages > 0;
  }
  zone_end_pfn(): number {
    return this.zone_start_pfn + this.spanned_pages;
  }
  zone_spans_pfn(pfn: number): boolean {
    return pfn >= this.zone_start_pfn && pfn < this.zone_end_pfn();
  }

  /** zone_page_state(zone, NR_FREE_PAGES). */
  nr_free_pages(): number {
    return this.mem.load(this.base + Z_NR_FREE_PAGES);
  }
  /** __mod_zone_freepage_state. */
  mod_free_pages(delta: number): void {
    this.mem.add(this.base + Z_NR_FREE_PAGES, delta);
  }
  wmark(i: number): number {
    return this.mem.load(this.base + Z_WATERMARK + i);
  }
  lowmem_reserve(j: number): number {
    return this.mem.load(this.base + Z_LOWMEM_RESERVE + j);
  }
  nr_reserved_highatomic(): number {
    return this.mem.load(this.base + Z_NR_RESERVED_HIGHATOMIC);
  }
  nr_free(order: number): number {
    return this.mem.load(this.base + Z_NR_FREE + order);
  }

  /** The {head, tail} word of free_area[order].free_list[mt]. */
  freeList(order: number, mt: number): number {
    return freeListWord(this.base, order, mt);
  }

  free_area_empty(order: number, mt: number): boolean {
    return this.list.empty(freeListWord(this.base, order, mt));
  }

  /**
   * add_to_free_list(_tail). The list a page sits on is kept in page->index: our lists
   * have a head word, so unlinking needs to know which one (the kernel's circular lists
   * do not).
   */
  add_to_free_list(pfn: number, order: number, mt: number, tail: boolean): void {
    const head = freeListWord(this.base, order, mt);
    if (tail) this.list.add_tail(head, pfn);
    else this.list.add(head, pfn);
    this.mem.store(this.pages.field(pfn, PG_INDEX), mt);
    this.mem.add(this.base + Z_NR_FREE + order, 1);
  }

  /** del_page_from_free_list: unlink and clear the buddy type. */
  del_page_from_free_list(pfn: number, order: number): void {
    const mt = this.mem.load(this.pages.field(pfn, PG_INDEX));
    this.list.del(freeListWord(this.base, order, mt), pfn);
    this.pages.clear_buddy(pfn);
    this.mem.sub(this.base + Z_NR_FREE + order, 1);
  }

  /** move_to_free_list: to the tail of another migrate type's list, same order. */
  move_to_free_list(pfn: number, order: number, mt: number): void {
    const old = this.mem.load(this.pages.field(pfn, PG_INDEX));
    this.list.del(freeListWord(this.base, order, old), pfn);
    this.list.add_tail(freeListWord(this.base, order, mt), pfn);
    this.mem.store(this.pages.field(pfn, PG_INDEX), mt);
  }

  /** Set the boot-time fields (free_area_init_core); the lists start empty. */
  init(nid: number, idx: number, start: number, spanned: number, present: number): void {
    const m = this.mem;
    m.store(this.base + Z_NID, nid);
    m.store(this.base + Z_IDX, idx);
    m.store(this.base + Z_START_PFN, start);
    m.store(this.base + Z_SPANNED, spanned);
    m.store(this.base + Z_PRESENT, present);
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      for (let t = 0; t < MIGRATE_TYPES; t++) this.list.init(freeListWord(this.base, o, t));
    }
  }

  add_managed(n: number): void {
    this.mem.add(this.base + Z_MANAGED, n);
  }

  setWatermarks(min: number, low: number, high: number, promo: number): void {
    const w = this.base + Z_WATERMARK;
    this.mem.store(w, min);
    this.mem.store(w + 1, low);
    this.mem.store(w + 2, high);
    this.mem.store(w + 3, promo);
  }

  setLowmemReserve(reserve: readonly number[]): void {
    for (let j = 0; j < MAX_NR_ZONES; j++) this.mem.store(this.base + Z_LOWMEM_RESERVE + j, reserve[j] ?? 0);
  }
}
