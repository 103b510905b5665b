import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { Kernel } from '../src/kernel/kernel.js';
import { KSWAPD_RUNNING, KSWAPD_SLEEPING, KSWAPD_WOKEN, MAX_RECLAIM_RETRIES, kswapd, pgdat_balanced, wakeup_kswapd } from '../src/kernel/kswapd.js';
import {
  MAX_NR_ZONES, N_KSWAPD_FAILURES, N_KSWAPD_HIGHEST_ZONEIDX, N_KSWAPD_ORDER, N_KSWAPD_RUNS, N_KSWAPD_WAIT, N_KSWAPD_WAKEUPS, WMARK_HIGH,
  WMARK_LOW, ZONE_DMA, ZONE_NORMAL,
} from '../src/kernel/mmzone.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import type { Mem } from '../src/shm/mem.js';
import { bootTest } from './kernel-helpers.js';

/**
 * mm/vmscan.c's kswapd (6.6) in process: wakeup_kswapd's bookkeeping and refusals,
 * pgdat_balanced, and one run of the kswapd thread driven through its `stopped` hook (the
 * wakeup another CPU would make comes from inside the thread's wait loop), so nothing
 * waits. A node of 64M with ZONE_DMA (16M) and ZONE_NORMAL.
 */
function node() {
  const { kernel, mem } = bootTest({ mem: 64 * 2 ** 20, dmaLimit: 0, pcp: false });
  const n = kernel.ref.nodes[0];
  const word = (f: number) => mem.load(n + f);
  return { kernel, mem, n, word, normal: kernel.nodeZones(0)[ZONE_NORMAL] };
}
/** Allocate until ZONE_NORMAL is `below` pages under its high watermark: unbalanced, still above low (no slow path). */
function drainToHigh(k: Kernel, below = 0) {
  const pa = new PageAlloc(k, 0);
  const z = k.nodeZones(0)[ZONE_NORMAL];
  expect(z.wmark(WMARK_HIGH) - below).toBeGreaterThan(z.wmark(WMARK_LOW) + 1);
  while (z.nr_free_pages() > z.wmark(WMARK_HIGH) - below) pa.alloc_pages(GFP_KERNEL, 0);
}

