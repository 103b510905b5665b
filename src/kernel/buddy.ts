import {
  FALLBACKS, MAX_NR_ZONES, MAX_ORDER, MIGRATE_MOVABLE, MIGRATE_PCPTYPES, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, pageblock_nr_pages,
  pageblock_order,
} from './mmzone.js';
import { MAX_NODES } from './bootconfig.js';
import { PG_lru, type MemMap } from './page.js';
import type { Zone } from './zone.js';

/** fpi_t: free_one_page's flags. */
export const FPI_NONE = 0;
/** Put the merged block at the list's tail (boot's memblock_free_all does). */
export const FPI_TO_TAIL = 2;

/**
 * The buddy allocator of mm/page_alloc.c (6.6) over one image: every function here runs
 * with the zone lock held by its caller, and touches only that zone's free_area.
 *
 * Invariants (what audit() checks): every free block is a PageBuddy head with private =
 * its order, aligned to its order, in its own zone, on exactly one list, with nr_free
 * equal to the list lengths and NR_FREE_PAGES to their pages; once merging settles no
 * free block has a free buddy of the same order beside it.
 */
export class Buddy {
  constructor(
    readonly pages: MemMap,
    /** page_group_by_mobility_disabled: every allocation is UNMOVABLE and steals whole blocks. */
    readonly mobilityDisabled: boolean,
    /** Broken: __rmqueue_smallest serves a request from any migrate type's list, never falling back. */
    readonly ignoreMigratetype = false,
  ) {}

  /**
   * mm_page_alloc_extfrag events this thread raised (one per __rmqueue_fallback that found a
   * block), by zone: nid * MAX_NR_ZONES + zone index. A block handed out from a pageblock of
   * another migrate type needs one in its zone: boot marks every pageblock MOVABLE, and only
   * a fallback moves free pages to another type's lists or claims a pageblock.
   */
  readonly extfrag = new Int32Array(MAX_NR_ZONES * MAX_NODES);

  /** __find_buddy_pfn. */
  static buddy_pfn(pfn: number, order: number): number {
    return pfn ^ (1 << order);
  }

  /** page_is_buddy: a free head of the same order in the same zone. */
  page_is_buddy(pfn: number, buddy: number, order: number): boolean {
    const p = this.pages;
    if (!p.pfn_valid(buddy) || !p.PageBuddy(buddy)) return false;
    if (p.buddy_order(buddy) !== order) return false;
    return p.page_zone_id(pfn) === p.page_zone_id(buddy);
  }

  /**
   * expand: split the block of order `high` at `pfn` down to `low`, giving each upper
   * half back to the free list of its order; the lowest 2^low pages stay with the caller.
   */
  expand(zone: Zone, pfn: number, low: number, high: number, mt: number): void {
    let size = 1 << high;
    while (high > low) {
      high--;
      size >>= 1;
      // Stryker disable next-line BooleanLiteral: the search found mt's lists below `high` empty, so head or tail is the same place (an equivalent mutant)
      zone.add_to_free_list(pfn + size, high, mt, false);
      this.pages.set_buddy_order(pfn + size, high);
    }
  }

  /** __rmqueue_smallest: the smallest free block of order >= `order` on `mt`'s lists. Returns a pfn or -1. */
  __rmqueue_smallest(zone: Zone, order: number, mt: number): number {
    for (let cur = order; cur <= MAX_ORDER; cur++) {
      let pfn = zone.list.first(zone.freeList(cur, mt));
      for (let t = 0; pfn < 0 && this.ignoreMigratetype && t < MIGRATE_PCPTYPES; t++) pfn = zone.list.first(zone.freeList(cur, t));
      if (pfn < 0) continue;
      zone.del_page_from_free_list(pfn, cur);
      this.expand(zone, pfn, order, cur, mt);
      this.pages.set_pcppage_migratetype(pfn, mt);
      return pfn;
    }
    return -1;
  }

  /** can_steal_fallback. */
  can_steal_fallback(order: number, startMt: number): boolean {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: an order >= pageblock_order is also >= pageblock_order / 2 below, so removing or narrowing this early return changes nothing (equivalent mutants)
    if (order >= pageblock_order) return true;
    // C: pageblock_order / 2 is an integer division (9 / 2 = 4).
    return order >= pageblock_order >> 1 || startMt === MIGRATE_RECLAIMABLE || startMt === MIGRATE_UNMOVABLE || this.mobilityDisabled;
  }

  /** find_suitable_fallback's *can_steal out-parameter. */
  // Stryker disable next-line BooleanLiteral: find_suitable_fallback sets it before anyone reads it (an equivalent mutant)
  private canSteal = false;

  /** find_suitable_fallback: the first fallback type with a free block at `order`; sets `canSteal`. */
  find_suitable_fallback(zone: Zone, order: number, mt: number): number {
    this.canSteal = false;
    // Stryker disable next-line ConditionalExpression: with no free block at this order the loop below finds none either: the early return only saves the walk (an equivalent mutant)
    if (zone.nr_free(order) === 0) return -1;
    const fb = FALLBACKS[mt];
    for (let i = 0; i < fb.length; i++) {
      if (zone.free_area_empty(order, fb[i])) continue;
      if (this.can_steal_fallback(order, mt)) this.canSteal = true;
      return fb[i];
    }
    return -1;
  }

