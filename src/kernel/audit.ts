import type { Violation } from '../core/violation.js';
import { Buddy } from './buddy.js';
import { H_BAD_PAGE, type Kernel } from './kernel.js';
import { MAX_ORDER, MIGRATE_PCPTYPES, MIGRATE_TYPES, NR_PAGE_ORDERS, pageblock_order } from './mmzone.js';
import { PG_reserved } from './page.js';
import { PageAlloc } from './page_alloc.js';
import { NR_PCP_LISTS, pindex_to_order } from './pcp.js';

/** Where each frame was found: in a free block, on a pageset list, or neither (allocated or reserved). */
export const F_NONE = 0;
export const F_BUDDY = 1;
export const F_PCP = 2;

export interface KernelAudit {
  violations: Violation[];
  /** Per pfn from memmap.start_pfn: F_NONE, F_BUDDY or F_PCP. */
  where: Uint8Array;
}

const hex = (pfn: number) => `pfn 0x${pfn.toString(16)}`;

/**
 * The invariants of SPEC part 2 on a quiescent image: every free block a PageBuddy head
 * of its order, aligned, in its zone, on one list only, with refcount 0; nr_free equal to
 * the list lengths; NR_FREE_PAGES equal to the pages in free blocks (pcp pages excluded);
 * no free block beside a free buddy of the same order (merging settled); pageset counts
 * equal to their lists; no frame in two places. Bounded walks: a corrupted list may cycle.
 */
export function auditKernel(k: Kernel, maxReport = 20): KernelAudit {
  const p = k.pages;
  const v: Violation[] = [];
  const where = new Uint8Array(p.end_pfn - p.start_pfn);
  const limit = p.end_pfn - p.start_pfn;
  const report = (message: string, pfn: number) => v.length < maxReport && v.push({ message, where: hex(pfn) });
  const claim = (pfn: number, n: number, as: number, what: string) => {
    for (let q = pfn; q < pfn + n; q++) {
      if (!p.pfn_valid(q)) return report(`${what}: outside the memmap`, q);
      if (where[q - p.start_pfn] !== F_NONE) return report(`${what}: frame already ${where[q - p.start_pfn] === F_BUDDY ? 'in a free block' : 'on a pageset list'} (in two places)`, q);
      where[q - p.start_pfn] = as;
    }
  };
  for (const z of k.zones) {
    let freePages = 0;
    for (let order = 0; order < NR_PAGE_ORDERS; order++) {
      let n = 0;
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        const ok = z.list.walk(z.freeList(order, mt), limit, (pfn) => {
          n++;
          const what = `${z.name} node ${z.nid} free_area[${order}] ${mt}`;
          if (!p.pfn_valid(pfn)) return void report(`${what}: link to a frame outside the memmap`, pfn);
          if (!p.PageBuddy(pfn)) report(`${what}: not PageBuddy (_mapcount ${p.page_mapcount(pfn)})`, pfn);
          else if (p.buddy_order(pfn) !== order) report(`${what}: buddy order ${p.buddy_order(pfn)} on the order-${order} list`, pfn);
          if (pfn & ((1 << order) - 1)) report(`${what}: not aligned to its order`, pfn);
          if (!z.zone_spans_pfn(pfn)) report(`${what}: outside its zone`, pfn);
          if (p.page_count(pfn) !== 0) report(`${what}: free with _refcount ${p.page_count(pfn)}`, pfn);
          claim(pfn, 1 << order, F_BUDDY, what);
          freePages += 1 << order;
        });
        if (!ok) report(`${z.name} node ${z.nid} free_area[${order}] ${mt}: the list does not end (a cycle)`, z.list.first(z.freeList(order, mt)));
      }
      if (n !== z.nr_free(order)) v.push({ message: `${z.name} node ${z.nid} free_area[${order}].nr_free is ${z.nr_free(order)} but its lists hold ${n}` });
    }
    if (freePages !== z.nr_free_pages()) v.push({ message: `${z.name} node ${z.nid} NR_FREE_PAGES is ${z.nr_free_pages()} but the free lists hold ${freePages} pages` });
  }
  // Merging settled: no free head whose buddy is a free head of the same order that may merge.
  for (const z of k.zones) {
    for (let order = 0; order < MAX_ORDER; order++) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        z.list.walk(z.freeList(order, mt), limit, (pfn) => {
          if (!p.pfn_valid(pfn)) return;
          const b = Buddy.buddy_pfn(pfn, order);
          if (!k.buddy.page_is_buddy(pfn, b, order)) return;
          if (order >= pageblock_order && (p.get_pageblock_migratetype(pfn) >= MIGRATE_PCPTYPES || p.get_pageblock_migratetype(b) >= MIGRATE_PCPTYPES)) return;
          if (pfn < b) report(`free order-${order} block beside its free buddy ${hex(b)}: not merged`, pfn);
        });
      }
    }
  }
  for (let cpu = 0; cpu < k.ref.nr_cpus; cpu++) {
    k.zones.forEach((z, i) => {
      const pcp = k.pageset(cpu, i);
      let count = 0;
      for (let li = 0; li < NR_PCP_LISTS; li++) {
        const order = pindex_to_order(li);
        const ok = pcp.list.walk(pcp.listHead(li), limit, (pfn) => {
          const what = `cpu ${cpu} pageset of ${z.name} node ${z.nid} list ${li}`;
          count += 1 << order;
          if (!p.pfn_valid(pfn)) return void report(`${what}: link to a frame outside the memmap`, pfn);
          if (p.PageBuddy(pfn)) report(`${what}: PageBuddy page on a pageset list`, pfn);
          if (!z.zone_spans_pfn(pfn)) report(`${what}: outside its zone`, pfn);
          claim(pfn, 1 << order, F_PCP, what);
        });
        if (!ok) report(`cpu ${cpu} pageset of ${z.name} list ${li}: the list does not end (a cycle)`, pcp.list.first(pcp.listHead(li)));
      }
      if (count !== pcp.count) v.push({ message: `cpu ${cpu} pageset of ${z.name} node ${z.nid}: count ${pcp.count} but its lists hold ${count} pages` });
    });
  }
  return { violations: v, where };
}

/** Frames in a zone that are neither reserved nor free: what the allocator has handed out. */
export function allocatedPages(k: Kernel, a: KernelAudit): number {
  let n = 0;
  for (const z of k.zones) {
    for (let pfn = z.zone_start_pfn; pfn < z.zone_end_pfn(); pfn++) {
      if (a.where[pfn - k.pages.start_pfn] === F_NONE && !k.pages.test(pfn, PG_reserved)) n++;
    }
  }
  return n;
}

/** bad_page() reports as a violation (a page freed while mapped, or twice): for subsystems that free through the allocator. */
export function badPageViolations(k: Kernel): Violation[] {
  const bad = k.mem.load(k.ref.header + H_BAD_PAGE);
  return bad ? [{ message: `${bad} bad_page report(s), the last: ${PageAlloc.badPageReason(k)}`, where: hex(PageAlloc.badPagePfn(k)) }] : [];
}
