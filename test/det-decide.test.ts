import { describe, expect, it } from 'vitest';
import {
  A_BASE, A_DONE, A_PENDING, A_WORDS, DEC_HOLDER, DEC_WORDS, H_FLOOR, H_HOLDER, H_MAX_DEC, H_NACTORS, H_NDEC, H_NFORCED, H_STATUS, H_STRATEGY, K,
  R_KIND, R_PRIO, R_STATE, ST_DIVERGED, ST_RUNNING, STRATEGIES, type StrategyName, blockWords, decBase, forcedBase,
} from '../src/lab/det/block.js';
import { decide } from '../src/lab/det/decide.js';

/**
 * The scheduler's choice, on a hand-made block: every actor pending at the access kind
 * given, `holder` holding the turn. The counters area (forbidden outcomes) sits after the
 * block and stays zero.
 */
function block(strategy: StrategyName, kinds: Array<keyof typeof K>, holder: number) {
  const shape = { actors: kinds.length, maxSteps: 16, maxDecisions: 16 };
  const words = blockWords(shape);
  const i32 = new Int32Array(words + 32 * kinds.length);
  i32[H_STATUS] = ST_RUNNING;
  i32[H_NACTORS] = kinds.length;
  i32[H_MAX_DEC] = shape.maxDecisions;
  i32[H_STRATEGY] = STRATEGIES.indexOf(strategy);
  i32[H_HOLDER] = holder;
  kinds.forEach((k, a) => {
    i32[A_BASE + a * A_WORDS + R_STATE] = A_PENDING;
    i32[A_BASE + a * A_WORDS + R_KIND] = K[k];
  });
  /** The last decision's chosen actor, candidate mask and default (its trace step left out). */
  const lastDecision = () => {
    const at = decBase(shape) + DEC_WORDS * (i32[H_NDEC] - 1);
    return Array.from(i32.subarray(at, at + 3));
  };
  return { i32, shape, words, lastDecision };
}

describe('the deterministic scheduler\'s choice (DFS default, PCT priorities, forced prefixes)', () => {
  it('DFS lets the holder go on at an ordinary access: its default is the holder, no preemption', () => {
    const { i32, words, lastDecision } = block('dfs', ['load', 'cas', 'store'], 1);
    expect(decide(i32, 0, 1, words)).toBe(1);
    expect(lastDecision()).toEqual([1, 0b111, 1 | DEC_HOLDER]);
  });

  it('a pause is a free yield: the default after a holder\'s pause is the next actor round-robin, so a spinner costs no preemption', () => {
    const { i32, words, lastDecision } = block('dfs', ['load', 'pause', 'store'], 1);
    expect(decide(i32, 0, 1, words)).toBe(2);
    expect(lastDecision()).toEqual([2, 0b111, 2 | DEC_HOLDER]);
    // From the last actor it wraps to the first, skipping an actor that is done.
    const w = block('dfs', ['load', 'store', 'pause'], 2);
    w.i32[A_BASE + R_STATE] = A_DONE;
    expect(decide(w.i32, 0, 2, w.words)).toBe(1);
    // Alone, a pausing holder goes on (no choice, nothing logged).
    const alone = block('dfs', ['pause', 'load'], 0);
    alone.i32[A_BASE + A_WORDS + R_STATE] = A_DONE;
    expect(decide(alone.i32, 0, 0, alone.words)).toBe(0);
    expect(alone.i32[H_NDEC]).toBe(0);
  });

  it('PCT runs the highest priority, and a pausing actor drops below every other', () => {
    const { i32, words } = block('pct', ['load', 'pause', 'store'], 1);
    [i32[A_BASE + R_PRIO], i32[A_BASE + A_WORDS + R_PRIO], i32[A_BASE + 2 * A_WORDS + R_PRIO]] = [5, 9, 7];
    i32[H_FLOOR] = 0;
    expect(decide(i32, 0, 1, words)).toBe(2);
    expect(i32[A_BASE + A_WORDS + R_PRIO]).toBe(-1);
    // The same block with actor 1 at a load keeps its priority and runs.
    const b = block('pct', ['load', 'load', 'store'], 1);
    [b.i32[A_BASE + R_PRIO], b.i32[A_BASE + A_WORDS + R_PRIO], b.i32[A_BASE + 2 * A_WORDS + R_PRIO]] = [5, 9, 7];
    expect(decide(b.i32, 0, 1, b.words)).toBe(1);
  });

  it('takes a forced decision as given, and ends the run DIVERGED when the forced actor cannot go', () => {
    const { i32, shape, words } = block('dfs', ['load', 'load', 'load'], 0);
    i32[H_NFORCED] = 2;
    i32[forcedBase(shape)] = 2;
    i32[forcedBase(shape) + 1] = 2;
    expect(decide(i32, 0, 0, words)).toBe(2);
    i32[A_BASE + 2 * A_WORDS + R_STATE] = A_DONE;
    expect(decide(i32, 0, 2, words)).toBe(-1);
    expect(i32[H_STATUS]).toBe(ST_DIVERGED);
  });
});
