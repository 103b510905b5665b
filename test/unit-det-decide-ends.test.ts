import { describe, expect, it } from 'vitest';
import {
  A_BASE, A_BLOCKED, A_DONE, A_PENDING, A_WORDS, H_CULPRIT, H_EPOCH, H_HOLDER, H_MAX_DEC, H_NACTORS, H_NDEC, H_NFORCED, H_STATUS,
  H_STOP_ON_FORBIDDEN, H_STRATEGY, K, QUIET_PER_ACTOR, R_KIND, R_QUIET, R_QUIET_EPOCH, R_STATE, R_TIMED, R_WAITSEQ, R_WAKE,
  ST_DEADLOCK, ST_DIVERGED, ST_FINISHED, ST_FORBIDDEN, ST_RUNNING, ST_STALE, STRATEGIES, WAKE_TIMED_OUT, blockWords, forcedBase,
} from '../src/lab/det/block.js';
import { decide } from '../src/lab/det/decide.js';
import { C_FORBIDDEN, SLOT_WORDS } from '../src/shm/counters.js';

/**
 * How decide() ends a run, in process (the scheduler runs it in the actor threads): the
 * status it leaves and the culprit the report names (engine.ts: the actor that counted the
 * forbidden outcome, overran its budget or was forced where it cannot go; -1 for none).
 * A hand-made block of DFS actors, each at a load and PENDING unless a test says otherwise;
 * the counters area sits after the block.
 */
function block(n: number, maxDecisions = 16) {
  const shape = { actors: n, maxSteps: 16, maxDecisions };
  const words = blockWords(shape);
  const i32 = new Int32Array(words + SLOT_WORDS * n);
  i32[H_STATUS] = ST_RUNNING;
  i32[H_NACTORS] = n;
  i32[H_MAX_DEC] = maxDecisions;
  i32[H_STRATEGY] = STRATEGIES.indexOf('dfs');
  i32[H_HOLDER] = 0;
  i32[H_CULPRIT] = 99;
  const rec = (a: number) => A_BASE + a * A_WORDS;
  for (let a = 0; a < n; a++) {
    i32[rec(a) + R_STATE] = A_PENDING;
    i32[rec(a) + R_KIND] = K.load;
  }
  const ended = () => [i32[H_STATUS], i32[H_CULPRIT]];
  return { i32, shape, words, rec, ended };
}

