import { Kernel, type KernelRef } from '../../kernel/kernel.js';
import { MIGRATETYPE_NAMES, MIGRATE_TYPES, NR_PAGE_ORDERS } from '../../kernel/mmzone.js';
import type { Mem } from '../../shm/mem.js';

/** How many pfns of a free list a frame names; the rest are only counted. */
const SHOWN = 4;
/** Past this many entries a list is called long (a list with a cycle never ends). */
const COUNTED = 4096;

/** One free list of free_area[order]: its migrate type, length (-1: past COUNTED) and first pfns. */
export type FreeList = [mt: string, len: number, first: number[]];

export interface BuddyZone {
  name: string;
  /** NR_FREE_PAGES. */
  free: number;
  /** free_area[order]: nr_free and the non-empty lists, per order. */
  orders: Array<{ n: number; lists: FreeList[] }>;
  /** Each CPU's pageset count for this zone (empty when pagesets are off). */
  pcp: number[];
}

export interface BuddyFrame {
  kind: 'buddy';
  zones: BuddyZone[];
}

/** A scenario state with a kernel in the image (page-alloc-stress, mempool-numa, the oom scenarios). */
export const hasKernel = (state: unknown): state is { kernel: KernelRef } =>
  typeof state === 'object' && state !== null && 'kernel' in state && typeof (state as { kernel: unknown }).kernel === 'object';

/** The image regions a buddy frame reads: struct pages, the zones, the pagesets (not the frames' contents). */
export const BUDDY_REGIONS = (name: string): boolean => name === 'kernel.memmap' || name === 'kernel.pagesets' || /^kernel\.node\d+\.\w+$/.test(name);

/**
 * The buddy allocator as /proc/buddyinfo and pagetypeinfo would show it, read through the
 * kernel's own views: per populated zone, NR_FREE_PAGES, each order's nr_free and free lists
 * (the first pfns of each), and the per-CPU pageset counts.
 */
export function buddyView(ref: KernelRef): (mem: Mem) => () => BuddyFrame {
  return (mem) => {
    const k = new Kernel(mem, ref);
    const zones = k.zones.map((z, zi) => ({ z, zi })).filter(({ z }) => z.populated());
    return () => ({
      kind: 'buddy',
      zones: zones.map(({ z, zi }) => ({
        name: `node${z.nid} ${z.name}`,
        free: z.nr_free_pages(),
        orders: Array.from({ length: NR_PAGE_ORDERS }, (_, o) => ({ n: z.nr_free(o), lists: freeLists(z.list, (mt) => z.freeList(o, mt)) })),
        pcp: ref.pcpEnabled ? Array.from({ length: ref.nr_cpus }, (_, cpu) => k.pageset(cpu, zi).count) : [],
      })),
    });
  };
}

function freeLists(list: Kernel['zones'][number]['list'], head: (mt: number) => number): FreeList[] {
  const out: FreeList[] = [];
  for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
    const first: number[] = [];
    let len = 0;
    const ended = list.walk(head(mt), COUNTED, (pfn) => {
      if (len++ < SHOWN) first.push(pfn);
    });
    if (len) out.push([MIGRATETYPE_NAMES[mt], ended ? len : -1, first]);
  }
  return out;
}
