import { MIGRATE_UNMOVABLE, ZONE_DMA, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL } from './mmzone.js';

/** gfp_t bits of include/linux/gfp_types.h (6.6). */
export const __GFP_DMA = 0x01;
export const __GFP_HIGHMEM = 0x02;
export const __GFP_DMA32 = 0x04;
export const __GFP_MOVABLE = 0x08;
export const __GFP_RECLAIMABLE = 0x10;
export const __GFP_HIGH = 0x20;
export const __GFP_IO = 0x40;
export const __GFP_FS = 0x80;
export const __GFP_ZERO = 0x100;
export const __GFP_DIRECT_RECLAIM = 0x400;
export const __GFP_KSWAPD_RECLAIM = 0x800;
export const __GFP_NOWARN = 0x2000;
export const __GFP_MEMALLOC = 0x20000;
export const __GFP_COMP = 0x40000;
export const __GFP_NOMEMALLOC = 0x80000;
export const __GFP_HARDWALL = 0x100000;
export const __GFP_THISNODE = 0x200000;
export const __GFP_RECLAIM = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;

export const GFP_ATOMIC = __GFP_HIGH | __GFP_KSWAPD_RECLAIM;
export const GFP_KERNEL = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
export const GFP_NOWAIT = __GFP_KSWAPD_RECLAIM;
export const GFP_USER = GFP_KERNEL | __GFP_HARDWALL;
export const GFP_HIGHUSER = GFP_USER | __GFP_HIGHMEM;
export const GFP_HIGHUSER_MOVABLE = GFP_HIGHUSER | __GFP_MOVABLE;
export const GFP_DMA = __GFP_DMA;
export const GFP_DMA32 = __GFP_DMA32;

const GFP_MOVABLE_MASK = __GFP_RECLAIMABLE | __GFP_MOVABLE;
const GFP_MOVABLE_SHIFT = 3;

/** gfp_migratetype: MOVABLE or RECLAIMABLE from the gfp bits; UNMOVABLE when grouping is off. */
export function gfp_migratetype(gfp: number, mobility: boolean): number {
  if (!mobility) return MIGRATE_UNMOVABLE;
  return (gfp & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT;
}

/** gfp_zone: the highest zone a request may use. */
export function gfp_zone(gfp: number): number {
  if (gfp & __GFP_DMA) return ZONE_DMA;
  if (gfp & __GFP_DMA32) return ZONE_DMA32;
  if ((gfp & (__GFP_HIGHMEM | __GFP_MOVABLE)) === (__GFP_HIGHMEM | __GFP_MOVABLE)) return ZONE_MOVABLE;
  return ZONE_NORMAL;
}

export const GFP_NOIO = __GFP_RECLAIM;
export const GFP_NOFS = __GFP_RECLAIM | __GFP_IO;
const GFP_TRANSHUGE_LIGHT = (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
const GFP_TRANSHUGE = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

/**
 * include/trace/events/mmflags.h's __def_gfpflag_names (6.6), less the bits the model does not
 * have: composite masks first (most bits set first), then single bits. Order matters: a
 * mask is taken whole, then its bits are gone for the masks after it.
 */
const GFPFLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [GFP_TRANSHUGE, 'GFP_TRANSHUGE'], [GFP_TRANSHUGE_LIGHT, 'GFP_TRANSHUGE_LIGHT'], [GFP_HIGHUSER_MOVABLE, 'GFP_HIGHUSER_MOVABLE'],
  [GFP_HIGHUSER, 'GFP_HIGHUSER'], [GFP_USER, 'GFP_USER'], [GFP_KERNEL, 'GFP_KERNEL'], [GFP_NOFS, 'GFP_NOFS'], [GFP_ATOMIC, 'GFP_ATOMIC'],
  [GFP_NOIO, 'GFP_NOIO'], [GFP_NOWAIT, 'GFP_NOWAIT'], [GFP_DMA, 'GFP_DMA'], [__GFP_HIGHMEM, '__GFP_HIGHMEM'], [GFP_DMA32, 'GFP_DMA32'],
  [__GFP_HIGH, '__GFP_HIGH'], [__GFP_IO, '__GFP_IO'], [__GFP_FS, '__GFP_FS'], [__GFP_NOWARN, '__GFP_NOWARN'], [__GFP_COMP, '__GFP_COMP'],
  [__GFP_ZERO, '__GFP_ZERO'], [__GFP_NOMEMALLOC, '__GFP_NOMEMALLOC'], [__GFP_MEMALLOC, '__GFP_MEMALLOC'], [__GFP_HARDWALL, '__GFP_HARDWALL'],
  [__GFP_THISNODE, '__GFP_THISNODE'], [__GFP_RECLAIMABLE, '__GFP_RECLAIMABLE'], [__GFP_MOVABLE, '__GFP_MOVABLE'], [__GFP_RECLAIM, '__GFP_RECLAIM'],
  [__GFP_DIRECT_RECLAIM, '__GFP_DIRECT_RECLAIM'], [__GFP_KSWAPD_RECLAIM, '__GFP_KSWAPD_RECLAIM'],
];

/**
 * %pGg (lib/vsprintf.c format_flags over GFPFLAG_NAMES): each mask wholly present by name,
 * joined by '|', then what no name covers in hex; nothing for 0 (the header then reads
 * `gfp_mask=0x0()`).
 */
export function gfpNames(gfp: number): string {
  const parts: string[] = [];
  let rest = gfp;
  for (const [mask, name] of GFPFLAG_NAMES) {
    if ((rest & mask) !== mask) continue;
    parts.push(name);
    rest &= ~mask;
  }
  if (rest) parts.push(`0x${rest.toString(16)}`);
  return parts.join('|');
}
