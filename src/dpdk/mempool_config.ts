import { EINVAL } from '../errors.js';
import { align32pow2 } from '../core/bits.js';
import { CACHE_ALGO_IMPLS } from './mempool_cache.js';
import {
  CACHE_ALGOS, CACHE_WORDS, HDR_BYTES, MEMHDR_WORDS, MEM_LIST_CAP, P_WORDS, RTE_MAX_LCORE, RTE_MEMPOOL_CACHE_MAX_SIZE, RTE_MEMPOOL_F_NO_CACHE_ALIGN,
  RTE_MEMPOOL_F_SC_GET, RTE_MEMPOOL_F_SP_PUT, RTE_MEMPOOL_VALID_USER_FLAGS, STAT_WORDS, TLR_BYTES, type CacheAlgoName,
} from './mempool_layout.js';
import { opsIndexOf, type MempoolOpsName } from './mempool_ops.js';
import type { PoolMemoryProvider } from './mempool_memory.js';
import { Ring } from './ring.js';
import { RteError } from './rte_errno.js';
import { TAILQ_HEAD_BYTES } from './tailq.js';

/** The pool as obj_init sees it: its base word (mbuf headers name their pool by it) and private area. */
export interface PoolInitView {
  readonly base: number;
  get_priv(): number;
}

/** rte_mempool_create's arguments, plus what DPDK fixes at build time (debug, RTE_MAX_LCORE). */
export interface MempoolConfig {
  n: number;
  elt_size: number;
  /** Per-lcore cache size; 0 disables the caches. @default 0 */
  cache_size?: number;
  /** @default 0 */
  private_data_size?: number;
  /** @default -1 (SOCKET_ID_ANY) */
  socket_id?: number;
  /** The backend; left out, the flags choose it as rte_mempool_create does (SP_PUT, SC_GET: ring_sp_sc, ring_sp_mc, ring_mp_sc, else ring_mp_mc). */
  ops_name?: MempoolOpsName;
  /** @default 'classic' */
  cache_algo?: CacheAlgoName;
  /** Header and trailer cookies checked on every get and put (RTE_LIBRTE_MEMPOOL_DEBUG). @default false */
  debug?: boolean;
  /** RTE_MEMPOOL_F_* flags an application may pass (RTE_MEMPOOL_VALID_USER_FLAGS); any other bit is EINVAL. @default 0 */
  flags?: number;
  /** The lcores that get a default cache (RTE_MAX_LCORE). @default 32 */
  max_lcore?: number;
  /** A broken variant (OPS_VARIANT_*, CACHE_VARIANT_FLUSH_FIRST), for race studies. @default 0 */
  variant?: number;
  /** Pool memory; the arena when left out. */
  memory?: PoolMemoryProvider;
  /** Called once per object at creation (rte_mempool_create's obj_init). */
  obj_init?: (mp: PoolInitView, obj: number, index: number) => void;
}

/** Option names for the errors of checkConfig; a scenario maps them to its flags. */
export type FieldNames = Partial<Record<'n' | 'elt_size' | 'cache_size' | 'cache_algo' | 'ops_name' | 'max_lcore' | 'flags', string>>;

export const DEFAULT_MAX_LCORE = 32;

/** Element sizes as rte_mempool_calc_obj_size computes them (the trailer cookie only in debug mode). */
export function objSize(eltSize: number, flags: number, debug = false): { header: number; elt: number; trailer: number; total: number } {
  const elt = Math.ceil(eltSize / 8) * 8;
  let total = HDR_BYTES + elt + (debug ? TLR_BYTES : 0);
  // Without NO_CACHE_ALIGN every element starts on a cache line; the trailer takes up the slack.
  if (!(flags & RTE_MEMPOOL_F_NO_CACHE_ALIGN)) total = Math.ceil(total / 64) * 64;
  return { header: HDR_BYTES, elt, trailer: total - HDR_BYTES - elt, total };
}

/** rte_mempool_create's choice of backend from SP_PUT and SC_GET. */
export function opsForFlags(flags: number): MempoolOpsName {
  const sp = (flags & RTE_MEMPOOL_F_SP_PUT) !== 0;
  const sc = (flags & RTE_MEMPOOL_F_SC_GET) !== 0;
  return sp && sc ? 'ring_sp_sc' : sp ? 'ring_sp_mc' : sc ? 'ring_mp_sc' : 'ring_mp_mc';
}

