import { K, TRACE_WORDS } from '../src/lab/det/block.js';
import type { Decision, DetFailure, DetRun } from '../src/lab/det/engine.js';

/**
 * The bumpers program (sched-probe's, `--ops incs`) run by hand on one thread, as the
 * scheduler would run it on workers: each actor adds 1 to one word `incs` times, as a load
 * then a store, then ends. Whoever holds the turn chooses who makes the next access: a
 * decision is logged wherever several actors could go (candidates: those not ended), the
 * holder being the default when it could go on, else the lowest actor; the forced choices
 * come first, then the holder goes on (DFS's and a shrunk schedule's plan); a forced actor
 * that cannot go takes the default (lenient). An actor's end follows its last store in the
 * same turn. The trace holds the real kinds and values, so dpor.ts reads it as the engine's.
 * The run is a lost update when the shared word ends below its bumpers x incs. `own`: a mask
 * of the actors that bump a word of their own instead (COUNTER + 1 + actor): they race with
 * no one.
 */
export interface Bumped {
  decisions: Decision[];
  trace: Int32Array;
  steps: number;
  failure: DetFailure | null;
}

export const LOST: DetFailure = { kind: 'forbidden', message: "forbidden outcome 'lost'" };
/** The word the bumpers share. */
export const COUNTER = 7;

export function bumpers(actors: number, incs: number, forced: readonly number[], own = 0): Bumped {
  const pc = new Array<number>(actors).fill(0);
  const reg = new Array<number>(actors).fill(0);
  const trace: number[] = [];
  const decisions: Decision[] = [];
  const mem = new Array<number>(actors + 1).fill(0);
  let sharers = 0;
  for (let a = 0; a < actors; a++) if (!(own & (1 << a))) sharers++;
  let holder = -1;
  const log = (a: number, kind: number, addr: number, v: number, arg = 0) => trace.push(a | (kind << 8), addr, v, arg, 0);
  for (;;) {
    let candidates = 0;
    for (let a = 0; a < actors; a++) if (pc[a] < 2 * incs) candidates |= 1 << a;
    if (!candidates) break;
    const holderCould = holder >= 0 && (candidates & (1 << holder)) !== 0;
    const dflt = holderCould ? holder : 31 - Math.clz32(candidates & -candidates);
    let a = dflt;
    if (candidates & (candidates - 1)) {
      const k = decisions.length;
      if (k < forced.length && candidates & (1 << forced[k])) a = forced[k];
      decisions.push({ chosen: a, candidates, dflt, holderCould, step: trace.length / TRACE_WORDS });
    }
    const mine = (own & (1 << a)) !== 0;
    const w = mine ? 1 + a : 0;
    if (pc[a] % 2 === 0) {
      reg[a] = mem[w];
      log(a, K.load, COUNTER + w, mem[w]);
    } else {
      log(a, K.store, COUNTER + w, mem[w], reg[a] + 1);
      mem[w] = reg[a] + 1;
    }
    if (++pc[a] === 2 * incs) log(a, K.end, -1, 0);
    holder = a;
  }
  return { decisions, trace: Int32Array.from(trace), steps: trace.length / TRACE_WORDS, failure: mem[0] < sharers * incs ? LOST : null };
}

/** The same, as the DetRun the strategies and the shrinker read (only these fields). */
export const bumpedRun = (actors: number, incs: number, forced: readonly number[], own = 0) => bumpers(actors, incs, forced, own) as unknown as DetRun;
