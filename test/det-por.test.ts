import { describe, expect, it } from 'vitest';
import { K, TRACE_WORDS, WAKE_TIMED_OUT } from '../src/lab/det/block.js';
import { racesToReverse } from '../src/lab/det/dpor.js';
import type { Decision } from '../src/lab/det/engine.js';

/**
 * A trace of [actor, kind, word, value] events with a choice point before every event (both
 * actors could go, the holder being the last actor to run), and the actors asked for at each.
 */
function asked(events: Array<[number, number, number, number?]>, candidates = 0b11): number[] {
  const trace = new Int32Array(events.length * TRACE_WORDS);
  const decisions: Decision[] = [];
  events.forEach(([actor, kind, word, value], s) => {
    trace[s * TRACE_WORDS] = actor | (kind << 8);
    trace[s * TRACE_WORDS + 1] = word;
    trace[s * TRACE_WORDS + 2] = value ?? 0;
    const holder = s > 0 ? events[s - 1][0] : 0;
    decisions.push({ chosen: actor, candidates, dflt: holder, holderCould: true, step: s });
  });
  return [...racesToReverse(decisions, trace, 2)];
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
});
