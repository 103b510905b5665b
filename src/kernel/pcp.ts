import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';
import { FPI_NONE, type Buddy } from './buddy.js';
import { PageList } from './list.js';
import { MIGRATE_MOVABLE, MIGRATE_PCPTYPES, PAGE_ALLOC_COSTLY_ORDER, PAGE_SIZE } from './mmzone.js';
import type { Zone } from './zone.js';

/**
 * Per-CPU pagesets (struct per_cpu_pages, 6.6): each CPU has one per zone of the system,
 * with a list per (order <= PAGE_ALLOC_COSTLY_ORDER, pcp migrate type) (THP's list is not
 * modelled). Since 6.0 a pageset has its own spinlock: its CPU takes it with a trylock
 * (failing over to the buddy lists), and a remote drain takes it outright. Pages on
 * pcp lists are not counted in NR_FREE_PAGES.
 *
 * Words (48 per pageset, cache-line aligned): the lock and fields on line 0, the list
 * heads after them, the per-CPU zone statistics on line 2.
 */
export const NR_PCP_LISTS = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);
export const P_LOCK = 0;
export const P_COUNT = 1;
export const P_HIGH = 2;
export const P_BATCH = 3;
export const P_FREE_FACTOR = 4;
export const P_LISTS = 8;
/** per_cpu_zonestat's NUMA events, then vm events and the model's pcp counters. */
export const S_NUMA_HIT = 32;
export const S_NUMA_MISS = 33;
export const S_NUMA_FOREIGN = 34;
export const S_NUMA_INTERLEAVE_HIT = 35;
export const S_NUMA_LOCAL = 36;
export const S_NUMA_OTHER = 37;
export const S_PGALLOC = 38;
export const S_PGFREE = 39;
export const S_PCP_HIT = 40;
export const S_PCP_REFILL = 41;
export const S_PCP_FREE_BULK = 42;
export const S_PCP_DRAIN = 43;
export const S_PCP_TRYLOCK_FAIL = 44;
export const PCP_WORDS = 48;
/** Names of the statistics words, PCP_STAT_NAMES[i] at S_NUMA_HIT + i. */
export const PCP_STAT_NAMES = [
  'numa_hit', 'numa_miss', 'numa_foreign', 'numa_interleave', 'numa_local', 'numa_other', 'pgalloc', 'pgfree',
  'pcp_hit', 'pcp_refill', 'pcp_free_bulk', 'pcp_drain', 'pcp_trylock_fail',
] as const;

export function order_to_pindex(mt: number, order: number): number {
  return MIGRATE_PCPTYPES * order + mt;
}

export function pindex_to_order(pindex: number): number {
  return (pindex / MIGRATE_PCPTYPES) | 0;
}

export function pcp_allowed_order(order: number): boolean {
  return order <= PAGE_ALLOC_COSTLY_ORDER;
}

