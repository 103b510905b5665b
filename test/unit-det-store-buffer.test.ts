import { describe, expect, it } from 'vitest';
import { SB_WORDS, StoreBuffers, drainDice } from '../src/lab/det/store_buffer.js';

/** The weak memory models' store buffers (src/lab/det/store_buffer.ts), driven in process. */
function buffers(actors: number, relaxed: boolean) {
  const base = 3;
  const i32 = new Int32Array(base + actors * SB_WORDS + 1);
  const commits: [number, number, number][] = [];
  const sb = new StoreBuffers(i32, base, actors, relaxed, (a, i, v) => commits.push([a, i, v]));
  return { i32, sb, commits };
}

const X = 100;
const Y = 200;

describe('store buffers (tso, relaxed)', () => {
  it("forwards an actor's newest buffered store to its own reads, and only to its own", () => {
    const { sb, commits } = buffers(2, false);
    expect(sb.read(0, X, -7)).toBe(-7);
    sb.push(0, X, 1);
    sb.push(0, Y, 2);
    sb.push(0, X, 3);
    expect(sb.read(0, X, -7)).toBe(3);
    expect(sb.read(0, Y, -7)).toBe(2);
    expect(sb.read(1, X, -7)).toBe(-7);
    expect([sb.count(0), sb.count(1)]).toEqual([3, 0]);
    expect(commits).toEqual([]);
  });

  it('keeps each actor in its own SB_WORDS (1 + 2 x 32) words: a length, then (address, value) pairs', () => {
    const { i32, sb } = buffers(2, false);
    expect(SB_WORDS).toBe(65);
    sb.push(1, X, 9);
    expect([...i32.subarray(3 + SB_WORDS, 3 + SB_WORDS + 3)]).toEqual([1, X, 9]);
    expect(i32[3]).toBe(0);
    expect(i32[i32.length - 1]).toBe(0);
  });

  it('drains every store oldest first at a fence', () => {
    const { sb, commits } = buffers(2, true);
    sb.push(1, X, 1);
    sb.push(1, Y, 2);
    sb.push(1, X, 3);
    sb.drainAll(1);
    expect(commits).toEqual([
      [1, X, 1],
      [1, Y, 2],
      [1, X, 3],
    ]);
    expect(sb.count(1)).toBe(0);
  });

  it('holds 32 stores: the 33rd first drains the oldest', () => {
    const { sb, commits } = buffers(1, false);
    for (let k = 0; k < 32; k++) sb.push(0, k, k + 1000);
    expect(commits).toEqual([]);
    sb.push(0, 32, 1032);
    expect(commits).toEqual([[0, 0, 1000]]);
    expect(sb.count(0)).toBe(32);
    expect(sb.read(0, 32, -1)).toBe(1032);
    expect(sb.read(0, 1, -1)).toBe(1001);
    expect(sb.read(0, 0, -1)).toBe(-1);
  });

  it('rolls the same dice for the same (seed, step, actor), so a saved schedule drains the same stores on replay', () => {
    expect(drainDice(1, 0, 0)).toBe(1808772489);
    expect(drainDice(7, 3, 1)).toBe(1713277279);
    expect(drainDice(0, 0, 0)).toBe(4030490766);
    // seed 1, actor 0: step 0 rolls no drain (dice & 3 = 1); steps 5 and 1 drain, picking 2 of 3 and 1 of 2.
    expect([drainDice(1, 0, 0) & 3, drainDice(1, 5, 0) & 3, (drainDice(1, 5, 0) >>> 2) % 3, drainDice(1, 1, 0) & 3, (drainDice(1, 1, 0) >>> 2) % 2]).toEqual([1, 0, 2, 0, 1]);
  });

  it('tso drains the oldest store when the dice allow, nothing otherwise', () => {
    const { sb, commits } = buffers(1, false);
    sb.push(0, X, 1);
    sb.push(0, Y, 2);
    sb.push(0, X, 3);
    sb.drainSome(1, 0);
    expect(commits).toEqual([]);
    sb.drainSome(1, 5);
    sb.drainSome(1, 1);
    expect(commits).toEqual([
      [0, X, 1],
      [0, Y, 2],
    ]);
    expect(sb.read(0, X, -1)).toBe(3);
  });

  it("relaxed drains the store picked, but never past an older store to the same location", () => {
    const { sb, commits } = buffers(1, true);
    sb.push(0, X, 1);
    sb.push(0, Y, 2);
    sb.push(0, X, 3);
    sb.drainSome(1, 5); // picks X = 3, which waits for X = 1
    expect(commits).toEqual([[0, X, 1]]);
    sb.drainSome(1, 1); // picks X = 3 of [Y = 2, X = 3]: it overtakes Y
    expect(commits).toEqual([
      [0, X, 1],
      [0, X, 3],
    ]);
    expect(sb.count(0)).toBe(1);
    expect(sb.read(0, Y, -1)).toBe(2);
    expect(sb.read(0, X, -1)).toBe(-1);
  });

  it('an empty buffer drains nothing when its dice allow: only the actors that hold stores commit', () => {
    for (const relaxed of [false, true]) {
      const { sb, commits } = buffers(2, relaxed);
      sb.push(1, X, 1);
      // Seed 1, step 5: both actors' dice allow a drain; actor 0 holds no store.
      expect([drainDice(1, 5, 0) & 3, drainDice(1, 5, 1) & 3]).toEqual([0, 0]);
      sb.drainSome(1, 5);
      expect(commits).toEqual([[1, X, 1]]);
      expect([sb.count(0), sb.count(1)]).toEqual([0, 0]);
    }
  });

  it('relaxed drains a store from the middle and keeps the others in their order', () => {
    const { sb, commits } = buffers(1, true);
    const Z = 300;
    sb.push(0, X, 1);
    sb.push(0, Y, 2);
    sb.push(0, Z, 3);
    sb.drainSome(1, 1); // seed 1, step 1: picks 1 of 3, Y
    expect(commits).toEqual([[0, Y, 2]]);
    expect([sb.count(0), sb.read(0, Y, -1), sb.read(0, X, -1), sb.read(0, Z, -1)]).toEqual([2, -1, 1, 3]);
    sb.drainAll(0);
    expect(commits).toEqual([[0, Y, 2], [0, X, 1], [0, Z, 3]]);
  });

  it('relaxed goes back to the oldest store of the picked location, however deep in the buffer', () => {
    const { sb, commits } = buffers(1, true);
    const Z = 300;
    for (const [i, v] of [[Y, 1], [X, 2], [Z, 3], [X, 4]]) sb.push(0, i, v);
    sb.drainSome(1, 1); // seed 1, step 1: picks 3 of 4, X = 4, which waits for X = 2
    expect(commits).toEqual([[0, X, 2]]);
    expect(sb.read(0, X, -1)).toBe(4);
  });

  it('never drains past the last actor: the word after the buffers is not a buffer', () => {
    const { i32, sb, commits } = buffers(2, false);
    i32[i32.length - 1] = 3; // what follows in the image
    for (let step = 0; step < 30; step++) sb.drainSome(1, step);
    expect(commits).toEqual([]);
    expect(i32[i32.length - 1]).toBe(3);
  });
});