  /**
   * move_freepages_block: move every free block of the pageblock around `pfn` to `mt`'s
   * lists. Returns [pages moved, movable pages] (movable: allocated pages with PG_lru).
   */
  move_freepages_block(zone: Zone, pfn: number, mt: number): [number, number] {
    const p = this.pages;
    let start = pfn & ~(pageblock_nr_pages - 1);
    const end = start + pageblock_nr_pages - 1;
    if (!zone.zone_spans_pfn(start)) start = pfn;
    if (!zone.zone_spans_pfn(end)) return [0, 0];
    let moved = 0;
    let movable = 0;
    for (let q = start; q <= end; ) {
      if (!p.PageBuddy(q)) {
        if (p.test(q, PG_lru)) movable++;
        q++;
        continue;
      }
      const order = p.buddy_order(q);
      zone.move_to_free_list(q, order, mt);
      q += 1 << order;
      moved += 1 << order;
    }
    return [moved, movable];
  }

  /**
   * steal_suitable_fallback: take a whole pageblock when the block is big enough or
   * mostly free or compatible, else just the one free block. (Watermark boosting is not
   * modelled: watermark_boost_factor 0.)
   */
  steal_suitable_fallback(zone: Zone, pfn: number, startMt: number, wholeBlock: boolean): void {
    const p = this.pages;
    const order = p.buddy_order(pfn);
    const oldType = p.get_pageblock_migratetype(pfn);
    if (oldType >= MIGRATE_PCPTYPES) {
      zone.move_to_free_list(pfn, order, startMt);
      return;
    }
    if (order >= pageblock_order) {
      for (let b = 0; b < 1 << (order - pageblock_order); b++) p.set_pageblock_migratetype(pfn + b * pageblock_nr_pages, startMt);
      zone.move_to_free_list(pfn, order, startMt);
      return;
    }
    if (!wholeBlock) {
      zone.move_to_free_list(pfn, order, startMt);
      return;
    }
    const [free, movable] = this.move_freepages_block(zone, pfn, startMt);
    if (!free) {
      zone.move_to_free_list(pfn, order, startMt);
      return;
    }
    const alike = startMt === MIGRATE_MOVABLE ? movable : oldType === MIGRATE_MOVABLE ? pageblock_nr_pages - (free + movable) : 0;
    if (free + alike >= 1 << (pageblock_order - 1) || this.mobilityDisabled) p.set_pageblock_migratetype(pfn, startMt);
  }

  /**
   * __rmqueue_fallback: steal from another migrate type, the largest block first (a
   * MOVABLE request that cannot take the whole block takes the smallest instead).
   */
  __rmqueue_fallback(zone: Zone, order: number, startMt: number): boolean {
    let cur = MAX_ORDER;
    // Stryker disable next-line UnaryOperator: the loop below runs at least once (order <= MAX_ORDER) and sets it (an equivalent mutant)
    let fbMt = -1;
    for (; cur >= order; cur--) {
      fbMt = this.find_suitable_fallback(zone, cur, startMt);
      if (fbMt !== -1) break;
    }
    if (fbMt === -1) return false;
    if (!this.canSteal && startMt === MIGRATE_MOVABLE && cur > order) {
      for (cur = order; cur <= MAX_ORDER; cur++) {
        fbMt = this.find_suitable_fallback(zone, cur, startMt);
        if (fbMt !== -1) break;
      }
    }
    const pfn = zone.list.first(zone.freeList(cur, fbMt));
    this.extfrag[zone.nid * MAX_NR_ZONES + zone.idx]++;
    this.steal_suitable_fallback(zone, pfn, startMt, this.canSteal);
    return true;
  }

  /** __rmqueue: smallest of the type, else steal and retry. Returns a pfn or -1. */
  __rmqueue(zone: Zone, order: number, mt: number): number {
    for (;;) {
      const pfn = this.__rmqueue_smallest(zone, order, mt);
      if (pfn >= 0 || !this.__rmqueue_fallback(zone, order, mt)) return pfn;
    }
  }

  /** buddy_merge_likely: will this block's buddy at the next order be free soon? Then free to the tail. */
  private buddy_merge_likely(pfn: number, buddyPfn: number, order: number): boolean {
    if (order >= MAX_ORDER - 1) return false;
    const higher = buddyPfn & pfn;
    return this.page_is_buddy(higher, Buddy.buddy_pfn(higher, order + 1), order + 1);
  }

  /**
   * __free_one_page: merge with the buddy (pfn ^ 2^order) while it is a free head of the
   * same order, moving up; at pageblock order and above only mergeable types merge.
   */
  __free_one_page(zone: Zone, pfn: number, order: number, mt: number, fpi: number): void {
    const p = this.pages;
    zone.mod_free_pages(1 << order);
    let buddy = 0;
    while (order < MAX_ORDER) {
      buddy = Buddy.buddy_pfn(pfn, order);
      if (!this.page_is_buddy(pfn, buddy, order)) break;
      if (order >= pageblock_order) {
        const bmt = p.get_pageblock_migratetype(buddy);
        if (mt !== bmt && (mt >= MIGRATE_PCPTYPES || bmt >= MIGRATE_PCPTYPES)) break;
      }
      zone.del_page_from_free_list(buddy, order);
      pfn &= buddy;
      order++;
    }
    p.set_buddy_order(pfn, order);
    const tail = (fpi & FPI_TO_TAIL) !== 0 || this.buddy_merge_likely(pfn, buddy, order);
    zone.add_to_free_list(pfn, order, mt, tail);
  }

  /** free_one_page: __free_one_page under the zone lock. */
  free_one_page(zone: Zone, pfn: number, order: number, mt: number, fpi: number, owner: number): void {
    zone.lock(owner);
    this.__free_one_page(zone, pfn, order, mt, fpi);
    zone.unlock();
  }

  /** rmqueue_buddy: one block straight from the buddy lists, under the zone lock. Returns a pfn or -1. */
  rmqueue_buddy(zone: Zone, order: number, mt: number, owner: number): number {
    zone.lock(owner);
    const pfn = this.__rmqueue(zone, order, mt);
    if (pfn >= 0) zone.mod_free_pages(-(1 << order));
    zone.unlock();
    return pfn;
  }
}
