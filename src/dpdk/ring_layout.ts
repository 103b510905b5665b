/**
 * Word offsets of an rte_ring in the image, from its base (cache-line aligned), in struct
 * rte_ring's order: line 0 the constants, then an empty line (RTE_CACHE_GUARD, pad0 before
 * 23.07), line 2 the producer's head/tail, an empty line, line 4 the consumer's, an empty
 * line, and the slots from line 6. The empty lines keep the two sides, and the consumer side
 * and the first slots, off each other's lines and off the pair of lines that an adjacent-line
 * prefetcher fetches together. Within a side, as in DPDK's union of headtail layouts, the
 * tail position sits at the same word (+3) in every sync mode: the opposite side reads it
 * without knowing this side's mode.
 *
 *   +2,+3  MP/SP: head, tail      RTS: tail {cnt, pos}      HTS: {head, tail} as one 64-bit word
 *   +4,+5  RTS: head {cnt, pos}
 *   +6     1 while a thread may be asleep on this side's tail (Mem.waitFlagged): its publisher wakes it
 */
export const R_SIZE = 0;
export const R_MASK = 1;
export const R_CAPACITY = 2;
export const R_FLAGS = 3;
export const R_ESIZE_WORDS = 4;
export const R_VARIANT = 5;
/** The ring's rte_ring_tailq entry (next, then the name): words 7 to 15 of line 0. */
export const R_TAILQ = 7;
export const R_PROD = 32;
export const R_CONS = 64;
export const R_SLOTS = 96;

/** Offsets inside a side (prod or cons). */
export const HT_SYNC = 0;
export const HT_HTD_MAX = 1;
export const HT_HEAD = 2;
export const HT_TAIL = 3;
export const HT_RTS_HEAD = 4;
export const HT_SLEEP_FLAG = 6;

/** Sync types, as DPDK's enum rte_ring_sync_type. */
export const RING_SYNC_MT = 0;
export const RING_SYNC_ST = 1;
export const RING_SYNC_MT_RTS = 2;
export const RING_SYNC_MT_HTS = 3;

/** Creation flags, with DPDK's values. */
export const RING_F_SP_ENQ = 0x1;
export const RING_F_SC_DEQ = 0x2;
export const RING_F_EXACT_SZ = 0x4;
export const RING_F_MP_RTS_ENQ = 0x8;
export const RING_F_MC_RTS_DEQ = 0x10;
export const RING_F_MP_HTS_ENQ = 0x20;
export const RING_F_MC_HTS_DEQ = 0x40;
/** RING_F_MASK: every flag rte_ring_init accepts; any other bit is -EINVAL. */
export const RING_F_MASK = 0x7f;
/** DPDK's RTE_RING_SZ_MASK: the largest count. */
export const RING_SZ_MASK = 0x7fffffff;
/** Default head-tail distance limit of an RTS ring: capacity / 8. */
export const RTS_HTD_MAX_DIV = 8;

/** Broken variants, kept beside the correct code and never the default. */
export const VARIANT_NONE = 0;
/** MP/MC: publish the tail without waiting for earlier producers (consumers) to finish. */
export const VARIANT_NO_TAIL_WAIT = 1;
/** Dequeue copies its reserved slots last-first: every object leaves, out of FIFO order. */
export const VARIANT_REORDER = 2;
/**
 * The tail is published with a plain store: no release, as if DPDK's generic ring lost
 * the rte_smp_wmb() before its tail update. Right under SC and TSO (x86 keeps stores in
 * order); on Arm the tail can become visible before the slots it publishes.
 */
export const VARIANT_PLAIN_TAIL = 3;

/** Producer sync modes by name, as the CLI and DPDK's docs spell them. */
export const PROD_MODES = ['SP', 'MP', 'MT_RTS', 'MT_HTS'] as const;
export const CONS_MODES = ['SC', 'MC', 'MT_RTS', 'MT_HTS'] as const;
export type ProdMode = (typeof PROD_MODES)[number];
export type ConsMode = (typeof CONS_MODES)[number];

export const SYNC_NAMES = ['MT', 'ST', 'MT_RTS', 'MT_HTS'] as const;

export function ringFlags(prod: ProdMode, cons: ConsMode, exact = false): number {
  let f = exact ? RING_F_EXACT_SZ : 0;
  if (prod === 'SP') f |= RING_F_SP_ENQ;
  else if (prod === 'MT_RTS') f |= RING_F_MP_RTS_ENQ;
  else if (prod === 'MT_HTS') f |= RING_F_MP_HTS_ENQ;
  if (cons === 'SC') f |= RING_F_SC_DEQ;
  else if (cons === 'MT_RTS') f |= RING_F_MC_RTS_DEQ;
  else if (cons === 'MT_HTS') f |= RING_F_MC_HTS_DEQ;
  return f;
}

export function prodSyncOf(flags: number): number {
  if (flags & RING_F_SP_ENQ) return RING_SYNC_ST;
  if (flags & RING_F_MP_RTS_ENQ) return RING_SYNC_MT_RTS;
  if (flags & RING_F_MP_HTS_ENQ) return RING_SYNC_MT_HTS;
  return RING_SYNC_MT;
}

export function consSyncOf(flags: number): number {
  if (flags & RING_F_SC_DEQ) return RING_SYNC_ST;
  if (flags & RING_F_MC_RTS_DEQ) return RING_SYNC_MT_RTS;
  if (flags & RING_F_MC_HTS_DEQ) return RING_SYNC_MT_HTS;
  return RING_SYNC_MT;
}