/** Bytes of the arena a pool takes (header, caches, stats, backend, and the elements unless they live elsewhere). */
export function mempoolMemsize(cfg: MempoolConfig, withElements = cfg.memory === undefined): number {
  const lcores = cfg.max_lcore ?? DEFAULT_MAX_LCORE;
  const caches = cfg.cache_size ? lcores * CACHE_WORDS * 4 : 0;
  const header = (16 + P_WORDS) * 4 + Math.ceil((cfg.private_data_size ?? 0) / 64) * 64;
  const stats = (lcores + 1) * STAT_WORDS * 4;
  const elems = withElements ? cfg.n * objSize(cfg.elt_size, cfg.flags ?? 0, cfg.debug).total : 0;
  const ops = cfg.ops_name ?? opsForFlags(cfg.flags ?? 0);
  const backend = ops === 'stack' || ops === 'lf_stack' ? (48 + 2 * cfg.n) * 4 : Ring.memsize(align32pow2(cfg.n + 1), 0);
  // The mem list, alignment slack, and the machine's tailq heads (a line).
  return header + caches + stats + elems + backend + MEM_LIST_CAP * MEMHDR_WORDS * 4 + 7 * 64 + TAILQ_HEAD_BYTES;
}

/**
 * rte_mempool_create_empty's checks, in its order (DPDK: NULL with rte_errno EINVAL):
 * n, cache size, user flags. Throws an RteError naming the field.
 */
export function checkMempoolConfig(cfg: MempoolConfig, names: FieldNames = {}): void {
  const f = (k: keyof FieldNames) => names[k] ?? k;
  if (!Number.isInteger(cfg.n) || cfg.n <= 0 || cfg.n > 2 ** 26) throw new RteError(EINVAL, f('n'), `${cfg.n} objects`, 'an integer from 1 to 2^26');
  if (!Number.isInteger(cfg.elt_size) || cfg.elt_size <= 0) throw new RteError(EINVAL, f('elt_size'), `element size ${cfg.elt_size}`, 'a positive number of bytes');
  const lcores = cfg.max_lcore ?? DEFAULT_MAX_LCORE;
  if (!Number.isInteger(lcores) || lcores < 1 || lcores > RTE_MAX_LCORE) throw new RteError(EINVAL, f('max_lcore'), `${lcores} lcores`, `1 to ${RTE_MAX_LCORE}`);
  if (cfg.ops_name !== undefined) opsIndexOf(cfg.ops_name, f('ops_name'));
  const cache = cfg.cache_size ?? 0;
  if (!Number.isInteger(cache) || cache < 0 || cache > RTE_MEMPOOL_CACHE_MAX_SIZE) {
    throw new RteError(EINVAL, f('cache_size'), `cache size ${cache}`, `0 to ${RTE_MEMPOOL_CACHE_MAX_SIZE} (RTE_MEMPOOL_CACHE_MAX_SIZE)`);
  }
  const algoIndex = CACHE_ALGOS.indexOf(cfg.cache_algo ?? 'classic');
  if (algoIndex < 0) throw new RteError(EINVAL, f('cache_algo'), `unknown cache algorithm '${cfg.cache_algo}'`, CACHE_ALGOS.join(', '));
  const algo = CACHE_ALGO_IMPLS[algoIndex];
  if (algo.minPoolSize(cache) > cfg.n) {
    const byThreshold = algo.name !== 'v26';
    const rule = byThreshold ? '1.5 x cache size <= n' : 'cache size <= n';
    throw new RteError(EINVAL, f('cache_size'), `a ${algo.name} cache of ${cache} needs a pool of at least ${algo.minPoolSize(cache)}, this one has ${cfg.n}`, `${rule}: at most ${byThreshold ? Math.floor((cfg.n * 2) / 3) : cfg.n}`);
  }
  const flags = cfg.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~RTE_MEMPOOL_VALID_USER_FLAGS) !== 0) {
    throw new RteError(EINVAL, f('flags'), `0x${flags.toString(16)} has bits outside RTE_MEMPOOL_VALID_USER_FLAGS`, 'NO_SPREAD 0x1, NO_CACHE_ALIGN 0x2, SP_PUT 0x4, SC_GET 0x8, NO_IOVA_CONTIG 0x20');
  }
}
