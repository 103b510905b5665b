import { K, TRACE_WORDS } from './block.js';
import type { Decision } from './engine.js';

/** Accesses that only look: two of them commute, whatever their words. */
const READS = new Set<number>([K.load, K.read, K.load64, K.wait]);
/** Accesses that touch no shared word (a wake-up reads the waiter's own record: the notify decided it). */
const LOCAL = new Set<number>([K.pause, K.end, K.none, K.wake]);

/** An access as the trace holds it: kind and word (a 64-bit access names its pair's even word). */
interface Access {
  kind: number;
  addr: number;
}

const wide = (k: number) => k === K.load64 || k === K.store64 || k === K.cas64;

/** Two accesses commute: different words, or both only read, or either touches nothing shared. */
export function independent(a: Access | undefined, b: Access | undefined): boolean {
  if (!a || !b) return false;
  if (LOCAL.has(a.kind) || LOCAL.has(b.kind)) return true;
  if (READS.has(a.kind) && READS.has(b.kind)) return true;
  const pa = wide(a.kind) || wide(b.kind) ? a.addr >> 1 : a.addr;
  const pb = wide(a.kind) || wide(b.kind) ? b.addr >> 1 : b.addr;
  return pa !== pb;
}

export interface SleepSets {
  /** The sleep set before each decision, as a mask of actors. */
  sleep: number[];
  /**
   * The first decision whose chosen actor was asleep: the run below it only repeats
   * interleavings already covered, so DFS backtracks at or above it. decisions.length when none.
   */
  cut: number;
}

/**
 * Sleep sets (Godefroid) along one run: an actor whose schedules from a node were explored
 * (an earlier sibling in DFS order) sleeps in the children as long as the accesses made meanwhile
 * commute with its pending one; a sleeping actor is not branched to. `explored(k)` is the mask
 * of alternatives at decision k tried before the chosen one. An actor's pending access at a
 * decision is the next access the trace shows it make.
 */
export function sleepSets(decisions: readonly Decision[], trace: Int32Array, explored: (k: number) => number): SleepSets {
  const pending = pendingAccesses(decisions, trace);
  const sleep: number[] = [];
  let cur = 0;
  let cut = decisions.length;
  for (let k = 0; k < decisions.length; k++) {
    const d = decisions[k];
    sleep.push(cur);
    if (cut === decisions.length && cur & (1 << d.chosen)) cut = k;
    // Every access made up to the next decision (the chosen one's, and those of turns with one
    // candidate) must commute with a sleeper's pending access, or the sleeper wakes.
    const until = k + 1 < decisions.length ? decisions[k + 1].step : trace.length / TRACE_WORDS;
    let next = (cur | explored(k)) & ~(1 << d.chosen);
    for (let step = d.step; step < until && next; step++) {
      const t = step * TRACE_WORDS;
      const made = { kind: (trace[t] >> 8) & 0xff, addr: trace[t + 1] };
      for (let a = 0; a < 31; a++) if (next & (1 << a) && !independent(pending[k][a], made)) next &= ~(1 << a);
    }
    cur = next;
  }
  return { sleep, cut };
}

/** For each decision, each actor's next access at or after its step (undefined: none seen). */
function pendingAccesses(decisions: readonly Decision[], trace: Int32Array): Array<Array<Access | undefined>> {
  const steps = trace.length / TRACE_WORDS;
  const next: Array<Access | undefined> = [];
  const out: Array<Array<Access | undefined>> = new Array(decisions.length);
  let s = steps - 1;
  for (let k = decisions.length - 1; k >= 0; k--) {
    for (; s >= decisions[k].step && s >= 0; s--) {
      const t = s * TRACE_WORDS;
      next[trace[t] & 0xff] = { kind: (trace[t] >> 8) & 0xff, addr: trace[t + 1] };
    }
    out[k] = next.slice();
  }
  return out;
}