describe('wakeup_kswapd', () => {
  it('raises the node\'s kswapd_order and highest zone (never lowers them), and wakes only a sleeping kswapd', () => {
    const { kernel, mem, n, word, normal } = node();
    drainToHigh(kernel);
    expect(word(N_KSWAPD_HIGHEST_ZONEIDX)).toBe(MAX_NR_ZONES);
    // kswapd is running: nothing to wake, but the request is recorded for its next pass.
    expect(wakeup_kswapd(kernel, normal, 2, ZONE_DMA)).toBe(false);
    expect([word(N_KSWAPD_ORDER), word(N_KSWAPD_HIGHEST_ZONEIDX)]).toEqual([2, ZONE_DMA]);
    expect(wakeup_kswapd(kernel, normal, 1, ZONE_NORMAL)).toBe(false);
    expect([word(N_KSWAPD_ORDER), word(N_KSWAPD_HIGHEST_ZONEIDX)]).toEqual([2, ZONE_NORMAL]);
    wakeup_kswapd(kernel, normal, 0, ZONE_DMA);
    expect([word(N_KSWAPD_ORDER), word(N_KSWAPD_HIGHEST_ZONEIDX)]).toEqual([2, ZONE_NORMAL]);
    mem.store(n + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(true);
    expect([word(N_KSWAPD_WAIT), word(N_KSWAPD_WAKEUPS)]).toEqual([KSWAPD_WOKEN, 1]);
    // Woken already: a second wakeup is not counted.
    expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(false);
    expect(word(N_KSWAPD_WAKEUPS)).toBe(1);
  });

  it('leaves a balanced node and a hopeless one (MAX_RECLAIM_RETRIES failed runs) asleep; a zone with no managed pages wakes nothing', () => {
    const { kernel, mem, n, word, normal } = node();
    mem.store(n + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    expect(pgdat_balanced(kernel, 0, 0, ZONE_NORMAL)).toBe(true);
    expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(false);
    drainToHigh(kernel);
    expect(pgdat_balanced(kernel, 0, 0, ZONE_NORMAL)).toBe(false);
    mem.store(n + N_KSWAPD_FAILURES, MAX_RECLAIM_RETRIES);
    expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(false);
    mem.store(n + N_KSWAPD_FAILURES, MAX_RECLAIM_RETRIES - 1);
    const movable = kernel.nodeZones(0)[3];
    expect(movable.managed_pages).toBe(0);
    expect(wakeup_kswapd(kernel, movable, 0, ZONE_NORMAL)).toBe(false);
    expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(true);
    expect(word(N_KSWAPD_WAKEUPS)).toBe(1);
  });

  it('two CPUs waking it at once: the compare-and-swap lets one count the wakeup', () => {
    const { kernel, mem, n, word, normal } = node();
    drainToHigh(kernel);
    mem.store(n + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    // The other CPU's wakeup lands between this one's load of the wait word and its CAS.
    const racing: Mem = Object.assign(Object.create(mem) as Mem, {
      compareExchange(i: number, expected: number, replacement: number) {
        if (i === n + N_KSWAPD_WAIT) expect(wakeup_kswapd(kernel, normal, 0, ZONE_NORMAL)).toBe(true);
        return mem.compareExchange(i, expected, replacement);
      },
    });
    expect(wakeup_kswapd(new Kernel(racing, kernel.ref), normal, 0, ZONE_NORMAL)).toBe(false);
    expect([word(N_KSWAPD_WAIT), word(N_KSWAPD_WAKEUPS)]).toEqual([KSWAPD_WOKEN, 1]);
  });
});

describe('the kswapd thread', () => {
  it('sleeps until woken, takes the order and zone asked for, asks reclaim for what the zones lack of their high marks, and counts a run that left the node unbalanced', () => {
    const { kernel, word, normal } = node();
    drainToHigh(kernel, 10);
    let polls = 0;
    const asked: Array<[number, number]> = [];
    const stopped = () => {
      // Its first poll inside the sleep: another CPU wakes it. Once it has run: stop (or after 100 polls, so a bug fails, not hangs).
      if (word(N_KSWAPD_WAIT) === KSWAPD_SLEEPING && polls++ === 0) expect(wakeup_kswapd(kernel, normal, 3, ZONE_NORMAL)).toBe(true);
      return word(N_KSWAPD_RUNS) > 0 || polls > 100;
    };
    // ZONE_NORMAL lacks 10 pages of its high mark; the empty zones (marks 0) lack nothing.
    const want = normal.wmark(WMARK_HIGH) - normal.nr_free_pages();
    expect(want).toBe(10);
    const r = kswapd(kernel, 0, stopped, (nid, n) => (asked.push([nid, n]), 5));
    expect(asked).toEqual([[0, want]]);
    expect(r).toEqual({ nid: 0, wakeups: 1, runs: 1, reclaimed: 5, failures: 1 });
    expect([word(N_KSWAPD_ORDER), word(N_KSWAPD_HIGHEST_ZONEIDX), word(N_KSWAPD_WAIT)]).toEqual([0, MAX_NR_ZONES, KSWAPD_RUNNING]);
  });

  it('a run that finds the node balanced clears the failures; a stop before any wakeup runs nothing', () => {
    const { kernel, mem, n, word, normal } = node();
    mem.store(n + N_KSWAPD_FAILURES, 3);
    let polls = 0;
    const r = kswapd(kernel, 0, () => {
      // The node is balanced, so wakeup_kswapd would not wake it: wake it by hand, as a caller with its own reason would.
      if (word(N_KSWAPD_WAIT) === KSWAPD_SLEEPING && polls++ === 0) mem.store(n + N_KSWAPD_WAIT, KSWAPD_WOKEN);
      return word(N_KSWAPD_RUNS) > 0 || polls > 100;
    });
    expect(r).toEqual({ nid: 0, wakeups: 0, runs: 1, reclaimed: 0, failures: 0 });
    expect(normal.nr_free_pages()).toBeGreaterThan(normal.wmark(WMARK_HIGH));
    const idle = node();
    expect(kswapd(idle.kernel, 0, () => true)).toEqual({ nid: 0, wakeups: 0, runs: 0, reclaimed: 0, failures: 0 });
    expect(idle.word(N_KSWAPD_WAIT)).toBe(KSWAPD_RUNNING);
  });
});
