import { describe, expect, it } from 'vitest';
import {
  GFP_ATOMIC, GFP_DMA, GFP_DMA32, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOFS, GFP_NOIO, GFP_NOWAIT, GFP_USER, __GFP_COMP,
  __GFP_DIRECT_RECLAIM, __GFP_FS, __GFP_HARDWALL, __GFP_HIGH, __GFP_HIGHMEM, __GFP_IO, __GFP_KSWAPD_RECLAIM, __GFP_MEMALLOC, __GFP_MOVABLE,
  __GFP_NOMEMALLOC, __GFP_NOWARN, __GFP_RECLAIMABLE, __GFP_THISNODE, __GFP_ZERO, gfpNames, gfp_migratetype, gfp_zone,
} from '../src/kernel/gfp.js';
import { MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE, ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from '../src/kernel/mmzone.js';

/**
 * gfp_t as include/linux/gfp_types.h (6.6) defines it, include/linux/gfp.h's gfp_zone and
 * gfp_migratetype, and %pGg as lib/vsprintf.c prints it from mmflags.h's names.
 */
describe('gfp masks (include/linux/gfp_types.h, 6.6)', () => {
  it('have the kernel\'s values', () => {
    expect([GFP_KERNEL, GFP_USER, GFP_HIGHUSER, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC, GFP_NOWAIT, GFP_NOIO, GFP_NOFS]).toEqual([0xcc0, 0x100cc0, 0x100cc2, 0x100cca, 0x820, 0x800, 0xc00, 0xc40]);
  });

  it('gfp_zone: DMA, then DMA32, MOVABLE only with HIGHMEM too, else NORMAL', () => {
    expect(gfp_zone(GFP_DMA | GFP_DMA32)).toBe(ZONE_DMA);
    expect(gfp_zone(GFP_KERNEL | GFP_DMA32)).toBe(ZONE_DMA32);
    expect(gfp_zone(GFP_HIGHUSER_MOVABLE)).toBe(ZONE_MOVABLE);
    expect(gfp_zone(GFP_KERNEL | __GFP_MOVABLE)).toBe(ZONE_NORMAL);
    expect(gfp_zone(GFP_HIGHUSER)).toBe(ZONE_NORMAL);
  });

  it('gfp_migratetype: the two mobility bits, UNMOVABLE when page_group_by_mobility_disabled', () => {
    expect([GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE].map((g) => gfp_migratetype(g, true))).toEqual([MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE]);
    expect(gfp_migratetype(GFP_HIGHUSER_MOVABLE, false)).toBe(MIGRATE_UNMOVABLE);
  });
});

describe('%pGg (lib/vsprintf.c format_flags, include/trace/events/mmflags.h)', () => {
  it('names each composite mask wholly present, most bits first, so GFP_HIGHUSER_MOVABLE is not GFP_USER|__GFP_HIGHMEM|__GFP_MOVABLE', () => {
    const cases: Array<[number, string]> = [
      [GFP_HIGHUSER_MOVABLE, 'GFP_HIGHUSER_MOVABLE'], [GFP_HIGHUSER, 'GFP_HIGHUSER'], [GFP_USER, 'GFP_USER'], [GFP_KERNEL, 'GFP_KERNEL'],
      [GFP_NOFS, 'GFP_NOFS'], [GFP_ATOMIC, 'GFP_ATOMIC'], [GFP_NOIO, 'GFP_NOIO'], [GFP_NOWAIT, 'GFP_NOWAIT'], [GFP_DMA, 'GFP_DMA'], [GFP_DMA32, 'GFP_DMA32'],
      [(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_KSWAPD_RECLAIM, 'GFP_TRANSHUGE'],
      [(GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~(__GFP_KSWAPD_RECLAIM | __GFP_DIRECT_RECLAIM), 'GFP_TRANSHUGE_LIGHT'],
      [GFP_KERNEL | __GFP_ZERO | __GFP_COMP, 'GFP_KERNEL|__GFP_COMP|__GFP_ZERO'],
      [GFP_KERNEL | __GFP_THISNODE | __GFP_RECLAIMABLE, 'GFP_KERNEL|__GFP_THISNODE|__GFP_RECLAIMABLE'],
      [GFP_ATOMIC | __GFP_NOWARN | __GFP_MEMALLOC, 'GFP_ATOMIC|__GFP_NOWARN|__GFP_MEMALLOC'],
      [GFP_NOWAIT | __GFP_HIGHMEM | __GFP_MOVABLE, 'GFP_NOWAIT|__GFP_HIGHMEM|__GFP_MOVABLE'],
      [__GFP_HIGH | __GFP_IO, '__GFP_HIGH|__GFP_IO'], [__GFP_FS | __GFP_HARDWALL, '__GFP_FS|__GFP_HARDWALL'],
      [__GFP_DIRECT_RECLAIM, '__GFP_DIRECT_RECLAIM'], [__GFP_IO | __GFP_DIRECT_RECLAIM, '__GFP_IO|__GFP_DIRECT_RECLAIM'],
    ];
    for (const [gfp, names] of cases) expect(gfpNames(gfp), `0x${gfp.toString(16)}`).toBe(names);
  });

  it('prints what no name covers as hex after the names, and nothing at all for 0', () => {
    expect(gfpNames(GFP_KERNEL | 0x1000)).toBe('GFP_KERNEL|0x1000');
    expect(gfpNames(0x200 | 0x400000)).toBe('0x400200');
    expect(gfpNames(0)).toBe('');
  });
});
