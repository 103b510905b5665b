import type { Mem } from '../shm/mem.js';
import { FPI_NONE } from './buddy.js';
import { __GFP_DIRECT_RECLAIM, __GFP_HARDWALL, __GFP_MEMALLOC, __GFP_NOMEMALLOC, __GFP_THISNODE, __GFP_ZERO, gfpNames, gfp_migratetype, gfp_zone } from './gfp.js';
import { BAD_PAGE_REASONS, H_ALLOCSTALL, H_ALLOC_FAIL, H_BAD_PAGE, H_BAD_PAGE_PFN, H_BAD_PAGE_REASON, H_DRAIN_ALL, type Kernel } from './kernel.js';
import { type ReclaimFn, reclaimNothing, wakeup_kswapd } from './kswapd.js';
import { MAX_NR_ZONES, MAX_ORDER, MIGRATE_ISOLATE, PAGE_SIZE } from './mmzone.js';
import { PAGE_FLAGS_CHECK_AT_FREE, PG_FLAGS, PG_MAPCOUNT, PG_MAPPING, PG_PRIVATE, PG_REFCOUNT, PAGE_BUDDY_MAPCOUNT, type MemMap } from './page.js';
import {
  PerCpuPages, S_NUMA_FOREIGN, pcp_allowed_order, S_NUMA_HIT, S_NUMA_LOCAL, S_NUMA_MISS, S_NUMA_OTHER, S_PGALLOC, S_PGFREE,
} from './pcp.js';
import {
  ALLOC_CPUSET, ALLOC_HIGHATOMIC, ALLOC_KSWAPD, ALLOC_MIN_RESERVE, ALLOC_NON_BLOCK, ALLOC_NO_WATERMARKS, ALLOC_WMARK_HIGH, ALLOC_WMARK_LOW,
  ALLOC_WMARK_MIN, wmark_pages, zone_watermark_fast,
} from './watermark.js';
import type { Zone } from './zone.js';

/** Why alloc_pages returned -1 (PageAlloc.reason); 0 after a success. */
export const ALLOC_OK = 0;
export const ALLOC_EINVAL_ORDER = 1;
export const ALLOC_EINVAL_NODE = 2;
export const ALLOC_NO_ZONE = 3;
export const ALLOC_NOWAIT = 4;
export const ALLOC_OOM_NEXT = 5;
export const ALLOC_FAIL_REASONS = [
  '',
  `order above MAX_ORDER (${MAX_ORDER})`,
  'no such node',
  "no zone at or below the request's highest zone (gfp_zone) in the zonelist",
  'every zone is below its min watermark and the request may not enter direct reclaim',
  'out of memory: direct reclaim found nothing and draining the pagesets did not help (out_of_memory() would run next)',
] as const;

/** gfp_to_alloc_flags: the slow path's flags (min watermark; __GFP_HIGH and non-blocking callers dig deeper). */
export function gfp_to_alloc_flags(gfp: number, order: number): number {
  // __GFP_HIGH == ALLOC_MIN_RESERVE and __GFP_KSWAPD_RECLAIM == ALLOC_KSWAPD, as the kernel relies on.
  let flags = ALLOC_WMARK_MIN | ALLOC_CPUSET | (gfp & (ALLOC_MIN_RESERVE | ALLOC_KSWAPD));
  if (!(gfp & __GFP_DIRECT_RECLAIM)) {
    if (!(gfp & __GFP_NOMEMALLOC)) {
      flags |= ALLOC_NON_BLOCK;
      if (order > 0) flags |= ALLOC_HIGHATOMIC;
    }
    if (flags & ALLOC_MIN_RESERVE) flags &= ~ALLOC_CPUSET;
  }
  return flags;
}

/**
 * One CPU's way into the page allocator (mm/page_alloc.c, 6.6). Returns pfns, never
 * throws on the hot path: a failure is -1 with `reason` set. A CPU allocates through its
 * own pagesets, so one PageAlloc per CPU per thread.
 *
 * The frame API for other subsystems: alloc_pages, __free_pages, get_page, put_page,
 * page_address; pfns index struct pages (kernel.pages) and frames (mem.u8 at page_address).
 */
export class PageAlloc {
  readonly nid: number;
  readonly pages: MemMap;
  /** Why the last alloc_pages failed (ALLOC_FAIL_REASONS), 0 after a success. */
  reason = ALLOC_OK;
  /** bad_page() reports this CPU made (a page that failed its checks is leaked, as the kernel does). */
  badPages = 0;
  private readonly mem: Mem;
  private readonly pcps: PerCpuPages[];
  private readonly zonelists: Zone[][];
  private readonly nofallback: Zone[][];
  private allPcps: PerCpuPages[] | null = null;

