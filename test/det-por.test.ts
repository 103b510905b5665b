import { describe, expect, it } from 'vitest';
import { K, TRACE_WORDS, WAKE_NOTIFIED, WAKE_TIMED_OUT } from '../src/lab/det/block.js';
import { racesToReverse } from '../src/lab/det/dpor.js';
import type { Decision } from '../src/lab/det/engine.js';

/**
 * A trace of [actor, kind, word, value] events with a choice point before every event (the
 * `candidates` could go, the holder being the last actor to run), or only before the steps
 * `decided` lists, and the actors asked for at each choice point.
 */
function asked(events: Array<[number, number, number, number?]>, candidates = 0b11, actors = 2, decided?: number[]): number[] {
  const trace = new Int32Array(events.length * TRACE_WORDS);
  const decisions: Decision[] = [];
  events.forEach(([actor, kind, word, value], s) => {
    trace[s * TRACE_WORDS] = actor | (kind << 8);
    trace[s * TRACE_WORDS + 1] = word;
    trace[s * TRACE_WORDS + 2] = value ?? 0;
    const holder = s > 0 ? events[s - 1][0] : 0;
    if (!decided || decided.includes(s)) decisions.push({ chosen: actor, candidates, dflt: holder, holderCould: true, step: s });
  });
  return [...racesToReverse(decisions, trace, actors)];
}

