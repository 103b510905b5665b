import {
  LOWMEM_RESERVE_RATIO, MAX_NR_ZONES, MAX_ORDER, MIGRATE_HIGHATOMIC, MIGRATE_PCPTYPES, WMARK_HIGH, ZONE_MOVABLE,
} from './mmzone.js';
import type { Zone } from './zone.js';

/** What a watermark check reads of a zone (a Zone, or a hand-built one in tests). */
export type WatermarkZone = Pick<Zone, 'nr_free_pages' | 'nr_reserved_highatomic' | 'lowmem_reserve' | 'nr_free' | 'free_area_empty'>;

/** alloc_flags of mm/internal.h (6.6). The low bits pick the watermark. */
export const ALLOC_WMARK_MIN = 0;
export const ALLOC_WMARK_LOW = 1;
export const ALLOC_WMARK_HIGH = 2;
export const ALLOC_NO_WATERMARKS = 0x04;
export const ALLOC_WMARK_MASK = ALLOC_NO_WATERMARKS - 1;
export const ALLOC_OOM = 0x08;
export const ALLOC_NON_BLOCK = 0x10;
export const ALLOC_MIN_RESERVE = 0x20;
export const ALLOC_CPUSET = 0x40;
export const ALLOC_HIGHATOMIC = 0x200;
export const ALLOC_KSWAPD = 0x800;
export const ALLOC_RESERVES = ALLOC_NON_BLOCK | ALLOC_MIN_RESERVE | ALLOC_HIGHATOMIC | ALLOC_OOM;

/** int_sqrt. */
export function int_sqrt(x: number): number {
  return Math.floor(Math.sqrt(x));
}

/** calculate_min_free_kbytes: clamp(int_sqrt(lowmem_kbytes * 16), 128, 262144). */
export function calculate_min_free_kbytes(lowmemKbytes: number): number {
  return Math.min(262144, Math.max(128, int_sqrt(lowmemKbytes * 16)));
}

/** The watermarks of one zone, from __setup_per_zone_wmarks. */
export interface Watermarks {
  min: number;
  low: number;
  high: number;
  promo: number;
}

/**
 * __setup_per_zone_wmarks: pages_min (min_free_kbytes in pages) shared among the
 * lowmem zones by managed size; MOVABLE (and highmem) get clamp(managed / 1024, 32, 128)
 * instead, which SPEC's formula leaves out. The gap between marks is
 * max(share / 4, managed * watermark_scale_factor / 10000).
 */
export function setup_per_zone_wmarks(zones: readonly Zone[], minFreeKbytes: number, scaleFactor: number): void {
  for (const z of zones) {
    const w = zoneWatermarks(zones, z, minFreeKbytes, scaleFactor);
    z.setWatermarks(w.min, w.low, w.high, w.promo);
  }
}

export function zoneWatermarks(zones: readonly Zone[], z: Zone, minFreeKbytes: number, scaleFactor: number): Watermarks {
  const pagesMin = minFreeKbytes >> 2;
  let lowmem = 0;
  for (const x of zones) if (x.idx !== ZONE_MOVABLE) lowmem += x.managed_pages;
  const managed = z.managed_pages;
  const share = lowmem ? Math.floor((pagesMin * managed) / lowmem) : 0;
  const min = z.idx === ZONE_MOVABLE ? Math.min(128, Math.max(32, Math.floor(managed / 1024))) : share;
  const tmp = Math.max(share >> 2, Math.floor((managed * scaleFactor) / 10000));
  return { min, low: min + tmp, high: min + 2 * tmp, promo: min + 3 * tmp };
}

/**
 * setup_per_zone_lowmem_reserve: lowmem_reserve[j] of zone i = managed pages of the
 * node's zones i+1..j / ratio[i]; 0 where the ratio is 0 or the zone has no pages.
 */
