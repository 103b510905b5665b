import { Arena } from './arena.js';

/**
 * Per-actor counter slots: 32 words (two cache lines) per actor, written only by their
 * actor with plain atomic stores and read live by the main thread (progress, watchdog).
 * Words 0..15 are the runtime's; 16..31 are the scenario's own, named in its `counters`.
 */
export const SLOT_WORDS = 32;
export const C_OPS = 0;
export const C_STATE = 1;
export const C_LAST_OP = 2;
export const C_CAS_RETRIES = 3;
export const C_SPINS = 4;
export const C_WAITS = 5;
export const C_FORBIDDEN = 6;
export const C_INTERESTING = 7;
/** Deterministic engine: the longest time (ms) the actor ran between two scheduling points, or before its first. */
export const C_LONGEST_GAP_MS = 8;
/** First word of the scenario's own counters. */
export const C_CUSTOM = 16;
export const CUSTOM_COUNTERS = SLOT_WORDS - C_CUSTOM;

/** Actor states in C_STATE. */
export const S_NEW = 0;
export const S_READY = 1;
export const S_RUNNING = 2;
export const S_DONE = 3;
export const S_CRASHED = 4;
export const STATE_NAMES = ['new', 'ready', 'running', 'done', 'crashed'] as const;

/** Latency histogram: bucket b counts sampled operations that took [2^b, 2^(b+1)) ns. */
export const LAT_BUCKETS = 40;

export interface CounterRegions {
  counters: number;
  latency: number;
}

export function allocCounters(arena: Arena, actors: number): CounterRegions {
  return {
    counters: arena.allocWords('actors.counters', actors * SLOT_WORDS),
    latency: arena.allocWords('actors.latency', actors * LAT_BUCKETS),
  };
}

/** Word index of one counter of one actor. */
export function counterWord(regions: Pick<CounterRegions, 'counters'>, actor: number, field: number): number {
  return regions.counters + actor * SLOT_WORDS + field;
}

/** The name of the operation actor `a` last recorded (ActorContext.op), for crash, hang and position reports. */
export function lastOpName(i32: Int32Array, regions: Pick<CounterRegions, 'counters'>, a: number, opNames: readonly string[]): string {
  return opNames[i32[counterWord(regions, a, C_LAST_OP)]] ?? 'start';
}

/** The bucket of a latency in nanoseconds. */
export function latencyBucket(ns: number): number {
  if (ns < 1) return 0;
  const b = 31 - Math.clz32(ns > 0x7fffffff ? 0x7fffffff : ns | 0);
  return b < LAT_BUCKETS ? b : LAT_BUCKETS - 1;
}

/** Percentile (0..1) of a log2 histogram, as the upper edge of the bucket it falls in, in ns. */
export function histogramPercentile(hist: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let i = 0; i < hist.length; i++) total += hist[i];
  if (total === 0) return 0;
  const target = Math.max(1, Math.ceil(total * p));
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= target) return 2 ** (i + 1);
  }
  return 2 ** hist.length;
}
