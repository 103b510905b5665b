import { Mempool, type MempoolConfig, type MempoolRef } from '../dpdk/mempool.js';
import { CACHE_ALGOS, type CacheAlgoName } from '../dpdk/mempool_layout.js';
import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';

/**
 * The shape of DPDK's mempool_perf_autotest: each lcore gets a bulk and puts it straight
 * back, as fast as it can. A benchmark helper (hidden): `memrace bench mempool` drives it
 * at 1 and 2 lcores; ops are objects through one get and one put.
 */
type P = Params & { lcores: number; n: number; cache: number; cacheAlgo: CacheAlgoName; bulk: number };

const configOf = (p: P): MempoolConfig => ({ n: p.n, elt_size: 64, cache_size: p.cache, cache_algo: p.cacheAlgo, max_lcore: p.lcores });

function lcore(ctx: ActorContext<P, MempoolRef>): void {
  const mp = new Mempool(ctx.mem, ctx.state, ctx.actor, ctx.actor);
  const bulk = ctx.params.bulk;
  const buf = new Int32Array(bulk);
  while (!ctx.stopped()) {
    if (mp.get_bulk(buf, bulk) !== 0) continue;
    mp.put_bulk(buf, bulk);
    ctx.done(bulk);
  }
  ctx.contention(mp.ops.stats.casRetries, mp.ops.stats.spins, mp.ops.stats.waits);
}

export const mempoolBench = defineScenario<P, MempoolRef>({
  name: 'mempool-bench',
  summary: 'rte_mempool get/put bulk throughput per lcore (benchmark helper)',
  subsystem: 'dpdk',
  hidden: true,
  omit: ['workers'],
  actorParam: 'lcores',
  params: [
    { name: 'lcores', type: 'int', default: 2, min: 1, max: 64, help: 'lcores' },
    { name: 'n', type: 'int', default: 8191, min: 1, help: 'objects in the pool' },
    { name: 'cache', type: 'int', default: 256, min: 0, max: 512, help: 'per-lcore cache size' },
    { name: 'cacheAlgo', type: 'choice', default: 'classic', choices: CACHE_ALGOS, help: 'cache algorithm' },
    { name: 'bulk', type: 'int', default: 32, min: 1, max: 512, help: 'objects per get and put' },
  ],
  variants: [{ name: 'correct', summary: 'DPDK as shipped' }],
  outcomes: [{ id: 'ok', grade: 'ACCEPTABLE', description: 'a bulk got and put back' }],
  counters: [],
  opNames: ['start'],
  validate: (p) => Mempool.checkConfig(configOf(p), { cache_size: '--cache', n: '--n' }),
  imageBytes: (p) => Mempool.memsize(configOf(p)),
  actors: (p) => Array<string>(p.lcores).fill('lcore'),
  setup: (arena, mem, p) => Mempool.create(arena, mem, 'bench', configOf(p)).ref,
  roles: { lcore },
  check: ({ mem, state }) => ({ oracles: [{ name: 'conservation', violations: new Mempool(mem, state, -1).conservation(0) }] }),
});