export function lowmemReserve(nodeZones: readonly Zone[], i: number): number[] {
  const out = new Array<number>(MAX_NR_ZONES).fill(0);
  const ratio = LOWMEM_RESERVE_RATIO[i];
  if (!ratio || !nodeZones[i].managed_pages) return out;
  let managed = 0;
  for (let j = i + 1; j < MAX_NR_ZONES; j++) {
    managed += nodeZones[j].managed_pages;
    out[j] = Math.floor(managed / ratio);
  }
  return out;
}

/**
 * calculate_totalreserve_pages for one node: per zone, the largest lowmem_reserve plus
 * the high watermark, capped at managed. MemAvailable subtracts the total.
 */
export function totalreserve_pages(nodeZones: readonly Zone[]): number {
  let total = 0;
  for (let i = 0; i < nodeZones.length; i++) {
    const z = nodeZones[i];
    let max = 0;
    for (let j = i; j < MAX_NR_ZONES; j++) max = Math.max(max, z.lowmem_reserve(j));
    max += z.wmark(WMARK_HIGH);
    total += Math.min(max, z.managed_pages);
  }
  return total;
}

/**
 * __zone_watermark_ok: free pages less (2^order - 1) (and the highatomic reserve for
 * unprivileged callers) must exceed the mark plus lowmem_reserve[highest_zoneidx];
 * __GFP_HIGH lowers the mark by half, non-blocking callers by a further quarter, OOM
 * victims by half again. Above order 0 a free block of that order or more must exist.
 */
export function __zone_watermark_ok(z: WatermarkZone, order: number, mark: number, highestZoneidx: number, allocFlags: number, freePages: number): boolean {
  let min = mark;
  freePages -= (1 << order) - 1;
  if ((allocFlags & ALLOC_RESERVES) === 0) freePages -= z.nr_reserved_highatomic();
  else {
    if (allocFlags & ALLOC_MIN_RESERVE) {
      min -= min >> 1;
      if (allocFlags & ALLOC_NON_BLOCK) min -= min >> 2;
    }
    if (allocFlags & ALLOC_OOM) min -= min >> 1;
  }
  if (freePages <= min + z.lowmem_reserve(highestZoneidx)) return false;
  if (!order) return true;
  for (let o = order; o <= MAX_ORDER; o++) {
    // Stryker disable next-line ConditionalExpression: an order with no free block has every list empty, so the loop below finds none either (an equivalent mutant)
    if (!z.nr_free(o)) continue;
    for (let mt = 0; mt < MIGRATE_PCPTYPES; mt++) if (!z.free_area_empty(o, mt)) return true;
    if (allocFlags & (ALLOC_HIGHATOMIC | ALLOC_OOM) && !z.free_area_empty(o, MIGRATE_HIGHATOMIC)) return true;
  }
  return false;
}

/** zone_watermark_ok: the check against NR_FREE_PAGES. */
export function zone_watermark_ok(z: WatermarkZone, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
  return __zone_watermark_ok(z, order, mark, highestZoneidx, allocFlags, z.nr_free_pages());
}

/** zone_watermark_fast: order 0 tries a cheaper test first (6.6). */
export function zone_watermark_fast(z: WatermarkZone, order: number, mark: number, highestZoneidx: number, allocFlags: number): boolean {
  const free = z.nr_free_pages();
  // Stryker disable next-line ConditionalExpression,BlockStatement: skipping the shortcut leaves __zone_watermark_ok's answer, which the shortcut only ever repeats (equivalent mutants)
  if (!order) {
    const reserved = (allocFlags & ALLOC_RESERVES) === 0 ? z.nr_reserved_highatomic() : 0;
    // Stryker disable next-line MethodExpression: free - max(free, reserved) is 0 or less, so the shortcut is skipped and __zone_watermark_ok answers (an equivalent mutant)
    const usable = free - Math.min(free, reserved);
    if (usable > mark + z.lowmem_reserve(highestZoneidx)) return true;
  }
  return __zone_watermark_ok(z, order, mark, highestZoneidx, allocFlags, free);
}

/** wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK). */
export function wmark_pages(z: Zone, allocFlags: number): number {
  return z.wmark(allocFlags & ALLOC_WMARK_MASK);
}

