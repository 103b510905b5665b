import { ConfigError } from '../errors.js';
import { attachMempool } from '../dpdk/eal.js';
import { Mempool, type MempoolConfig, type MempoolRef } from '../dpdk/mempool.js';
import { CACHE_VARIANT_FLUSH_FIRST } from '../dpdk/mempool_cache.js';
import { CACHE_ALGOS, type CacheAlgoName } from '../dpdk/mempool_layout.js';
import {
  MEMPOOL_OPS_NAMES, OPS_VARIANT_NONE, OPS_VARIANT_NO_TAIL_WAIT, OPS_VARIANT_UNLOCKED, type MempoolOpsName,
} from '../dpdk/mempool_ops.js';
import { type CannotShow, Violations, defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { BAG_PUT, bagSpec } from '../lab/history/specs/bag.js';
import { BulkGetter, OBJECT_OUTCOMES, freePatternInit, objectsFree, stampOf, touchBulk } from './mempool-objects.js';

/**
 * DPDK's ring-stress pattern on a mempool: each lcore gets a bulk of random size and
 * proves it owns every object (mempool-objects.ts: CAS on the first word, stamp, re-check,
 * restore) before putting the bulk back, whole or (`--put-back halves`) in two puts, the
 * second half still held across the first.
 */
const OP_GET = 1;
const OP_CHECK = 2;
const OP_PUT = 3;

const O_CACHE_OVERFLOW = OBJECT_OUTCOMES.length;

const K_GOT = 0;
const K_PUT = 1;
const K_EMPTY = 2;

const PUT_BACK = ['whole', 'halves'] as const;

type P = Params & {
  lcores: number; n: number; cache: number; cacheAlgo: CacheAlgoName; bulk: number; ops: MempoolOpsName;
  eltSize: number; debug: boolean; putBack: (typeof PUT_BACK)[number]; flushEvery: number; variant: string;
};

interface State {
  pool: MempoolRef;
  words: number;
}

const VARIANT_OPS: Record<string, number> = {
  correct: OPS_VARIANT_NONE,
  'shared-lcore-id': OPS_VARIANT_NONE,
  'no-tail-wait': OPS_VARIANT_NO_TAIL_WAIT,
  'unlocked-stack': OPS_VARIANT_UNLOCKED,
  'flush-first': CACHE_VARIANT_FLUSH_FIRST,
};

function poolSize(p: P): number {
  if (p.n > 0) return p.n;
  // Enough that the caches rarely starve the common pool, few enough that it runs dry at times.
  return Math.max(64, p.lcores * (Math.ceil(p.cache * 1.5) + p.bulk) + p.bulk);
}

function opsOf(p: P): MempoolOpsName {
  if (p.variant === 'unlocked-stack') return 'stack';
  return p.ops;
}

function configOf(p: P): MempoolConfig {
  return {
    n: poolSize(p), elt_size: p.eltSize, cache_size: p.cache, cache_algo: p.cacheAlgo, ops_name: opsOf(p),
    debug: p.debug, max_lcore: p.lcores, variant: VARIANT_OPS[p.variant],
  };
}

function lcoreRole(ctx: ActorContext<P, State>): void {
  const { mem, state: s, params: p } = ctx;
  // shared-lcore-id: every worker believes it is lcore 0, as two threads registered with one id would.
  const lcore = p.variant === 'shared-lcore-id' ? 0 : ctx.actor;
  // Each lcore finds the pool by name in the image (rte_mempool_lookup).
  const mp = attachMempool(ctx.arena, mem, s.pool, lcore, ctx.actor);
  const stamp = stampOf(ctx.actor);
  const buf = new Int32Array(p.bulk);
  const owned = new Int32Array(p.bulk);
  const rest = new Int32Array(p.bulk);
  const halves = p.putBack === 'halves';
  let rounds = 0;
  const maxLen = mp.cache ? mp.algo.maxLen(mp.cache) : 0;
  const words = s.words;
  const getter = new BulkGetter(ctx, mem, OP_GET, K_EMPTY);
  while (!ctx.stopped()) {
    const k = 1 + ctx.rng.below(p.bulk);
    if (!getter.get(mp, buf, k)) continue;
    ctx.count(K_GOT, k);
    ctx.op(OP_CHECK);
    const m = touchBulk(ctx, mem, buf, k, owned, words, stamp);
    ctx.op(OP_PUT);
    if (halves && m > 1) {
      const first = (m + 1) >> 1;
      for (let i = first; i < m; i++) rest[i - first] = owned[i];
      putBack(ctx, mp, owned, first);
      putBack(ctx, mp, rest, m - first);
    } else {
      putBack(ctx, mp, owned, m);
    }
    const len = mp.cache ? mp.cache.len : 0;
    if (len < 0 || len > maxLen) ctx.outcome(O_CACHE_OVERFLOW);
    if (p.flushEvery > 0 && ++rounds === p.flushEvery) {
      rounds = 0;
      mp.cache_flush();
    }
    ctx.done(k);
  }
  ctx.contention(mp.ops.stats.casRetries, mp.ops.stats.spins, mp.ops.stats.waits);
}

/** Every broken variant races two lcores. */
const TWO_LCORES: CannotShow<P> = {
  flag: '--lcores', when: (p) => p.lcores < 2, why: (p) => `${p.variant} races two lcores, but 1 lcore cannot race`, allowed: '2 or more', example: { lcores: 1 },
};

/** One rte_mempool_put_bulk of objs[0..m), recorded and counted. */
function putBack(ctx: ActorContext<P, State>, mp: Mempool, objs: Int32Array, m: number): void {
  ctx.history?.invoke(BAG_PUT, objs, m);
  mp.put_bulk(objs, m);
  ctx.history?.respond(objs, 0);
  ctx.count(K_PUT, m);
}

export const mempoolStress = defineScenario<P, State>({
  name: 'mempool-stress',
  summary: 'rte_mempool: lcores get random bulks, check the free pattern, stamp, re-check, restore, put back (whole or in halves); every backend and cache algorithm',
  subsystem: 'dpdk',
  omit: ['workers'],
  actorParam: 'lcores',
  params: [
    { name: 'lcores', type: 'int', default: 4, min: 1, max: 64, help: 'lcores (worker threads), each with its own cache' },
    { name: 'n', type: 'int', default: 0, min: 0, max: 1 << 22, help: 'objects in the pool (0: lcores x (1.5 x cache + bulk) + bulk, at least 64)' },
    { name: 'cache', type: 'int', default: 256, min: 0, max: 4096, help: 'per-lcore cache size (0: no caches; at most 512)' },
    { name: 'cacheAlgo', type: 'choice', default: 'classic', choices: CACHE_ALGOS, help: 'cache algorithm: classic (22.11-26.03), v26 (26.07) or legacy (up to 22.07)' },
    { name: 'bulk', type: 'int', default: 32, min: 1, max: 1024, help: 'largest bulk per get; each get takes 1..bulk' },
    { name: 'ops', type: 'choice', default: 'ring_mp_mc', choices: MEMPOOL_OPS_NAMES, help: 'mempool backend (ops name)' },
    { name: 'eltSize', type: 'int', default: 64, min: 4, max: 4096, help: 'object size in bytes' },
    { name: 'debug', type: 'bool', default: true, help: 'header and trailer cookies checked on every get and put' },
    { name: 'putBack', type: 'choice', default: 'whole', choices: PUT_BACK, help: 'how an lcore puts its bulk back: whole, or in two puts (the second half held across the first)' },
    { name: 'flushEvery', type: 'int', default: 0, min: 0, max: 1 << 20, help: 'rte_mempool_cache_flush after every N rounds (0: never; an lcore that puts back all it got refills its cache only at the start)' },
  ],
  variants: [
    { name: 'correct', summary: 'DPDK as shipped' },
    {
      name: 'shared-lcore-id',
      summary: 'every worker claims lcore 0, so they share one unsynchronised cache (DPDK forbids two threads with one lcore id)',
      cannotShow: [TWO_LCORES, { flag: '--cache', when: (p) => p.cache === 0, why: () => 'shared-lcore-id breaks the per-lcore cache, and there is none', allowed: 'a cache size from 1', example: { cache: 0 } }],
    },
    // Without caches every get and put goes through the backend, where these races are.
    {
      name: 'no-tail-wait',
      summary: 'ring_mp_mc backend whose producers and consumers publish their tail without waiting for earlier ones',
      defaults: { cache: 0 },
      cannotShow: [TWO_LCORES, { flag: '--ops', when: (p) => p.ops !== 'ring_mp_mc', why: () => 'no-tail-wait breaks the MP/MC ring', allowed: 'ring_mp_mc', example: { ops: 'stack' } }],
    },
    { name: 'unlocked-stack', summary: 'the stack backend with its spinlock left out', defaults: { cache: 0 }, cannotShow: [TWO_LCORES] },
    // An lcore puts its bulk back in halves into a legacy cache of 3 it refills: each half's put flushes.
    // Debug cookies off (DPDK's default build): they would see the early object still marked in use.
    // Six lcores on 24 objects keep the common pool shallow, so another lcore's get takes the early half
    // (10 of 10 runs at load 14; four on 16: 8 of 10 at load 12).
    {
      name: 'flush-first',
      summary: "legacy (22.07) cache put that flushes before it copies: a half still held goes to the common pool, the half put is dropped (only --check linearizable sees it)",
      defaults: { cacheAlgo: 'legacy', cache: 3, bulk: 2, lcores: 6, n: 24, putBack: 'halves', flushEvery: 1, debug: false },
      // Two lcores on a pool of 5 one-word objects: the common pool is near empty, so the other lcore's get takes the early half at once.
      explore: { lcores: 2, n: 5, eltSize: 4 },
      cannotShow: [
        TWO_LCORES,
        {
          flag: '--cache-algo',
          when: (p) => p.cacheAlgo !== 'legacy' || p.cache === 0,
          why: (p) => `flush-first breaks the legacy cache's put, and this pool has ${p.cache === 0 ? 'no cache' : `a ${p.cacheAlgo} one`}`,
          allowed: 'legacy with --cache from 1',
          example: { cacheAlgo: 'classic' },
        },
        {
          flag: '--put-back',
          when: (p) => p.putBack !== 'halves',
          why: () => 'with a bulk put back whole, the slots flush-first publishes hold that very bulk: nothing goes wrong',
          allowed: 'halves',
          example: { putBack: 'whole' },
        },
      ],
      check: 'linearizable',
    },
  ],
  outcomes: [
    ...OBJECT_OUTCOMES,
    { id: 'cache-overflow', grade: 'FORBIDDEN', description: 'a cache length outside what the algorithm allows' },
  ],
  counters: ['got', 'put', 'empty'],
  opNames: ['start', 'get', 'check', 'put'],
  validate(p) {
    Mempool.checkConfig(configOf(p), { n: '--n', elt_size: '--elt-size', cache_size: '--cache', ops_name: '--ops', max_lcore: '--lcores' });
    const ops = opsOf(p);
    if (p.lcores > 1 && (ops.includes('_sp_') || ops.endsWith('_sc'))) {
      throw new ConfigError('--ops', `${ops} takes a single producer or consumer, but ${p.lcores} lcores get and put`, 'ring_mp_mc, ring_mt_rts, ring_mt_hts, stack, lf_stack (or --lcores 1)');
    }
    if (p.bulk > poolSize(p)) throw new ConfigError('--bulk', `${p.bulk} is larger than the pool (${poolSize(p)})`, `1 to ${poolSize(p)}`);
  },
  imageBytes: (p) => Mempool.memsize(configOf(p)) + 4096,
  actors: (p) => Array<string>(p.lcores).fill('lcore'),
  setup(arena, mem, p) {
    const words = Math.max(1, p.eltSize >> 2);
    const pool = Mempool.create(arena, mem, 'stress', { ...configOf(p), obj_init: freePatternInit(mem, words) });
    return { pool: pool.ref, words };
  },
  roles: { lcore: lcoreRole },
  history: { spec: () => bagSpec() },
  check({ mem, state: s, counter, roles }) {
    const mp = new Mempool(mem, s.pool, -1);
    const ownership = new Violations();
    objectsFree(mem, mp, s.words, ownership);
    let got = 0;
    let put = 0;
    roles.forEach((_, a) => {
      got += counter(a, 'got');
      put += counter(a, 'put');
    });
    const conservation = mp.conservation(0);
    if (got !== put) conservation.push({ message: `lcores got ${got} objects and put back ${put}`, where: `mempool ${mp.name}` });
    const stats = mp.stats();
    return {
      oracles: [
        ownership.result('ownership'),
        { name: 'conservation', violations: conservation },
        { name: 'audit (caches, cookies, free exactly once)', violations: mp.audit() },
      ],
      notes: [
        `pool: ${mp.size} objects, ${mp.ops_name}, cache ${mp.cache_size} (${mp.algo.name}); ${mp.ops.get_count()} in the common pool, ${mp.avail_count() - mp.ops.get_count()} in caches at the end${mp.algo.name === 'v26' ? `; ${mp.cache_fallbacks()} gets by the fallback (the cache's objects plus the rest from the common pool)` : ''}`,
        `common pool traffic: ${stats.get_common_pool_objs} objects got in ${stats.get_common_pool_bulk} bulks, ${stats.put_common_pool_objs} put in ${stats.put_common_pool_bulk}; ${stats.get_success_objs} objects got by lcores (${stats.get_success_bulk ? ((100 * (1 - stats.get_common_pool_bulk / stats.get_success_bulk)).toFixed(1)) : 0}% of their gets from caches alone)`,
      ],
    };
  },
});
