import { cpus } from 'node:os';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { Mempool } from '../src/dpdk/mempool.js';
import { runStress } from '../src/lab/stress.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { measurement, type BenchSuite, type Measurement, type Target } from './suite.js';

/** Run `fn` (which does `per` operations) until `ms` have passed; returns a measurement. */
function timed(name: string, ms: number, per: number, fn: () => void, note?: string): Measurement {
  for (let i = 0; i < 1000; i++) fn();
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 256; i++) fn();
    ops += 256 * per;
    t = performance.now();
  }
  return measurement(name, ops, t - t0, note);
}

/** Objects/s of the mempool-bench scenario on real workers. */
async function onWorkers(name: string, ms: number, params: Record<string, unknown>): Promise<Measurement> {
  const r = await runStress({ scenario: 'mempool-bench', params: { duration: `${ms}ms`, ...params } });
  if (r.verdict !== 'pass') throw new Error(`mempool-bench ${name} failed: ${JSON.stringify(r.oracles)}`);
  return measurement(name, r.totalOps, r.durationMs, `${r.workers} lcore(s)`);
}

export const mempoolSuite: BenchSuite = {
  name: 'mempool',
  summary: 'rte_mempool get/put bulk 1/4/32 with cache 0/32/256 at 1 and 2 lcores, classic against v26, mbuf alloc against alloc_bulk',
  async run({ quick, log }) {
    const ms = quick ? 150 : 600;
    const m: Measurement[] = [];
    const byName = (n: string) => m.find((x) => x.name === n)!;
    const i32 = new Int32Array(new SharedArrayBuffer(64));
    m.push(timed('Atomics.add uncontended', ms, 1, () => Atomics.add(i32, 0, 1)));
    for (const lcores of [1, 2]) {
      for (const cache of [0, 32, 256]) {
        for (const bulk of [1, 4, 32]) {
          const name = `get/put bulk ${bulk} cache ${cache} x${lcores}`;
          log(name);
          m.push(await onWorkers(name, ms, { lcores, cache, bulk }));
        }
      }
    }
    for (const algo of ['classic', 'v26']) {
      for (const [cache, bulk] of [[32, 4], [32, 32], [256, 32], [256, 200]]) {
        const name = `${algo} cache ${cache} bulk ${bulk} x2`;
        log(name);
        m.push(await onWorkers(name, ms, { lcores: 2, cache, bulk, cacheAlgo: algo }));
      }
    }
    const arena = Arena.create(Pktmbuf.pool_memsize(1024, { cache_size: 256, data_room_size: 256 }) + 4096);
    const mem = new AtomicsMem(arena.sab);
    const mp = Pktmbuf.pool_create(arena, mem, 'bench', 1024, { cache_size: 256, data_room_size: 256 });
    const lc = new Mempool(mem, mp.ref, 0);
    const pm = new Pktmbuf(mem, [lc]);
    const burst = new Int32Array(32);
    const oneByOne = () => {
      for (let i = 0; i < 32; i++) burst[i] = pm.alloc(lc);
      for (let i = 0; i < 32; i++) pm.free(burst[i]);
    };
    const bulk = () => {
      pm.alloc_bulk(lc, burst, 32);
      pm.free_bulk(burst, 32);
    };
    // The two take turns, three rounds, each keeping its best: one slow spell would otherwise decide the ratio.
    let single: Measurement | undefined;
    let bulked: Measurement | undefined;
    for (let round = 0; round < 3; round++) {
      const a = timed('mbuf alloc+free x32', ms / 3, 32, oneByOne);
      const b = timed('mbuf alloc_bulk+free_bulk 32', ms / 3, 32, bulk);
      if (!single || a.opsPerSec > single.opsPerSec) single = a;
      if (!bulked || b.opsPerSec > bulked.opsPerSec) bulked = b;
    }
    m.push(single!, bulked!);
    const ratio = (a: string, b: string) => byName(a).opsPerSec / byName(b).opsPerSec;
    const targets: Target[] = [
      { name: 'cache 256 bulk 32 over uncached bulk 32, 2 lcores', ratio: ratio('get/put bulk 32 cache 256 x2', 'get/put bulk 32 cache 0 x2'), bound: 5 },
      {
        name: 'per-object cost (cache 256 bulk 32, 1 lcore) over one Atomics.add',
        ratio: byName('get/put bulk 32 cache 256 x1').nsPerOp / byName('Atomics.add uncontended').nsPerOp,
        bound: 0.5,
        atMost: true,
      },
      { name: 'alloc_bulk+free_bulk 32 over alloc+free one by one', ratio: ratio('mbuf alloc_bulk+free_bulk 32', 'mbuf alloc+free x32'), bound: 3 },
    ];
    return { suite: 'mempool', cpus: cpus().length, measurements: m, targets };
  },
};
