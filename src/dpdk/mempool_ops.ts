import { EINVAL, ENOBUFS, ENOENT } from '../errors.js';
import { RteError } from './rte_errno.js';
import { TAILQ_RING, type Tailq } from './tailq.js';
import { align32pow2 } from '../core/bits.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { Ring } from './ring.js';
import { R_TAILQ, VARIANT_NO_TAIL_WAIT, ringFlags, type ConsMode, type ProdMode } from './ring_layout.js';
import { LfStack, StdStack, lfStackAlloc, stackAlloc } from './mempool_stack.js';
import type { MempoolOps, OpsStats } from './mempool_backend.js';

export type { MempoolOps, OpsStats } from './mempool_backend.js';

/** The drivers DPDK registers (drivers/mempool/ring and drivers/mempool/stack), by ops index. */
export const MEMPOOL_OPS_NAMES = ['ring_mp_mc', 'ring_sp_sc', 'ring_mp_sc', 'ring_sp_mc', 'ring_mt_rts', 'ring_mt_hts', 'stack', 'lf_stack'] as const;
export type MempoolOpsName = (typeof MEMPOOL_OPS_NAMES)[number];

const RING_MODES: Record<string, [ProdMode, ConsMode]> = {
  ring_mp_mc: ['MP', 'MC'],
  ring_sp_sc: ['SP', 'SC'],
  ring_mp_sc: ['MP', 'SC'],
  ring_sp_mc: ['SP', 'MC'],
  ring_mt_rts: ['MT_RTS', 'MT_RTS'],
  ring_mt_hts: ['MT_HTS', 'MT_HTS'],
};

/** Backend variants: broken on purpose, never the default. */
export const OPS_VARIANT_NONE = 0;
/** MP/MC ring: a tail published before earlier threads of its side finished (the ring's own broken variant). */
export const OPS_VARIANT_NO_TAIL_WAIT = 1;
/** `stack`: the spinlock left out. */
export const OPS_VARIANT_UNLOCKED = 2;

/** rte_mempool_set_ops_byname's lookup: the ops index of a name; an RteError with EINVAL for an unknown one. */
export function opsIndexOf(name: string, field = 'ops_name'): number {
  const i = (MEMPOOL_OPS_NAMES as readonly string[]).indexOf(name);
  if (i < 0) throw new RteError(EINVAL, field, `unknown mempool ops '${name}'`, MEMPOOL_OPS_NAMES.join(', '));
  return i;
}

/**
 * ops->alloc: build the backend for a pool of n objects; returns its base word. The ring
 * has align32pow2(n + 1) slots, as DPDK's ring driver sizes it, so it can never fill.
 */
export function opsAlloc(arena: Arena, mem: Mem, poolName: string, ops: number, n: number, variant: number): number {
  const name = MEMPOOL_OPS_NAMES[ops];
  if (name === 'stack') return stackAlloc(arena, mem, `MP_${poolName}`, n);
  if (name === 'lf_stack') return lfStackAlloc(arena, mem, `MP_${poolName}`, n);
  const [prod, cons] = RING_MODES[name];
  const ring = Ring.create(arena, mem, `MP_${poolName}`, align32pow2(n + 1), ringFlags(prod, cons), {
    variant: variant === OPS_VARIANT_NO_TAIL_WAIT ? VARIANT_NO_TAIL_WAIT : 0,
  });
  return ring.ref.base;
}

/** ops->free's naming half: a ring backend leaves the ring list, so "MP_<pool>" is free again. */
export function opsRelease(tailq: Tailq, ops: number, base: number): void {
  if (MEMPOOL_OPS_NAMES[ops] in RING_MODES) tailq.remove(TAILQ_RING, base + R_TAILQ);
}

/** The backend of a pool not yet populated: nothing to get, nowhere to put. */
export const NO_BACKEND: MempoolOps = {
  enqueue_bulk: () => -ENOBUFS,
  dequeue_bulk: () => -ENOENT,
  get_count: () => 0,
  forEach: () => {},
  stats: { casRetries: 0, spins: 0, waits: 0 },
};

/** A ring as a mempool backend. */
class RingOps implements MempoolOps {
  constructor(
    private readonly mem: Mem,
    readonly ring: Ring,
  ) {}
  enqueue_bulk(objs: Int32Array, n: number, off: number): number {
    return this.ring.enqueue_bulk(objs, n, off) === n ? 0 : -ENOBUFS;
  }
  dequeue_bulk(out: Int32Array, n: number, off: number): number {
    return this.ring.dequeue_bulk(out, n, off) === n ? 0 : -ENOENT;
  }
  get_count(): number {
    return this.ring.count();
  }
  forEach(fn: (obj: number) => void): void {
    const r = this.ring;
    const used = r.count();
    const tail = r.cons.tail();
    for (let i = 0; i < used; i++) fn(this.mem.load(r.slots + ((tail + i) & r.mask)));
  }
  get stats(): OpsStats {
    return this.ring.stats;
  }
}

/** Re-attach a pool's backend in this thread. `owner` names the holder in lock words. */
export function opsAttach(mem: Mem, poolName: string, ops: number, base: number, variant: number, owner: number): MempoolOps {
  const name = MEMPOOL_OPS_NAMES[ops];
  if (name === 'stack') return new StdStack(mem, base, owner, variant === OPS_VARIANT_UNLOCKED);
  if (name === 'lf_stack') return new LfStack(mem, base);
  return new RingOps(mem, new Ring(mem, { name: `MP_${poolName}`, base }));
}
