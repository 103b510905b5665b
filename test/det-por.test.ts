import { describe, expect, it } from 'vitest';
import { K, TRACE_WORDS, WAKE_NOTIFIED, WAKE_TIMED_OUT } from '../src/lab/det/block.js';
import type { Decision } from '../src/lab/det/engine.js';
import { ExploredNodes } from '../src/lab/det/por.js';

/** A trace of [actor, kind, word, value] events, and one choice point after them whose holder is the last event's actor. */
function run(events: Array<[number, number, number, number?]>, holderCould = true): { decisions: Decision[]; trace: Int32Array } {
  const trace = new Int32Array(events.length * TRACE_WORDS);
  events.forEach(([actor, kind, word, value], s) => {
    trace[s * TRACE_WORDS] = actor | (kind << 8);
    trace[s * TRACE_WORDS + 1] = word;
    trace[s * TRACE_WORDS + 2] = value ?? 0;
  });
  const holder = events[events.length - 1][0];
  return { decisions: [{ chosen: holder, candidates: 0b11, dflt: holder, holderCould, step: events.length }], trace };
}

/** Whether the second run's node is found explored after the first one's was recorded. */
function prunes(first: ReturnType<typeof run>, second: ReturnType<typeof run>, spent: [number, number] = [0, 0]): boolean {
  const nodes = new ExploredNodes();
  expect(nodes.observe(first.decisions, first.trace, [spent[0]], 0).cut).toBe(1);
  return nodes.observe(second.decisions, second.trace, [spent[1]], 0).cut === 0;
}

describe('partial-order reduction by equivalent prefixes (por.ts)', () => {
  it('finds two orders of independent accesses the same node, with the same holder', () => {
    const a = run([[0, K.write, 10], [1, K.write, 20], [1, K.load, 30]]);
    const b = run([[1, K.write, 20], [0, K.write, 10], [1, K.load, 30]]);
    expect(prunes(a, b)).toBe(true);
    // Two reads of one word commute too.
    expect(prunes(run([[0, K.load, 10], [1, K.load, 10], [1, K.add, 30]]), run([[1, K.load, 10], [0, K.load, 10], [1, K.add, 30]]))).toBe(true);
  });

  it('keeps apart orders of conflicting accesses: a write and a write, or a read, of one word', () => {
    expect(prunes(run([[0, K.write, 10], [1, K.write, 10], [1, K.load, 30]]), run([[1, K.write, 10], [0, K.write, 10], [1, K.load, 30]]))).toBe(false);
    expect(prunes(run([[0, K.load, 10], [1, K.cas, 10], [1, K.load, 30]]), run([[1, K.cas, 10], [0, K.load, 10], [1, K.load, 30]]))).toBe(false);
    // A 64-bit access conflicts with one on its pair's odd word.
    expect(prunes(run([[0, K.store64, 10], [1, K.write, 11], [1, K.load, 30]]), run([[1, K.write, 11], [0, K.store64, 10], [1, K.load, 30]]))).toBe(false);
  });

  it('respects the bound: a node explored with more preemptions spent covers nothing with fewer', () => {
    const a = run([[0, K.write, 10], [1, K.write, 20], [1, K.load, 30]]);
    const b = run([[1, K.write, 20], [0, K.write, 10], [1, K.load, 30]]);
    expect(prunes(a, b, [0, 1])).toBe(true);
    expect(prunes(a, b, [1, 0])).toBe(false);
  });

  it('keys the holder when it can go on (another choice is then a preemption), and lets a node with no holder cover it', () => {
    const a = run([[1, K.write, 20], [0, K.write, 10]]);
    const b = run([[0, K.write, 10], [1, K.write, 20]]);
    expect(prunes(a, b)).toBe(false);
    expect(prunes(run([[1, K.write, 20], [0, K.write, 10]], false), b)).toBe(true);
    expect(prunes(a, run([[0, K.write, 10], [1, K.write, 20]], false))).toBe(false);
  });

  it('orders waits among themselves, and a wake-up by a timeout with everything', () => {
    expect(prunes(run([[0, K.wait, 10], [1, K.wait, 20], [1, K.load, 30]]), run([[1, K.wait, 20], [0, K.wait, 10], [1, K.load, 30]]))).toBe(false);
    expect(prunes(run([[0, K.wake, 10, WAKE_NOTIFIED], [1, K.write, 20], [1, K.load, 30]]), run([[1, K.write, 20], [0, K.wake, 10, WAKE_NOTIFIED], [1, K.load, 30]]))).toBe(true);
    expect(prunes(run([[0, K.wake, 10, WAKE_TIMED_OUT], [1, K.write, 20], [1, K.load, 30]]), run([[1, K.write, 20], [0, K.wake, 10, WAKE_TIMED_OUT], [1, K.load, 30]]))).toBe(false);
  });

  it('does not look up the nodes of the prefix DFS forced (the current path, in progress)', () => {
    const nodes = new ExploredNodes();
    const a = run([[0, K.write, 10], [1, K.write, 20], [1, K.load, 30]]);
    nodes.observe(a.decisions, a.trace, [0], 0);
    expect(nodes.observe(a.decisions, a.trace, [0], 1).cut).toBe(1);
    expect(nodes.observe(a.decisions, a.trace, [0], 0).cut).toBe(0);
  });
});
