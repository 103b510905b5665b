/**
 * include/linux/mmzone.h of Linux 6.6, the version this model pins: orders, migrate
 * types, zone types, and the word layout of pg_data_t and struct zone in the image.
 *
 * 6.6 redefined MAX_ORDER as the largest order (inclusive, 10); before 6.4 it was the
 * number of orders (11), which is what older texts (seed 003) show.
 */
export const MAX_ORDER = 10;
export const NR_PAGE_ORDERS = MAX_ORDER + 1;
export const MAX_ORDER_NR_PAGES = 1 << MAX_ORDER;
export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
export const PAGE_ALLOC_COSTLY_ORDER = 3;
export const pageblock_order = 9;
export const pageblock_nr_pages = 1 << pageblock_order;

/** enum migratetype (CONFIG_CMA off, CONFIG_MEMORY_ISOLATION on). */
export const MIGRATE_UNMOVABLE = 0;
export const MIGRATE_MOVABLE = 1;
export const MIGRATE_RECLAIMABLE = 2;
export const MIGRATE_PCPTYPES = 3;
export const MIGRATE_HIGHATOMIC = MIGRATE_PCPTYPES;
export const MIGRATE_ISOLATE = 4;
export const MIGRATE_TYPES = 5;
/** migratetype_names[], as /proc/pagetypeinfo prints them. */
export const MIGRATETYPE_NAMES = ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'Isolate'] as const;

/** fallbacks[][]: where each pcp type steals from, in order. */
export const FALLBACKS: readonly (readonly number[])[] = [
  [MIGRATE_RECLAIMABLE, MIGRATE_MOVABLE],
  [MIGRATE_RECLAIMABLE, MIGRATE_UNMOVABLE],
  [MIGRATE_UNMOVABLE, MIGRATE_MOVABLE],
];

/** enum zone_type of an x86_64 build (CONFIG_HIGHMEM and ZONE_DEVICE off). */
export const ZONE_DMA = 0;
export const ZONE_DMA32 = 1;
export const ZONE_NORMAL = 2;
export const ZONE_MOVABLE = 3;
export const MAX_NR_ZONES = 4;
/** zone_names[], as /proc prints them. */
export const ZONE_NAMES = ['DMA', 'DMA32', 'Normal', 'Movable'] as const;
/** sysctl_lowmem_reserve_ratio defaults. */
export const LOWMEM_RESERVE_RATIO = [256, 256, 32, 0] as const;

/** enum zone_watermarks. */
export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;

/** An empty list head or link. */
export const NIL = -1;

/**
 * struct zone, in words from its base. The lock has a line of its own; NR_FREE_PAGES
 * (read by every CPU's watermark check) another; then the read-mostly fields; then
 * free_area: nr_free per order and a {head, tail} list per order and migrate type.
 */
export const Z_LOCK = 0;
export const Z_NR_FREE_PAGES = 16;
export const Z_NID = 32;
export const Z_IDX = 33;
export const Z_START_PFN = 34;
export const Z_SPANNED = 35;
export const Z_PRESENT = 36;
export const Z_MANAGED = 37;
export const Z_WATERMARK = 38; // 4 words: min, low, high, promo
export const Z_LOWMEM_RESERVE = 42; // MAX_NR_ZONES words
export const Z_NR_RESERVED_HIGHATOMIC = 46;
export const Z_NR_FREE = 48; // NR_PAGE_ORDERS words
export const Z_FREE_LIST = 64; // NR_PAGE_ORDERS * MIGRATE_TYPES * 2 words
export const ZONE_WORDS = Z_FREE_LIST + NR_PAGE_ORDERS * MIGRATE_TYPES * 2;

/** Word of the {head, tail} pair of free_area[order].free_list[mt] in a zone. */
export function freeListWord(zone: number, order: number, mt: number): number {
  return zone + Z_FREE_LIST + (order * MIGRATE_TYPES + mt) * 2;
}

/**
 * pg_data_t, in words from its base. kswapd's wait word sits on its own line: allocating
 * CPUs store and notify it, kswapd sleeps on it.
 */
export const N_NODE_ID = 0;
export const N_START_PFN = 1;
export const N_PRESENT = 2;
export const N_SPANNED = 3;
export const N_TOTALRESERVE = 4;
export const N_KSWAPD_WAIT = 16;
export const N_KSWAPD_ORDER = 17;
export const N_KSWAPD_HIGHEST_ZONEIDX = 18;
export const N_KSWAPD_WAKEUPS = 19;
export const N_KSWAPD_RUNS = 20;
export const N_KSWAPD_FAILURES = 21;
export const NODE_WORDS = 32;

/** What a zone is, as plain data (the zone's words hold the live state). */
export interface ZoneRef {
  base: number;
  nid: number;
  idx: number;
  name: string;
}
