import type { Arena } from '../shm/arena.js';
import { LINE_WORDS } from '../shm/arena.js';
import { allocCounters, type CounterRegions } from '../shm/counters.js';

/**
 * The runtime's own words in the image: a start barrier, the go and stop flags, and each
 * actor's counter slots, latency histogram and outcome counts. Word indices only, so it
 * crosses to workers as plain data.
 */
export interface ControlLayout extends CounterRegions {
  /** Start of the control lines: READY, GO, STOP and the stride rendezvous each on their own line. */
  control: number;
  /** Outcome counts, `outcomeStride` words per actor so that no two actors share a line. */
  outcomes: number;
  nOutcomes: number;
  outcomeStride: number;
  actors: number;
}

export const READY = 0;
export const GO = LINE_WORDS;
export const STOP = 2 * LINE_WORDS;
/** Stride rendezvous (ActorContext.stopped): arrivals, and the actors taking part. */
export const STRIDE_ARRIVED = 3 * LINE_WORDS;
export const STRIDE_ACTORS = 3 * LINE_WORDS + 1;

export function allocControl(arena: Arena, actors: number, nOutcomes: number): ControlLayout {
  const control = arena.allocWords('runtime.control', 4 * LINE_WORDS);
  const regions = allocCounters(arena, actors);
  const outcomeStride = Math.max(1, Math.ceil(nOutcomes / LINE_WORDS)) * LINE_WORDS;
  const outcomes = arena.allocWords('actors.outcomes', actors * outcomeStride);
  return { control, ...regions, outcomes, nOutcomes, outcomeStride, actors };
}

/** Bytes the control block needs, to size an image. */
export function controlBytes(actors: number, nOutcomes: number): number {
  return 64 * (4 + actors * 2 + Math.ceil((actors * 40 * 4) / 64) + actors * Math.max(1, Math.ceil(nOutcomes / LINE_WORDS)) + 4);
}