  constructor(
    readonly k: Kernel,
    readonly cpu: number,
    private readonly reclaim: ReclaimFn = reclaimNothing,
  ) {
    this.mem = k.mem;
    this.pages = k.pages;
    this.nid = k.ref.cpu_to_node[cpu];
    this.pcps = k.zones.map((_, i) => k.pageset(cpu, i));
    this.zonelists = k.ref.zonelists.map((l) => l.map((i) => k.zones[i]));
    this.nofallback = this.zonelists.map((l, nid) => l.filter((z) => z.nid === nid));
  }

  /** numa_node_id(). */
  numa_node_id(): number {
    return this.nid;
  }

  /** The pageset this CPU uses for a zone. */
  pcp(zone: Zone): PerCpuPages {
    return this.pcps[zone.nid * MAX_NR_ZONES + zone.idx];
  }

  /**
   * alloc_pages_node / __alloc_pages: 2^order contiguous frames, nid -1 for this CPU's
   * node. Returns the first pfn (refcount 1, not compound) or -1 with `reason`.
   */
  alloc_pages(gfp: number, order: number, nid = -1): number {
    return this.allocate(gfp, order, nid, true);
  }

  /**
   * __alloc_pages_may_oom's last try, under oom_lock: the freelists once more against the
   * high watermark, with no reclaim and no drain. It only catches memory a parallel OOM kill
   * has just freed; under heavy pressure it must fail, and the killer runs.
   */
  alloc_pages_may_oom(gfp: number, order: number, nid = -1): number {
    return this.allocate((gfp | __GFP_HARDWALL) & ~__GFP_DIRECT_RECLAIM, order, nid, false);
  }

  private allocate(gfp: number, order: number, nid: number, mayReclaim: boolean): number {
    if (order > MAX_ORDER || order < 0) return this.fail(ALLOC_EINVAL_ORDER);
    if (nid < 0) nid = this.nid;
    if (nid >= this.zonelists.length) return this.fail(ALLOC_EINVAL_NODE);
    const highest = gfp_zone(gfp);
    const mt = gfp_migratetype(gfp, this.k.ref.mobility);
    const list = gfp & __GFP_THISNODE ? this.nofallback[nid] : this.zonelists[nid];
    let preferred: Zone | null = null;
    for (let i = 0; i < list.length; i++) {
      if (list[i].idx <= highest) {
        preferred = list[i];
        break;
      }
    }
    if (!preferred) return this.fail(ALLOC_NO_ZONE);
    let pfn = this.get_page_from_freelist(gfp, order, mayReclaim ? ALLOC_WMARK_LOW : ALLOC_WMARK_HIGH | ALLOC_CPUSET, list, highest, preferred, mt);
    if (pfn < 0 && mayReclaim) pfn = this.__alloc_pages_slowpath(gfp, order, list, highest, preferred, mt, nid);
    if (pfn >= 0) this.reason = ALLOC_OK;
    return pfn;
  }

  private fail(reason: number): number {
    this.reason = reason;
    return -1;
  }

  /** get_page_from_freelist: the first zone (of the zonelist, up to highest) above its mark that yields a block. */
  private get_page_from_freelist(gfp: number, order: number, flags: number, list: Zone[], highest: number, preferred: Zone, mt: number): number {
    for (let i = 0; i < list.length; i++) {
      const z = list[i];
      if (z.idx > highest) continue;
      if (!(flags & ALLOC_NO_WATERMARKS) && !zone_watermark_fast(z, order, wmark_pages(z, flags), highest, flags)) continue;
      const pfn = this.rmqueue(preferred, z, order, mt);
      if (pfn >= 0) {
        this.post_alloc_hook(pfn, order, gfp);
        return pfn;
      }
    }
    return -1;
  }

  /** rmqueue: pageset for orders up to PAGE_ALLOC_COSTLY_ORDER, else (or when that fails) the buddy lists. */
  private rmqueue(preferred: Zone, zone: Zone, order: number, mt: number): number {
    let pfn: number;
    do {
      pfn = pcp_allowed_order(order) ? this.pcp(zone).rmqueue_pcplist(order, mt) : -1;
      if (pfn < 0) pfn = this.k.buddy.rmqueue_buddy(zone, order, mt, this.cpu);
      if (pfn < 0) return -1;
    } while (this.check_new_pages(pfn, order));
    this.zone_statistics(preferred, zone);
    this.pcp(zone).inc(S_PGALLOC, 1 << order);
    return pfn;
  }

  /** zone_statistics: NUMA hit/miss on the zone used, foreign on the preferred one, local/other by this CPU's node. */
  private zone_statistics(preferred: Zone, z: Zone): void {
    const pcp = this.pcp(z);
    if (z.nid === preferred.nid) pcp.inc(S_NUMA_HIT);
    else {
      pcp.inc(S_NUMA_MISS);
      this.pcp(preferred).inc(S_NUMA_FOREIGN);
    }
    pcp.inc(z.nid === this.nid ? S_NUMA_LOCAL : S_NUMA_OTHER);
  }

