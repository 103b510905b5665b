import { cpus } from 'node:os';
import { runStress } from '../src/lab/stress.js';
import { bootMachine } from '../src/kernel/boot.js';
import { type BootConfig, bootConfig } from '../src/kernel/bootconfig.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from '../src/kernel/gfp.js';
import { NR_PAGE_ORDERS } from '../src/kernel/mmzone.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { mixedWorkload } from '../src/kernel/workload.js';
import { type BenchSuite, type Measurement, type Target, measurement } from './suite.js';

const MiB = 2 ** 20;

function machine(given: Partial<BootConfig>) {
  return bootMachine(bootConfig(given)).kernel;
}

/**
 * Order-0 alloc+free ops/s of page-alloc-stress on `workers` CPUs of one 1G node (batch 63,
 * as on a real machine; a small zone's batch of 3 would hide the pagesets), allocator cost
 * alone: no drains (the scenario's drain_all_pages empties every CPU's pageset, which then
 * all refill under the zone lock: at 8 CPUs that alone held pagesets to the zone lock's speed).
 */
async function stress(workers: number, pcp: boolean, duration: string): Promise<Measurement> {
  const r = await runStress({
    scenario: 'page-alloc-stress',
    params: { nodes: 1, cpusPerNode: workers, mem: '1G', orders: '0', hold: 32, remote: 0, kswapd: 'off', touch: 'off', drain: 0, pcp: pcp ? 'on' : 'off', duration },
  });
  if (r.verdict !== 'pass') throw new Error(`page-alloc-stress failed while benchmarking: ${r.notes.join('; ')}`);
  return measurement(`order-0 alloc/free, ${pcp ? 'pagesets' : 'zone lock (--pcp off)'}, ${workers} worker(s)`, r.totalOps, r.durationMs);
}

/** One thread allocating and freeing order-0 pages from node `nid`, `n` times. */
function allocFree(pa: PageAlloc, nid: number, n: number): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 0, nid), 0);
  return performance.now() - t0;
}

/** The fraction of free memory in blocks of order >= 4 after a mixed workload and the release of its movable blocks. */
function fragmentation(mobility: boolean, ops: number): { frac: number; ms: number } {
  const k = machine({ mem: 64 * MiB, dmaLimit: 0, mobility, kernelSize: MiB });
  const t0 = performance.now();
  const held = mixedWorkload(k, ops, { keep: ops >> 2, seed: 7 });
  // Reclaim or migration could empty movable blocks; release them, as that would.
  const pa = new PageAlloc(k, 0);
  for (const b of held) if (b.gfp === GFP_HIGHUSER_MOVABLE) pa.__free_pages(b.pfn, b.order);
  pa.drain_all_pages();
  const ms = performance.now() - t0;
  let free = 0;
  let high = 0;
  for (const z of k.zones) {
    for (let o = 0; o < NR_PAGE_ORDERS; o++) {
      free += z.nr_free(o) << o;
      if (o >= 4) high += z.nr_free(o) << o;
    }
  }
  return { frac: high / free, ms };
}

export const pageAllocSuite: BenchSuite = {
  name: 'page-alloc',
  summary: 'order-0 pagesets against the zone lock at 1, 2 (and, with 6 or more CPUs, 4) workers, local against remote, the cost of a drain, fragmentation with and without mobility grouping',
  async run({ quick, log }) {
    const duration = quick ? '300ms' : '1s';
    const m: Measurement[] = [];
    const t: Target[] = [];
    // Interleaved, best of three per configuration: the machine is shared and its load moves.
    const best = new Map<string, Measurement>();
    // Four workers only where four cores can run them at once: the kernel's contention needs CPUs.
    const counts = cpus().length >= 6 ? [1, 2, 4] : [1, 2];
    for (let round = 0; round < 3; round++) {
      for (const workers of counts) {
        for (const pcp of [true, false]) {
          log(`round ${round + 1}: ${workers} worker(s), pagesets ${pcp ? 'on' : 'off'}`);
          const x = await stress(workers, pcp, duration);
          const prev = best.get(x.name);
          if (!prev || x.opsPerSec > prev.opsPerSec) best.set(x.name, x);
        }
      }
    }
    for (const workers of counts) {
      const on = best.get(`order-0 alloc/free, pagesets, ${workers} worker(s)`)!;
      const off = best.get(`order-0 alloc/free, zone lock (--pcp off), ${workers} worker(s)`)!;
      m.push(on, off);
      t.push({ name: `pagesets / zone lock, order 0, ${workers} worker(s)`, ratio: on.opsPerSec / off.opsPerSec, bound: workers === 1 ? 1 : 5 });
    }

    log('one thread: node-local against remote order-0 alloc+free, and a drain');
    const k = machine({ nodes: 2, mem: 128 * MiB, dmaLimit: 0 });
    const pa = new PageAlloc(k, 0);
    const n = quick ? 20_000 : 200_000;
    // Alternate, best of three each: a shared 2-core machine is noisy.
    let localMs = Infinity;
    let remoteMs = Infinity;
    for (let round = 0; round < 3; round++) {
      localMs = Math.min(localMs, allocFree(pa, 0, n));
      remoteMs = Math.min(remoteMs, allocFree(pa, 1, n));
    }
    const local = measurement('order-0 alloc+free, node-local (one thread)', n, localMs);
    const remote = measurement('order-0 alloc+free, remote node (one thread)', n, remoteMs, 'one memory in the image: distance costs nothing');
    m.push(local, remote);
    t.push({ name: 'remote / local time per op (bookkeeping only)', ratio: remote.nsPerOp / local.nsPerOp, bound: 1.25, atMost: true });

    const pcp = pa.pcp(k.zones[2]);
    const rounds = quick ? 20 : 400;
    let drained = 0;
    let ms = 0;
    const pfns = new Int32Array(pcp.high);
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < pfns.length; i++) pfns[i] = pa.alloc_pages(GFP_KERNEL, 0, 0);
      for (let i = 0; i < pfns.length; i++) pa.__free_pages(pfns[i], 0);
      const t0 = performance.now();
      drained += pa.drain_local_pages();
      ms += performance.now() - t0;
    }
    m.push(measurement('drain_local_pages, per page drained', drained, ms, `${(drained / rounds).toFixed(0)} pages a drain, each merged back under the zone lock`));

    log('fragmentation after a mixed-order workload, grouping by mobility on and off');
    const ops = quick ? 20_000 : 200_000;
    const grouped = fragmentation(true, ops);
    const mixed = fragmentation(false, ops);
    m.push(measurement('mixed workload + release of movable blocks, grouping on', ops, grouped.ms, `${(grouped.frac * 100).toFixed(1)}% of free memory in blocks of order >= 4`));
    m.push(measurement('mixed workload + release of movable blocks, grouping off', ops, mixed.ms, `${(mixed.frac * 100).toFixed(1)}% of free memory in blocks of order >= 4`));
    t.push({ name: 'free memory in order >= 4 blocks, grouping on / off', ratio: grouped.frac / Math.max(mixed.frac, 1e-9), bound: 1 });
    return { suite: 'page-alloc', cpus: cpus().length, measurements: m, targets: t };
  },
};
