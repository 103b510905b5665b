import { describe, expect, it } from 'vitest';
import { MAX_ORDER, MIGRATE_HIGHATOMIC, MIGRATE_MOVABLE, ZONE_DMA, ZONE_MOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import {
  ALLOC_HIGHATOMIC, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_OOM, __zone_watermark_ok, lowmemReserve, zone_watermark_fast,
  zone_watermark_ok, type WatermarkZone,
} from '../src/kernel/watermark.js';
import { MiB, bootTest } from './kernel-helpers.js';

/**
 * mm/page_alloc.c (6.6) __zone_watermark_ok and zone_watermark_fast at their boundaries:
 * the highatomic reserve that only unprivileged callers give up, the OOM victim's halved
 * mark, which free lists count above order 0, and the order-0 fast path, which may only say
 * yes where the full check would; then __setup_per_zone_wmarks' share (lowmem leaves
 * ZONE_MOVABLE out), its gap under a large watermark_scale_factor, and the promo mark.
 */
interface Fake {
  free: number;
  highatomic?: number;
  reserve?: number;
  /** Free blocks: [order, migrate type]. */
  blocks?: [number, number][];
}

function zoneOf(f: Fake): WatermarkZone {
  const blocks = f.blocks ?? [];
  return {
    nr_free_pages: () => f.free,
    nr_reserved_highatomic: () => f.highatomic ?? 0,
    lowmem_reserve: (j: number) => (j === ZONE_NORMAL ? (f.reserve ?? 0) : 0),
    nr_free: (o: number) => blocks.filter(([bo]) => bo === o).length,
    free_area_empty: (o: number, mt: number) => !blocks.some(([bo, bmt]) => bo === o && bmt === mt),
  };
}

const ok = (f: Fake, order: number, mark: number, flags: number) => zone_watermark_ok(zoneOf(f), order, mark, ZONE_NORMAL, flags);

describe('__zone_watermark_ok', () => {
  it('an unprivileged caller gives up the highatomic reserve; ALLOC_HIGHATOMIC (one of ALLOC_RESERVES) keeps it, with the mark unchanged', () => {
    expect(ok({ free: 150, highatomic: 50 }, 0, 100, 0)).toBe(false); // 150 - 50 = 100 <= 100
    expect(ok({ free: 151, highatomic: 50 }, 0, 100, 0)).toBe(true);
    expect(ok({ free: 101, highatomic: 50 }, 0, 100, ALLOC_HIGHATOMIC)).toBe(true);
    expect(ok({ free: 100, highatomic: 50 }, 0, 100, ALLOC_HIGHATOMIC)).toBe(false);
  });

  it('an OOM victim (ALLOC_OOM) digs to half the mark, after __GFP_HIGH and non-blocking have taken theirs', () => {
    expect(ok({ free: 51 }, 0, 100, ALLOC_OOM)).toBe(true);
    expect(ok({ free: 50 }, 0, 100, ALLOC_OOM)).toBe(false);
    // 100 -> 50 (min reserve) -> 38 (non-blocking: 50 - 12) -> 19 (OOM: 38 - 19).
    const all = ALLOC_MIN_RESERVE | ALLOC_NON_BLOCK | ALLOC_OOM;
    expect(ok({ free: 20 }, 0, 100, all)).toBe(true);
    expect(ok({ free: 19 }, 0, 100, all)).toBe(false);
  });

  it('order 0 needs no free block on any list, only the count', () => {
    expect(ok({ free: 200 }, 0, 100, 0)).toBe(true);
  });

  it('above order 0 a block at MAX_ORDER counts', () => {
    expect(ok({ free: 2000, blocks: [[MAX_ORDER, MIGRATE_MOVABLE]] }, 1, 100, 0)).toBe(true);
    expect(ok({ free: 2000, blocks: [] }, 1, 100, 0)).toBe(false);
  });

  it('a block on the highatomic list counts only for ALLOC_HIGHATOMIC or ALLOC_OOM callers', () => {
    const f: Fake = { free: 2000, blocks: [[2, MIGRATE_HIGHATOMIC]] };
    expect(ok(f, 1, 100, 0)).toBe(false);
    expect(ok(f, 1, 100, ALLOC_MIN_RESERVE)).toBe(false);
    expect(ok(f, 1, 100, ALLOC_HIGHATOMIC)).toBe(true);
    expect(ok(f, 1, 100, ALLOC_OOM)).toBe(true);
  });
});

describe('zone_watermark_fast: the order-0 shortcut never says yes where __zone_watermark_ok says no', () => {
  const both = (f: Fake, mark: number, flags: number) => {
    const z = zoneOf(f);
    return [zone_watermark_fast(z, 0, mark, ZONE_NORMAL, flags), __zone_watermark_ok(z, 0, mark, ZONE_NORMAL, flags, f.free)];
  };

  it('subtracts the highatomic reserve for an unprivileged caller', () => {
    expect(both({ free: 150, highatomic: 50 }, 100, 0)).toEqual([false, false]);
    expect(both({ free: 151, highatomic: 50 }, 100, 0)).toEqual([true, true]);
  });

  it("adds lowmem_reserve[highest_zoneidx] to the mark", () => {
    expect(both({ free: 110, reserve: 10 }, 100, 0)).toEqual([false, false]);
    expect(both({ free: 111, reserve: 10 }, 100, 0)).toEqual([true, true]);
  });

  it('a privileged caller keeps the reserve', () => {
    expect(both({ free: 101, highatomic: 50 }, 100, ALLOC_HIGHATOMIC)).toEqual([true, true]);
  });
});

describe('__setup_per_zone_wmarks', () => {
  it("ZONE_MOVABLE's pages stay out of lowmem: Normal's min is pages_min * its managed / (DMA + Normal managed)", () => {
    const { kernel } = bootTest({ mem: 256 * MiB, cmdline: 'movablecore=64M' });
    const [dma, normal, movable] = [kernel.zones[ZONE_DMA], kernel.zones[ZONE_NORMAL], kernel.zones[ZONE_MOVABLE]];
    expect(movable.managed_pages).toBe(15360);
    const pagesMin = kernel.ref.min_free_kbytes >> 2;
    expect(normal.wmark(0)).toBe(Math.floor((pagesMin * normal.managed_pages) / (dma.managed_pages + normal.managed_pages)));
  });

  it('with watermark_scale_factor 1000 the gap is managed / 10; promo is min + 3 gaps', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0, watermarkScaleFactor: 1000 });
    const z = kernel.zones[ZONE_NORMAL];
    const gap = Math.floor((z.managed_pages * 1000) / 10000);
    expect([z.wmark(1) - z.wmark(0), z.wmark(2) - z.wmark(0), z.wmark(3) - z.wmark(0)]).toEqual([gap, 2 * gap, 3 * gap]);
  });

  it('lowmem_reserve of ZONE_MOVABLE (ratio 0) is all zeros, one per zone', () => {
    const { kernel } = bootTest({ mem: 256 * MiB, cmdline: 'movablecore=64M' });
    expect(lowmemReserve(kernel.zones.slice(0, 4), ZONE_MOVABLE)).toEqual([0, 0, 0, 0]);
  });
});
