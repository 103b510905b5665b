import { BAG_GET } from '../lab/history/specs/bag.js';
import type { Mempool } from '../dpdk/mempool.js';
import type { PoolInitView } from '../dpdk/mempool_config.js';
import { type OutcomeSpec, Violations } from '../lab/scenario.js';
import type { ActorContext } from '../runtime/context.js';
import type { Mem } from '../shm/mem.js';

/**
 * How the mempool scenarios prove ownership, after DPDK's ring-stress pattern: a free
 * object carries FREE_PATTERN in every word; an lcore that got it takes its first word by
 * CAS from the pattern (an object handed to two lcores at once fails the CAS on the
 * second), stamps the rest, re-checks the stamps after stamping the whole bulk and
 * restores the pattern before putting it back. A word that changes under its owner shows
 * a second writer even when the CAS was dodged.
 */
export const FREE_PATTERN = 0x0f2ee0f2;
export const stampOf = (lcore: number) => (0x5a000000 | ((lcore + 1) << 12)) | 0;

/** Outcome codes, the first entries of every such scenario's outcomes (OBJECT_OUTCOMES). */
export const O_OK = 0;
export const O_EMPTY = 1;
export const O_DUPLICATE = 2;
export const O_DIRTY = 3;
export const O_STOLEN = 4;

export const OBJECT_OUTCOMES: readonly OutcomeSpec[] = [
  { id: 'ok', grade: 'ACCEPTABLE', description: 'object owned by one lcore from get to put, pattern intact' },
  { id: 'empty', grade: 'ACCEPTABLE_INTERESTING', description: 'get_bulk returned -ENOENT (common pool short; other caches may hold objects)' },
  { id: 'duplicate', grade: 'FORBIDDEN', description: 'got an object another lcore owns (its ownership word was not the free pattern)' },
  { id: 'dirty', grade: 'FORBIDDEN', description: 'a free object did not carry the free pattern: someone wrote it after putting it' },
  { id: 'stolen', grade: 'FORBIDDEN', description: "an object's stamp changed while its lcore owned it" },
];

/** obj_init for such pools: every word of the object the free pattern. */
export function freePatternInit(mem: Mem, words: number): (mp: PoolInitView, obj: number) => void {
  return (_mp, obj) => {
    for (let w = 0; w < words; w++) mem.store(obj + w, FREE_PATTERN);
  };
}

/**
 * Own, stamp, re-check and restore the k objects got into `buf`; the ones owned land in
 * `owned`, ready to put back. Counts ok and forbidden outcomes; returns how many it owned.
 */
export function touchBulk(ctx: Pick<ActorContext, 'outcome'>, mem: Mem, buf: Int32Array, k: number, owned: Int32Array, words: number, stamp: number): number {
  let m = 0;
  for (let i = 0; i < k; i++) {
    const obj = buf[i];
    if (mem.compareExchange(obj, FREE_PATTERN, stamp) !== FREE_PATTERN) {
      ctx.outcome(O_DUPLICATE);
      continue;
    }
    let dirty = false;
    for (let w = 1; w < words; w++) if (mem.load(obj + w) !== FREE_PATTERN) dirty = true;
    if (dirty) ctx.outcome(O_DIRTY);
    for (let w = 1; w < words; w++) mem.store(obj + w, stamp);
    owned[m++] = obj;
  }
  let ok = 0;
  for (let i = 0; i < m; i++) {
    const obj = owned[i];
    let stolen = false;
    for (let w = 0; w < words; w++) if (mem.load(obj + w) !== stamp) stolen = true;
    if (stolen) ctx.outcome(O_STOLEN);
    else ok++;
    for (let w = words - 1; w >= 0; w--) mem.store(obj + w, FREE_PATTERN);
  }
  ctx.outcome(O_OK, ok);
  return m;
}

/** The ownership oracle at the end: every object of the pool back to the free pattern. */
export function objectsFree(mem: Mem, mp: Mempool, words: number, out: Violations): void {
  mp.obj_iter((obj, i) => {
    for (let w = 0; w < words; w++) {
      if (mem.load(obj + w) !== FREE_PATTERN) {
        out.add(`${mp.name} object ${i} word ${w} holds ${(mem.load(obj + w) >>> 0).toString(16)}, not the free pattern, after every lcore returned`, `obj ${obj}`);
        break;
      }
    }
  });
}

/**
 * An lcore's get: rte_mempool_get_bulk timed as one operation. An empty pool is counted
 * (outcome O_EMPTY, the scenario's counter `kEmpty`), and after 8 misses in a row the lcore
 * sleeps briefly on the pool's first word: other lcores hold the objects, let them run.
 */
export class BulkGetter {
  private misses = 0;

  constructor(
    private readonly ctx: Pick<ActorContext, 'op' | 'begin' | 'end' | 'outcome' | 'count' | 'history'>,
    private readonly mem: Mem,
    private readonly opGet: number,
    private readonly kEmpty: number,
  ) {}

  /** True when all k objects were got into buf. */
  get(mp: Mempool, buf: Int32Array, k: number): boolean {
    const ctx = this.ctx;
    ctx.op(this.opGet);
    ctx.begin();
    ctx.history?.invoke1(BAG_GET, k);
    const ret = mp.get_bulk(buf, k);
    ctx.history?.respond(buf, ret === 0 ? k : 0);
    ctx.end();
    if (ret === 0) {
      this.misses = 0;
      return true;
    }
    ctx.outcome(O_EMPTY);
    ctx.count(this.kEmpty);
    if (++this.misses > 8) this.mem.wait(mp.base, this.mem.load(mp.base), 0.05);
    return false;
  }
}