describe('dynamic partial-order reduction: the races a run shows (dpor.ts)', () => {
  it('asks for the other order of two unordered writes of one word, before the first and where its context began', () => {
    // a0 writes 20 then 10; a1 then writes 10: a1 is asked for before a0's write of 10 and before a0's context (step 0).
    expect(asked([[0, K.write, 20], [0, K.write, 10], [1, K.write, 10]])).toEqual([0b10, 0b10, 0]);
    // A read after a write, and a write after a read, race too.
    expect(asked([[0, K.store, 10], [1, K.load, 10]])).toEqual([0b10, 0]);
    expect(asked([[0, K.load, 10], [1, K.cas, 10]])).toEqual([0b10, 0]);
  });

  it('asks for nothing where accesses commute: two reads, different words, local steps', () => {
    expect(asked([[0, K.load, 10], [1, K.load, 10]])).toEqual([0, 0]);
    expect(asked([[0, K.write, 10], [1, K.write, 20]])).toEqual([0, 0]);
    expect(asked([[0, K.pause, -1], [1, K.pause, -1], [0, K.end, -1]])).toEqual([0, 0, 0]);
  });

  it('a 64-bit access covers its pair; a wait writes its word and the waits queue', () => {
    expect(asked([[0, K.store64, 10], [1, K.write, 11]])).toEqual([0b10, 0]);
    expect(asked([[0, K.wait, 10], [1, K.wait, 20]])).toEqual([0b10, 0]);
    // The waits' queue is no word of the image: not word 2, nor -2 (no access has that address).
    expect(asked([[0, K.wait, 10], [1, K.write, 2]])).toEqual([0, 0]);
  });

  it('does not reverse a race already ordered through a third access (happens-before)', () => {
    // a0 writes 10, then publishes 20; a1 reads 20 (after it), then writes 10: only the pair on 20 races.
    expect(asked([[0, K.write, 10], [0, K.store, 20], [1, K.load, 20], [1, K.write, 10]])).toEqual([0b10, 0b10, 0, 0]);
  });

  it('asks every actor that could go when the later one could not go there', () => {
    expect(asked([[0, K.write, 10], [1, K.write, 10]], 0b101)).toEqual([0b101, 0]);
  });

  it('orders a wake-up by a timeout after everything before it', () => {
    expect(asked([[0, K.write, 10], [1, K.wake, 10, WAKE_TIMED_OUT], [1, K.write, 10]])).toEqual([0, 0, 0]);
  });

  it('asks nothing of an actor about its own accesses, however they touch a word', () => {
    expect(asked([[0, K.write, 10], [0, K.write, 10], [0, K.load, 10], [1, K.write, 20]])).toEqual([0, 0, 0, 0]);
  });

  it('asks where the earlier access\'s context began: the last switch to its actor, not the run\'s start', () => {
    // a1 pauses first; a0's context begins at step 1.
    expect(asked([[1, K.pause, -1], [0, K.write, 20], [0, K.write, 10], [1, K.write, 10]])).toEqual([0, 0b10, 0b10, 0]);
  });

  it('asks nothing at a step without a choice point (only one actor could go there)', () => {
    // Decisions only at steps 1 and 2: the race's earlier access (step 0) and its context have none.
    expect(asked([[0, K.write, 10], [0, K.load, 30], [1, K.load, 30], [1, K.write, 10]], 0b11, 2, [2, 3])).toEqual([0, 0]);
    expect(asked([[0, K.write, 10], [0, K.load, 30], [1, K.write, 10]], 0b11, 2, [1, 2])).toEqual([0, 0]);
  });

  it('a read orders nothing before a later read of another actor; a write is ordered after every read before it', () => {
    // a0 writes 40, then reads 50; a1 reads 50 (no order between reads), then writes 40: a race.
    expect(asked([[0, K.write, 40], [0, K.load, 50], [1, K.load, 50], [1, K.write, 40]])).toEqual([0b10, 0, 0, 0]);
    // a0 writes 40, (a2 runs), a0 reads 50, a1 writes 50: a race with the read only; a1's write of 40 after it is ordered.
    expect(asked([[0, K.write, 40], [2, K.pause, -1], [0, K.load, 50], [1, K.write, 50], [1, K.write, 40]], 0b111, 3)).toEqual([0, 0, 0b10, 0, 0]);
  });

  it("a write races with every other actor's read since the last write, not only the latest read", () => {
    expect(asked([[0, K.load, 10], [1, K.load, 10], [1, K.write, 10]])).toEqual([0b10, 0, 0]);
    expect(asked([[0, K.load, 10], [1, K.load, 10], [2, K.write, 10]], 0b111, 3)).toEqual([0b100, 0b100, 0]);
    // Of one actor's reads, the latest stands for the earlier (program order): a0's read at step 0 is not asked about.
    expect(asked([[0, K.load, 10], [2, K.pause, -1], [0, K.load, 10], [1, K.write, 10]], 0b111, 3)).toEqual([0, 0, 0b10, 0]);
  });

  it('only 64-bit accesses cover the next word: load64, store64 and cas64; a 32-bit one its own', () => {
    expect(asked([[0, K.load64, 10], [1, K.write, 11]])).toEqual([0b10, 0]);
    expect(asked([[0, K.cas64, 10], [1, K.load, 11]])).toEqual([0b10, 0]);
    expect(asked([[0, K.write, 10], [1, K.write, 11]])).toEqual([0, 0]);
    expect(asked([[0, K.cas, 10], [1, K.exchange, 11]])).toEqual([0, 0]);
  });

  it('a wake-up by a notify reads its word and orders nothing else; one by a timeout touches no word', () => {
    expect(asked([[0, K.write, 10], [1, K.wake, 10, WAKE_NOTIFIED], [1, K.write, 10]])).toEqual([0b10, 0, 0]);
    expect(asked([[0, K.write, 10], [1, K.wake, 10, WAKE_NOTIFIED]])).toEqual([0b10, 0]);
    expect(asked([[0, K.write, 10], [1, K.wake, 20, WAKE_NOTIFIED], [1, K.write, 10]])).toEqual([0b10, 0, 0]);
    expect(asked([[0, K.wake, 10, WAKE_TIMED_OUT], [1, K.write, 10]])).toEqual([0, 0]);
    // A store of the value 2 (WAKE_TIMED_OUT's code) is a store: it joins no clock.
    expect(asked([[0, K.write, 10], [1, K.store, 20, WAKE_TIMED_OUT], [1, K.write, 10]])).toEqual([0b10, 0, 0]);
  });
});
