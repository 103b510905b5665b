import { LINE_WORDS } from '../../shm/arena.js';

/**
 * The deterministic scheduler's block in the image: a header, one cache line per actor, the
 * forced decisions (replay and DFS prefixes), the decision log and the access trace. Word
 * offsets from the block's start; plain numbers, so the block crosses to workers as one index.
 *
 * Only the actor holding the turn token writes the block (the token is handed over with an
 * Atomics store + notify, which orders everything before it), so plain stores suffice inside.
 */
export const H_STATUS = 0;
export const H_HOLDER = 1;
/** Turns granted so far (accesses plus wake-ups): the trace's length. */
export const H_STEP = 2;
/** Choice points logged (decisions with more than one candidate). */
export const H_NDEC = 3;
export const H_ARRIVED = 4;
export const H_STRATEGY = 5;
export const H_SEED = 6;
export const H_NFORCED = 7;
/** Bumped by every access that changes memory (or wakes a waiter): timeouts count against one quiet period. */
export const H_EPOCH = 8;
export const H_NACTORS = 9;
export const H_STEP_BUDGET = 10;
export const H_MAX_STEPS = 11;
export const H_MAX_DEC = 12;
export const H_CULPRIT = 13;
/** PCT: the next priority handed to an actor that yields (pause), below every other. */
export const H_FLOOR = 14;
export const H_NCHANGE = 15;
export const H_STOP_ON_FORBIDDEN = 16;
/** Sequence of blocking waits, so notify wakes in FIFO order as Atomics.notify does. */
export const H_WAITSEQ = 17;
/** The actors that serve (loop until the stop flag), as a mask; the control block's stop word. */
export const H_SERVES = 18;
export const H_STOP_WORD = 19;
/**
 * Set once an actor overran its step budget: from then on every choice is round-robin (a fair
 * schedule), with the budget doubled; only an actor that overruns that is STALE.
 */
export const H_FAIR = 20;
/** Set once the scheduler raised the stop flag for the serving actors (not an abort). */
export const H_RELEASED = 21;
/** A forced decision that names an actor who cannot go takes the default instead (shrinking's edited schedules). */
export const H_LENIENT = 22;
/** The memory model of plain accesses: an index in MEMORY_MODES (0: sc). */
export const H_MEMORY = 23;
/** Word index of the store buffers (StoreBuffers) under a weak memory model. */
export const H_SB_BASE = 24;
/**
 * `memrace step` (src/lab/step.ts): set when the run is stepped. The focus actor runs until its
 * op counter reaches the target (others only while it cannot go), then the holder pauses on
 * H_PAUSE until the main thread sets the next focus; focus -1: no pause, round-robin. The rotor
 * is the last actor that ran in the focus's place.
 */
export const H_STEPPING = 26;
export const H_ROTOR = 27;
export const H_FOCUS = 28;
export const H_TARGET = 29;
export const H_PAUSE = 30;
export const H_CHANGE = 32;
export const MAX_CHANGE_POINTS = 32;
export const A_BASE = H_CHANGE + MAX_CHANGE_POINTS;
export const A_WORDS = LINE_WORDS;
/** Candidates are a 31-bit mask. */
export const MAX_ACTORS = 31;

/** Per-actor record. */
export const R_STATE = 0;
export const R_GO = 1;
export const R_KIND = 2;
export const R_ADDR = 3;
export const R_EXPECT = 4;
export const R_TIMED = 5;
export const R_WAKE = 6;
export const R_STEPS = 7;
export const R_PRIO = 8;
export const R_WAITSEQ = 9;
/** The epoch of this actor's last timeout, and how many it has had in that epoch. */
export const R_QUIET_EPOCH = 10;
export const R_QUIET = 11;

/** Actor states. */
export const A_RUNNING = 0;
export const A_PENDING = 1;
export const A_BLOCKED = 2;
export const A_DONE = 3;
/** Their names, indexed by the values above. */
export const ACTOR_STATE_NAMES = ['running', 'pending', 'blocked', 'done'] as const;

/** How a blocked wait ended. */
export const WAKE_NOTIFIED = 1;
export const WAKE_TIMED_OUT = 2;

/** Run status. */
export const ST_RUNNING = 0;
export const ST_FINISHED = 1;
export const ST_DEADLOCK = 2;
export const ST_STALE = 3;
export const ST_ABORTED = 4;
export const ST_FORBIDDEN = 5;
export const ST_DIVERGED = 6;
export const STATUS_NAMES = ['running', 'finished', 'deadlock', 'stale', 'aborted', 'forbidden', 'diverged'] as const;

export const STRATEGIES = ['random', 'pct', 'dfs'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** Access kinds, as the trace names them. */
export const ACCESS_KINDS = [
  'none', 'load', 'store', 'add', 'sub', 'and', 'or', 'exchange', 'cas', 'wait', 'notify',
  'read', 'write', 'load64', 'store64', 'cas64', 'pause', 'wake', 'end', 'flush',
] as const;
export const K = Object.fromEntries(ACCESS_KINDS.map((k, i) => [k, i])) as Record<(typeof ACCESS_KINDS)[number], number>;

/** Decision log entry: chosen, candidate mask, default | HOLDER_BIT (the holder was a candidate), the trace step it was taken at. */
export const DEC_WORDS = 4;
export const DEC_HOLDER = 0x100;
/** Trace entry: actor | kind << 8 | op << 16 (the actor's last ctx.op), address, value, arg, arg2. */
export const TRACE_WORDS = 5;
/** Timeouts of the oldest waiter with nothing changing, before a still state is called a deadlock. */
export const QUIET_PER_ACTOR = 3;

export interface BlockShape {
  actors: number;
  maxSteps: number;
  maxDecisions: number;
}

/** Where the forced decisions and the decision log start, from numbers (decide reads them from the header, allocation-free). */
export const forcedAt = (actors: number) => A_BASE + A_WORDS * actors;
export const decAt = (actors: number, maxDecisions: number) => forcedAt(actors) + maxDecisions;
export const forcedBase = (s: BlockShape) => forcedAt(s.actors);
export const decBase = (s: BlockShape) => decAt(s.actors, s.maxDecisions);
export const traceBase = (s: BlockShape) => decBase(s) + DEC_WORDS * s.maxDecisions;
export const blockWords = (s: BlockShape) => traceBase(s) + TRACE_WORDS * s.maxSteps;
