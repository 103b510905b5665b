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
  /** nActors * nOutcomes words: outcome counts per actor. */
  outcomes: number;
  nOutcomes: number;
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
  const outcomes = arena.allocWords('actors.outcomes', Math.max(1, actors * nOutcomes));
  return { control, ...regions, outcomes, nOutcomes, actors };
}

/** Bytes the control block needs, to size an image. */
export function controlBytes(actors: number, nOutcomes: number): number {
  return 64 * (4 + actors * 2 + Math.ceil((actors * 40 * 4) / 64) + Math.ceil((actors * nOutcomes * 4) / 64) + 4);
}