describe('how the scheduler ends a run: the status, and the culprit it names', () => {
  it('every actor done: FINISHED, no culprit', () => {
    const { i32, words, rec, ended } = block(2);
    i32[rec(0) + R_STATE] = A_DONE;
    i32[rec(1) + R_STATE] = A_DONE;
    expect(decide(i32, 0, 0, words)).toBe(-1);
    expect(ended()).toEqual([ST_FINISHED, -1]);
  });

  it('every live actor waits with no timeout: DEADLOCK at once, no culprit (each waiter is named by its position)', () => {
    const { i32, words, rec, ended } = block(3);
    i32[rec(0) + R_STATE] = A_DONE;
    i32[rec(1) + R_STATE] = A_BLOCKED;
    i32[rec(2) + R_STATE] = A_BLOCKED;
    expect(decide(i32, 0, 1, words)).toBe(-1);
    expect(ended()).toEqual([ST_DEADLOCK, -1]);
  });

  it('every live actor waits, some with a timeout: the oldest timed wait times out, until QUIET_PER_ACTOR of them in one epoch make a DEADLOCK', () => {
    const { i32, words, rec, ended } = block(3);
    for (const [a, timed, seq] of [[0, 1, 7], [1, 0, 2], [2, 1, 5]]) {
      i32[rec(a) + R_STATE] = A_BLOCKED;
      i32[rec(a) + R_TIMED] = timed;
      i32[rec(a) + R_WAITSEQ] = seq;
    }
    i32[H_EPOCH] = 4;
    // Actor 1's wait is older but has no timeout: actor 2's (seq 5) fires before actor 0's (seq 7).
    expect(decide(i32, 0, 0, words)).toBe(2);
    expect([i32[rec(2) + R_STATE], i32[rec(2) + R_WAKE], i32[rec(2) + R_QUIET], i32[rec(2) + R_QUIET_EPOCH]]).toEqual([A_PENDING, WAKE_TIMED_OUT, 1, 4]);
    expect(i32[H_HOLDER]).toBe(2);
    expect(i32[H_STATUS]).toBe(ST_RUNNING);
    // It waits again with nothing written since: its quiet timeouts add up, in this epoch only.
    for (let quiet = 1; quiet < QUIET_PER_ACTOR; quiet++) {
      i32[rec(2) + R_STATE] = A_BLOCKED;
      expect(decide(i32, 0, 2, words)).toBe(2);
      expect(i32[rec(2) + R_QUIET]).toBe(quiet + 1);
    }
    i32[rec(2) + R_STATE] = A_BLOCKED;
    expect(decide(i32, 0, 2, words)).toBe(-1);
    expect(ended()).toEqual([ST_DEADLOCK, -1]);
    // A write since (a new epoch) starts the count again.
    const again = block(1);
    again.i32[again.rec(0) + R_STATE] = A_BLOCKED;
    again.i32[again.rec(0) + R_TIMED] = 1;
    again.i32[again.rec(0) + R_QUIET] = QUIET_PER_ACTOR;
    again.i32[again.rec(0) + R_QUIET_EPOCH] = 3;
    again.i32[H_EPOCH] = 4;
    expect(decide(again.i32, 0, 0, again.words)).toBe(0);
    expect(again.i32[again.rec(0) + R_QUIET]).toBe(1);
  });

  it('stop-on-forbidden: FORBIDDEN, naming the first actor whose forbidden counter is up', () => {
    const { i32, words, ended } = block(3);
    i32[H_STOP_ON_FORBIDDEN] = 1;
    expect(decide(i32, 0, 0, words)).toBe(0); // nothing counted yet: the run goes on
    i32[words + 2 * SLOT_WORDS + C_FORBIDDEN] = 1;
    i32[words + 1 * SLOT_WORDS + C_FORBIDDEN] = 1;
    expect(decide(i32, 0, 0, words)).toBe(-1);
    expect(ended()).toEqual([ST_FORBIDDEN, 1]);
    // Without the flag a forbidden count does not end the run.
    const on = block(2);
    on.i32[on.words + SLOT_WORDS + C_FORBIDDEN] = 1;
    expect(decide(on.i32, 0, 0, on.words)).toBe(0);
  });

  it('a full decision log: STALE, naming the actor whose turn asked for one more', () => {
    const { i32, words, ended } = block(2, 4);
    i32[H_NDEC] = 4;
    expect(decide(i32, 0, 1, words)).toBe(-1);
    expect(ended()).toEqual([ST_STALE, 1]);
    // With one actor able to go there is no decision to log, and the run goes on.
    const one = block(2, 4);
    one.i32[H_NDEC] = 4;
    one.i32[one.rec(0) + R_STATE] = A_DONE;
    expect(decide(one.i32, 0, 0, one.words)).toBe(1);
  });

  it('a forced decision the run cannot take: DIVERGED, naming the actor the schedule forced', () => {
    const { i32, shape, words, rec, ended } = block(3);
    i32[H_NFORCED] = 1;
    i32[forcedBase(shape)] = 2;
    i32[rec(2) + R_STATE] = A_BLOCKED;
    expect(decide(i32, 0, 0, words)).toBe(-1);
    expect(ended()).toEqual([ST_DIVERGED, 2]);
    // An actor number the run does not have diverges the same way.
    const out = block(2);
    out.i32[H_NFORCED] = 1;
    out.i32[forcedBase(out.shape)] = 5;
    expect(decide(out.i32, 0, 0, out.words)).toBe(-1);
    expect([out.i32[H_STATUS], out.i32[H_CULPRIT]]).toEqual([ST_DIVERGED, 5]);
  });
});