  /**
   * The reason a page is not fit to hand out or to free (page_bad_reason), 0 when fine.
   * Plain reads, as the kernel's: the page was just taken off a list under its lock, or
   * its last reference just dropped (an atomic), so it is this CPU's alone; a page that
   * is not (the broken variants) shows up here all the same, as a bad state.
   */
  private bad_reason(pfn: number, checkFlags: number): number {
    const mem = this.mem;
    const w = this.pages.field(pfn, 0);
    const mapcount = mem.read(w + PG_MAPCOUNT);
    if (mapcount === PAGE_BUDDY_MAPCOUNT) return 5;
    if (mapcount !== -1) return 2;
    if (mem.read(w + PG_MAPPING) !== 0) return 3;
    if (mem.read(w + PG_REFCOUNT) !== 0) return 1;
    // Stryker disable next-line ArithmeticOperator: PG_FLAGS is 0, w - 0 is w
    if (mem.read(w + PG_FLAGS) & checkFlags) return 4;
    return 0;
  }

  /** bad_page: report and leak the page, as the kernel does ("BUG: Bad page state"). */
  private bad_page(pfn: number, reason: number): void {
    const h = this.k.ref.header;
    // Stryker disable next-line ArithmeticOperator: H_BAD_PAGE is 0, h - 0 is h
    this.mem.add(h + H_BAD_PAGE, 1);
    this.mem.store(h + H_BAD_PAGE_PFN, pfn);
    this.mem.store(h + H_BAD_PAGE_REASON, reason);
    this.badPages++;
  }

  /** check_new_pages (on, as with CONFIG_DEBUG_VM): true when a page of the block is bad. */
  private check_new_pages(pfn: number, order: number): boolean {
    for (let i = 0; i < 1 << order; i++) {
      const r = this.bad_reason(pfn + i, PAGE_FLAGS_CHECK_AT_FREE);
      if (r) {
        this.bad_page(pfn + i, r);
        return true;
      }
    }
    return false;
  }

  /** post_alloc_hook: private 0, the head's refcount 1, zeroed on __GFP_ZERO. */
  private post_alloc_hook(pfn: number, order: number, gfp: number): void {
    // set_page_private and set_page_refcounted are plain stores: the block is ours alone.
    this.mem.write(this.pages.field(pfn, PG_PRIVATE), 0);
    this.mem.write(this.pages.field(pfn, PG_REFCOUNT), 1);
    if (gfp & __GFP_ZERO) {
      const at = this.pages.page_address(pfn);
      this.mem.u8.fill(0, at, at + (PAGE_SIZE << order));
    }
  }

  /**
   * __alloc_pages_slowpath: wake kswapd, retry at the min watermark (deeper for
   * __GFP_HIGH and non-blocking callers), no watermarks for __GFP_MEMALLOC; then direct
   * reclaim (through `reclaim`) and drain_all_pages, once. The OOM killer is part 3.
   */
  private __alloc_pages_slowpath(gfp: number, order: number, list: Zone[], highest: number, preferred: Zone, mt: number, nid: number): number {
    const flags = gfp_to_alloc_flags(gfp, order);
    if (flags & ALLOC_KSWAPD) this.wake_all_kswapds(order, list, highest);
    let pfn = this.get_page_from_freelist(gfp, order, flags, list, highest, preferred, mt);
    if (pfn >= 0) return pfn;
    if (gfp & __GFP_MEMALLOC && !(gfp & __GFP_NOMEMALLOC)) {
      pfn = this.get_page_from_freelist(gfp, order, ALLOC_NO_WATERMARKS | (flags & ALLOC_KSWAPD), list, highest, preferred, mt);
      if (pfn >= 0) return pfn;
    }
    const h = this.k.ref.header;
    if (!(gfp & __GFP_DIRECT_RECLAIM)) {
      this.mem.add(h + H_ALLOC_FAIL, 1);
      return this.fail(ALLOC_NOWAIT);
    }
    this.mem.add(h + H_ALLOCSTALL, 1);
    this.reclaim(nid, 1 << order);
    this.drain_all_pages();
    pfn = this.get_page_from_freelist(gfp, order, flags, list, highest, preferred, mt);
    if (pfn >= 0) return pfn;
    this.mem.add(h + H_ALLOC_FAIL, 1);
    return this.fail(ALLOC_OOM_NEXT);
  }