function rounddown_pow_of_two(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

/**
 * zone_batchsize: ~0.1% of the zone or 1 MiB, whichever is smaller, quartered, then
 * rounddown_pow_of_two(b + b/2) - 1 (a 2^n - 1 avoids cache aliasing); the caller takes
 * max(1, batch).
 */
export function zone_batchsize(managed: number): number {
  let batch = Math.floor(Math.min(managed >> 10, (1 << 20) / PAGE_SIZE) / 4);
  // Stryker disable next-line EqualityOperator: setting a batch of 1 to 1 changes nothing (an equivalent mutant)
  if (batch < 1) batch = 1;
  return rounddown_pow_of_two(batch + (batch >> 1)) - 1;
}

/** zone_highsize (6.6, percpu_pagelist_high_fraction 0): the low watermark split over the node's CPUs, at least 4 batches. */
export function zone_highsize(lowWmark: number, batch: number, nodeCpus: number): number {
  const high = Math.floor(lowWmark / (nodeCpus || 1));
  return Math.max(high, batch << 2);
}

/** A CPU's pageset for one zone. Only that CPU allocates and frees through it. */
export class PerCpuPages {
  readonly list: PageList;
  readonly lock: SpinLock;
  private readonly b: number;

  constructor(
    private readonly mem: Mem,
    readonly base: number,
    readonly zone: Zone,
    readonly buddy: Buddy,
    readonly cpu: number,
  ) {
    this.b = base;
    this.list = new PageList(mem, buddy.pages.lruWord);
    // Stryker disable next-line ArithmeticOperator: P_LOCK is 0, so base - P_LOCK is base (an equivalent mutant)
    this.lock = new SpinLock(mem, base + P_LOCK);
  }

  get count(): number {
    return this.mem.load(this.b + P_COUNT);
  }
  get high(): number {
    return this.mem.load(this.b + P_HIGH);
  }
  get batch(): number {
    return this.mem.load(this.b + P_BATCH);
  }
  get free_factor(): number {
    return this.mem.load(this.b + P_FREE_FACTOR);
  }
  listHead(pindex: number): number {
    return this.b + P_LISTS + 2 * pindex;
  }
  stat(s: number): number {
    return this.mem.load(this.b + s);
  }
  /**
   * __this_cpu_add on the owning CPU's statistics: only that CPU writes them, so a plain
   * read-modify-write (the kernel's is not atomic either); other CPUs read them racily.
   */
  inc(s: number, n = 1): void {
    const w = this.b + s;
    this.mem.write(w, this.mem.read(w) + n);
  }

  /** pageset_update / pageset_init. */
  init(high: number, batch: number): void {
    this.mem.store(this.b + P_HIGH, high);
    this.mem.store(this.b + P_BATCH, batch);
    for (let i = 0; i < NR_PCP_LISTS; i++) this.list.init(this.listHead(i));
  }

  /**
   * rmqueue_bulk: `count` blocks of `order` from the buddy lists to the tail of `head`,
   * under the zone lock, in one hold. Returns how many it got.
   */
  rmqueue_bulk(order: number, count: number, mt: number, head: number): number {
    const zone = this.zone;
    zone.lock(this.cpu);
    let i = 0;
    for (; i < count; i++) {
      const pfn = this.buddy.__rmqueue(zone, order, mt);
      if (pfn < 0) break;
      this.list.add_tail(head, pfn);
    }
    zone.mod_free_pages(-(i << order));
    zone.unlock();
    return i;
  }

  /**
   * __rmqueue_pcplist with the pcp lock held: the head of the list, refilling
   * max(batch >> order, 2) blocks when empty (batch 1, the boot or disabled pageset,
   * refills one). Returns a pfn or -1.
   */
  __rmqueue_pcplist(order: number, mt: number): number {
    const head = this.listHead(order_to_pindex(mt, order));
    const mem = this.mem;
    if (this.list.empty(head)) {
      let batch = this.batch;
      if (batch > 1) batch = Math.max(batch >> order, 2);
      const got = this.rmqueue_bulk(order, batch, mt, head);
      this.inc(S_PCP_REFILL);
      mem.write(this.b + P_COUNT, mem.read(this.b + P_COUNT) + (got << order));
      if (!got) return -1;
    } else {
      this.inc(S_PCP_HIT);
    }
    const pfn = this.list.first(head);
    this.list.del(head, pfn);
    mem.write(this.b + P_COUNT, mem.read(this.b + P_COUNT) - (1 << order));
    return pfn;
  }

  /** rmqueue_pcplist: trylock (a drain may hold it), halve free_factor, take. Returns a pfn or -1. */
  rmqueue_pcplist(order: number, mt: number): number {
    if (!this.lock.trylock(this.cpu)) {
      this.inc(S_PCP_TRYLOCK_FAIL);
      return -1;
    }
    this.mem.write(this.b + P_FREE_FACTOR, this.mem.read(this.b + P_FREE_FACTOR) >> 1);
    const pfn = this.__rmqueue_pcplist(order, mt);
    this.lock.unlock();
    return pfn;
  }

  /**
   * nr_pcp_free (6.6): past high, free batch << free_factor (doubling while the CPU only
   * frees), leaving at least batch; everything when high-order pages pile up; 1 for a
   * disabled pageset. SPEC says "returns a batch": 6.6 scales it.
   */
  nr_pcp_free(high: number, freeHigh: boolean): number {
    let batch = this.batch;
    if (freeHigh) return this.count;
    if (high < batch) return 1;
    const minFree = batch;
    const maxFree = high - batch;
    const ff = this.free_factor;
    batch <<= ff;
    if (batch < maxFree) this.mem.store(this.b + P_FREE_FACTOR, ff + 1);
    return Math.min(Math.max(batch, minFree), maxFree);
  }

  /**
   * free_unref_page_commit: to the head of the list; at count >= high return pages to
   * the buddy lists (free_high: a CPU only freeing high-order pages keeps none).
   */
  free_unref_page_commit(pfn: number, mt: number, order: number): void {
    const pindex = order_to_pindex(mt, order);
    this.list.add(this.listHead(pindex), pfn);
    const count = this.mem.read(this.b + P_COUNT) + (1 << order);
    this.mem.write(this.b + P_COUNT, count);
    const freeHigh = this.free_factor !== 0 && order > 0 && order <= PAGE_ALLOC_COSTLY_ORDER;
    const high = freeHigh ? 0 : this.high;
    if (count >= high) {
      this.inc(S_PCP_FREE_BULK);
      this.free_pcppages_bulk(this.nr_pcp_free(high, freeHigh), pindex);
    }
  }

  /** free_unref_page's pcp part: trylock, commit; false when the lock was busy (caller frees to the buddy). */
  free_unref_page(pfn: number, mt: number, order: number): boolean {
    if (!this.lock.trylock(this.cpu)) {
      this.inc(S_PCP_TRYLOCK_FAIL);
      return false;
    }
    this.free_unref_page_commit(pfn, mt >= MIGRATE_PCPTYPES ? MIGRATE_MOVABLE : mt, order);
    this.lock.unlock();
    return true;
  }

  /**
   * free_pcppages_bulk: `count` pages back to the buddy under one zone lock hold, from
   * list tails, emptying one list before the next, round-robin from `pindex`.
   */
  free_pcppages_bulk(count: number, pindex: number): void {
    const mem = this.mem;
    count = Math.min(this.count, count);
    pindex--;
    const zone = this.zone;
    const pages = this.buddy.pages;
    zone.lock(this.cpu);
    while (count > 0) {
      let head: number;
      do {
        if (++pindex > NR_PCP_LISTS - 1) pindex = 0;
        head = this.listHead(pindex);
      } while (this.list.empty(head));
      const order = pindex_to_order(pindex);
      const nr = 1 << order;
      do {
        const pfn = this.list.last(head);
        const mt = pages.get_pcppage_migratetype(pfn);
        this.list.del(head, pfn);
        count -= nr;
        mem.write(this.b + P_COUNT, mem.read(this.b + P_COUNT) - nr);
        this.buddy.__free_one_page(zone, pfn, order, mt, FPI_NONE);
      } while (count > 0 && !this.list.empty(head));
    }
    zone.unlock();
  }

  /** drain_pages_zone: any CPU may drain any pageset, under its lock. `by` is the draining CPU. */
  drain(by: number): number {
    const n = this.count;
    if (!n) return 0;
    this.lock.lock(by);
    const drained = this.count;
    // Stryker disable next-line ConditionalExpression: free_pcppages_bulk of 0 pages frees nothing (an equivalent mutant)
    if (drained) this.free_pcppages_bulk(drained, 0);
    this.lock.unlock();
    // Any CPU may drain this pageset: its count of drains is the one statistic others write.
    this.mem.add(this.b + S_PCP_DRAIN, 1);
    return drained;
  }

  /** The pfns on every list, for audits and views (bounded walk). */
  forEach(limit: number, visit: (pfn: number, order: number) => void): boolean {
    for (let i = 0; i < NR_PCP_LISTS; i++) {
      const order = pindex_to_order(i);
      if (!this.list.walk(this.listHead(i), limit, (pfn) => visit(pfn, order))) return false;
    }
    return true;
  }
}
