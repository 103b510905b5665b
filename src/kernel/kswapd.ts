import type { Mem } from '../shm/mem.js';
import type { Kernel } from './kernel.js';
import {
  MAX_NR_ZONES, N_KSWAPD_FAILURES, N_KSWAPD_HIGHEST_ZONEIDX, N_KSWAPD_ORDER, N_KSWAPD_RUNS, N_KSWAPD_WAIT,
  N_KSWAPD_WAKEUPS, WMARK_HIGH,
} from './mmzone.js';
import { zone_watermark_ok } from './watermark.js';
import type { Zone } from './zone.js';

/** kswapd's wait word: SLEEPING means its waitqueue is active (waitqueue_active), WOKEN a wakeup is pending. */
export const KSWAPD_RUNNING = 0;
export const KSWAPD_SLEEPING = 1;
export const KSWAPD_WOKEN = 2;
/** After this many runs that leave the node unbalanced, kswapd gives the node up (hopeless). */
export const MAX_RECLAIM_RETRIES = 16;

/** pgdat_balanced: some managed zone up to highest_zoneidx is above its high watermark. */
export function pgdat_balanced(k: Kernel, nid: number, order: number, highestZoneidx: number): boolean {
  let managed = false;
  const zones = k.nodeZones(nid);
  for (let i = 0; i <= highestZoneidx; i++) {
    const z = zones[i];
    if (!z.managed_pages) continue;
    managed = true;
    if (zone_watermark_ok(z, order, z.wmark(WMARK_HIGH), highestZoneidx, 0)) return true;
  }
  return !managed;
}

/**
 * wakeup_kswapd: raise the node's kswapd_order and highest zone, then wake kswapd if it
 * sleeps, unless the node is balanced already or hopeless. Returns true if it woke it.
 */
export function wakeup_kswapd(k: Kernel, zone: Zone, order: number, highestZoneidx: number): boolean {
  const mem = k.mem;
  if (!zone.managed_pages) return false;
  const node = k.ref.nodes[zone.nid];
  const cur = mem.load(node + N_KSWAPD_HIGHEST_ZONEIDX);
  if (cur === MAX_NR_ZONES || cur < highestZoneidx) mem.store(node + N_KSWAPD_HIGHEST_ZONEIDX, highestZoneidx);
  if (mem.load(node + N_KSWAPD_ORDER) < order) mem.store(node + N_KSWAPD_ORDER, order);
  if (mem.load(node + N_KSWAPD_WAIT) !== KSWAPD_SLEEPING) return false;
  // A balanced node would get kcompactd instead (not modelled); a hopeless one is left to direct reclaim.
  if (mem.load(node + N_KSWAPD_FAILURES) >= MAX_RECLAIM_RETRIES || pgdat_balanced(k, zone.nid, order, highestZoneidx)) return false;
  if (mem.compareExchange(node + N_KSWAPD_WAIT, KSWAPD_SLEEPING, KSWAPD_WOKEN) !== KSWAPD_SLEEPING) return false;
  mem.add(node + N_KSWAPD_WAKEUPS, 1);
  mem.notify(node + N_KSWAPD_WAIT, 1);
  return true;
}

/** What reclaim found to free on a node: the virtual-memory issue plugs its LRU in here. */
export type ReclaimFn = (nid: number, nrToReclaim: number) => number;

/** The stub: nothing on any LRU yet, so nothing is reclaimed; kswapd reports and sleeps again. */
export const reclaimNothing: ReclaimFn = () => 0;

export interface KswapdReport {
  nid: number;
  wakeups: number;
  runs: number;
  reclaimed: number;
  failures: number;
}

/**
 * The kswapd thread of one node: sleep on the node's wait word until woken, then
 * balance_pgdat (reclaim toward the high watermark through `reclaim`), count the run,
 * and sleep again. `stopped` ends it; sleeps are bounded so it sees the stop.
 */
export function kswapd(k: Kernel, nid: number, stopped: () => boolean, reclaim: ReclaimFn = reclaimNothing): KswapdReport {
  const mem: Mem = k.mem;
  const node = k.ref.nodes[nid];
  let reclaimed = 0;
  while (!stopped()) {
    mem.store(node + N_KSWAPD_WAIT, KSWAPD_SLEEPING);
    while (mem.load(node + N_KSWAPD_WAIT) === KSWAPD_SLEEPING && !stopped()) mem.wait(node + N_KSWAPD_WAIT, KSWAPD_SLEEPING, 20);
    if (mem.exchange(node + N_KSWAPD_WAIT, KSWAPD_RUNNING) !== KSWAPD_WOKEN) continue;
    const order = mem.exchange(node + N_KSWAPD_ORDER, 0);
    const highest = mem.exchange(node + N_KSWAPD_HIGHEST_ZONEIDX, MAX_NR_ZONES);
    mem.add(node + N_KSWAPD_RUNS, 1);
    const idx = highest === MAX_NR_ZONES ? MAX_NR_ZONES - 1 : highest;
    let want = 0;
    const zones = k.nodeZones(nid);
    for (let i = 0; i <= idx; i++) want += Math.max(0, zones[i].wmark(WMARK_HIGH) - zones[i].nr_free_pages());
    reclaimed += reclaim(nid, want);
    if (pgdat_balanced(k, nid, order, idx)) mem.store(node + N_KSWAPD_FAILURES, 0);
    else mem.add(node + N_KSWAPD_FAILURES, 1);
  }
  mem.store(node + N_KSWAPD_WAIT, KSWAPD_RUNNING);
  return { nid, wakeups: mem.load(node + N_KSWAPD_WAKEUPS), runs: mem.load(node + N_KSWAPD_RUNS), reclaimed, failures: mem.load(node + N_KSWAPD_FAILURES) };
}