  /** wake_all_kswapds: each node of the zonelist once. */
  private wake_all_kswapds(order: number, list: Zone[], highest: number): void {
    let last = -1;
    for (let i = 0; i < list.length; i++) {
      const z = list[i];
      if (z.idx > highest || z.nid === last) continue;
      last = z.nid;
      wakeup_kswapd(this.k, z, order, highest);
    }
  }

  /** warn_alloc's first line for the last failure. */
  warn_alloc(gfp: number, order: number): string {
    return `page allocation failure: order:${order}, mode:0x${gfp.toString(16)}(${gfpNames(gfp)}), nodemask=(null): ${ALLOC_FAIL_REASONS[this.reason]}`;
  }

  /** get_page. */
  get_page(pfn: number): void {
    this.mem.add(this.pages.field(pfn, PG_REFCOUNT), 1);
  }

  /**
   * put_page_testzero: drop a reference; the references left (0: it was the last). A page
   * with none to drop is a bad page (VM_BUG_ON_PAGE with CONFIG_DEBUG_VM): reported, and
   * -1, so that the caller frees nothing of it.
   */
  private put_page_testzero(pfn: number): number {
    const w = this.pages.field(pfn, PG_REFCOUNT);
    if (this.mem.load(w) <= 0) {
      this.bad_page(pfn, this.pages.PageBuddy(pfn) ? 5 : 1);
      return -1;
    }
    return this.mem.sub(w, 1) - 1;
  }

  /** put_page: free at zero. A non-compound page is freed as order 0, as the kernel's folio_put does. */
  put_page(pfn: number): void {
    if (this.put_page_testzero(pfn) === 0) this.free_the_page(pfn, 0);
  }

  /**
   * __free_pages: drop the caller's reference and free the block at zero; if another
   * reference remains on a non-compound block, the tail halves are freed now and the
   * first page when that reference goes (the kernel's own rule).
   */
  __free_pages(pfn: number, order: number): void {
    const left = this.put_page_testzero(pfn);
    if (left === 0) this.free_the_page(pfn, order);
    else if (left > 0) while (order-- > 0) this.free_the_page(pfn + (1 << order), order);
  }

  private free_the_page(pfn: number, order: number): void {
    if (!this.free_pages_prepare(pfn, order)) return;
    const mt = this.pages.get_pageblock_migratetype(pfn);
    const zone = this.k.page_zone(pfn);
    this.pcp(zone).inc(S_PGFREE, 1 << order);
    if (pcp_allowed_order(order) && mt !== MIGRATE_ISOLATE) {
      // free_unref_page: the pageset, unless its lock is busy (then straight to the buddy).
      this.pages.set_pcppage_migratetype(pfn, mt);
      if (this.pcp(zone).free_unref_page(pfn, mt, order)) return;
    }
    this.k.buddy.free_one_page(zone, pfn, order, mt, FPI_NONE, this.cpu);
  }

  /** free_pages_prepare: every page of the block must be clean; a bad one is reported and the block leaked. */
  private free_pages_prepare(pfn: number, order: number): boolean {
    let bad = false;
    for (let i = 0; i < 1 << order; i++) {
      const r = this.bad_reason(pfn + i, PAGE_FLAGS_CHECK_AT_FREE);
      if (r) {
        this.bad_page(pfn + i, r);
        bad = true;
      }
    }
    if (bad) return false;
    this.mem.store(this.pages.field(pfn, PG_PRIVATE), 0);
    return true;
  }

  /** drain_local_pages: this CPU's pagesets back to the buddy lists. */
  drain_local_pages(): number {
    let n = 0;
    for (const p of this.pcps) n += p.drain(this.cpu);
    return n;
  }

  /** drain_all_pages: every CPU's pagesets, drained from this CPU under each pageset's lock. */
  drain_all_pages(): number {
    this.allPcps ??= Array.from({ length: this.k.ref.nr_cpus * this.k.zones.length }, (_, i) => this.k.pageset(Math.floor(i / this.k.zones.length), i % this.k.zones.length));
    this.mem.add(this.k.ref.header + H_DRAIN_ALL, 1);
    let n = 0;
    for (const p of this.allPcps) n += p.drain(this.cpu);
    return n;
  }

  /** page_address: the byte offset of the frame's contents in the image (mem.u8). */
  page_address(pfn: number): number {
    return this.pages.page_address(pfn);
  }

  /** The last bad_page() report, for messages. */
  static badPageReason(k: Kernel): string {
    // Stryker disable next-line StringLiteral: the reason word holds 0 to 5, an index of BAD_PAGE_REASONS
    return BAD_PAGE_REASONS[k.mem.load(k.ref.header + H_BAD_PAGE_REASON)] ?? '';
  }

  static badPagePfn(k: Kernel): number {
    return k.mem.load(k.ref.header + H_BAD_PAGE_PFN);
  }
}
