import { describe, expect, it } from 'vitest';
import {
  A_BLOCKED, A_DONE, A_PENDING, H_ARRIVED, H_CULPRIT, H_EPOCH, H_FAIR, H_NFORCED, H_STATUS, H_STEP, H_STEP_BUDGET, K, ST_ABORTED, R_ADDR, R_GO, R_KIND, R_STATE, R_STEPS, R_TIMED, R_WAITSEQ, R_WAKE, ST_DEADLOCK, ST_FINISHED, ST_STALE, WAKE_NOTIFIED, WAKE_TIMED_OUT, forcedBase,
} from '../src/lab/det/block.js';
import { drainDice } from '../src/lab/det/store_buffer.js';
import { PortAbort } from '../src/runtime/ports.js';
import { STOP } from '../src/runtime/control.js';
import { port, head } from './det-port-block.js';

describe('the scheduled port, one actor on the main thread', () => {
  it('does each access and traces it: the word, the value seen, the argument, the value left', () => {
    const { p, i32, h, data: d, rec, trace } = port();
    i32[d] = 10;
    const out = [
      p.load(d), p.store(d, 7), p.add(d, 5), p.sub(d, 2), p.and(d, 6), p.or(d, 9), p.exchange(d, 3), p.compareExchange(d, 3, 4), p.compareExchange(d, 3, 8),
      p.read(d), p.write(d, -1), p.wait(d, 0, 5), p.waitFlagged(d, 0, d + 1, 5),
    ];
    expect(out).toEqual([10, undefined, 7, 12, 10, 2, 11, 3, 4, 4, undefined, 'not-equal', 'not-equal']);
    expect(trace()).toEqual([
      [head(K.load), d, 10, 0, 0], [head(K.store), d, 10, 7, 7], [head(K.add), d, 7, 5, 12], [head(K.sub), d, 12, 2, 10], [head(K.and), d, 10, 6, 2],
      [head(K.or), d, 2, 9, 11], [head(K.exchange), d, 11, 3, 3], [head(K.cas), d, 3, 3, 4], [head(K.cas), d, 4, 3, 8], [head(K.read), d, 4, 0, 0],
      [head(K.write), d, 4, -1, -1], [head(K.wait), d, -1, 0, 0], [head(K.wait), d, -1, 0, 0],
    ]);
    expect([h[H_STEP], h[rec(0) + R_STEPS], h[rec(0) + R_STATE], h[rec(0) + R_ADDR]]).toEqual([13, 13, A_PENDING, d]);
    p.wakeFlagged();
    expect(h[H_STEP]).toBe(13);
  });

  it('traces 64-bit accesses at the first 32-bit word, the value in two halves, and a CAS64 with whether it wrote', () => {
    const { p, i32, data: d, trace } = port();
    const q = d >> 1;
    const w = 2 * q;
    i32[w] = 1;
    i32[w + 1] = -2;
    const v = (-2n << 32n) | 1n;
    expect(p.load64(q)).toBe(v);
    p.store64(q, 5n << 32n | 3n);
    expect(p.compareExchange64(q, 5n << 32n | 3n, -1n)).toBe(5n << 32n | 3n);
    expect(p.compareExchange64(q, 0n, 1n)).toBe(-1n);
    p.pause();
    expect(trace()).toEqual([
      [head(K.load64), w, 1, -2, 0], [head(K.store64), w, 3, 5, 0], [head(K.cas64), w, 3, 5, 1], [head(K.cas64), w, -1, -1, 0], [head(K.pause), -1, 0, 0, 0],
    ]);
  });

  it('reads and writes blocks one traced word at a time', () => {
    const { p, i32, data: d, trace } = port();
    p.writeBlock(d, Int32Array.of(9, 8, 7), 1, 2);
    const dst = new Int32Array(3);
    p.readBlock(d, dst, 1, 2);
    expect([...dst]).toEqual([0, 8, 7]);
    expect([i32[d], i32[d + 1]]).toEqual([8, 7]);
    expect(trace().map((t) => [t[0] >> 8 & 0xff, t[1]])).toEqual([[K.write, d], [K.write, d + 1], [K.read, d], [K.read, d + 1]]);
  });

  it("wakes a timed waiter on a word that a write changed (it times out and looks again), not an untimed one, nor one on another word", () => {
    const { p, h, data: d, rec } = port(4);
    const block = (a: number, addr: number, timed: number) => {
      h[rec(a) + R_STATE] = A_BLOCKED;
      h[rec(a) + R_ADDR] = addr;
      h[rec(a) + R_TIMED] = timed;
    };
    block(1, d, 1);
    block(2, d, 0);
    block(3, d + 1, 1);
    p.store(d, 0);
    expect(h[rec(1) + R_STATE]).toBe(A_BLOCKED);
    expect(h[H_EPOCH]).toBe(0);
    p.compareExchange(d, 1, 2);
    expect(h[rec(1) + R_STATE]).toBe(A_BLOCKED);
    p.add(d, 1);
    expect([1, 2, 3].map((a) => [h[rec(a) + R_STATE], h[rec(a) + R_WAKE]])).toEqual([[A_PENDING, WAKE_TIMED_OUT], [A_BLOCKED, 0], [A_BLOCKED, 0]]);
    expect(h[H_EPOCH]).toBe(1);
  });

  it('notifies the waiters on a word in the order their waits began, up to the count', () => {
    const { p, h, data: d, rec, trace } = port(4);
    for (const [a, seq, addr] of [[1, 7, d], [2, 3, d], [3, 1, d + 1]]) {
      h[rec(a) + R_STATE] = A_BLOCKED;
      h[rec(a) + R_ADDR] = addr;
      h[rec(a) + R_WAITSEQ] = seq;
    }
    expect(p.notify(d + 2, 5)).toBe(0);
    expect(h[H_EPOCH]).toBe(0);
    expect(p.notify(d, 1)).toBe(1);
    expect([1, 2, 3].map((a) => [h[rec(a) + R_STATE], h[rec(a) + R_WAKE]])).toEqual([[A_BLOCKED, 0], [A_PENDING, WAKE_NOTIFIED], [A_BLOCKED, 0]]);
    expect(h[H_EPOCH]).toBe(1);
    expect(trace().at(-1)).toEqual([head(K.notify), d, 1, 1, 0]);
  });

  it('blocks a wait on an equal value in the books: a timed one times out, an untimed one alone is a deadlock', () => {
    const { p, h, data: d, rec, trace } = port();
    expect(p.wait(d, 0, 10)).toBe('timed-out');
    expect(trace()).toEqual([[head(K.wait), d, 0, 0, 0], [head(K.wake), d, WAKE_TIMED_OUT, 0, 0]]);
    expect(h[rec(0) + R_WAITSEQ]).toBe(1);
    expect(() => p.wait(d, 0, Infinity)).toThrow(new PortAbort('deadlock'));
    expect(h[H_STATUS]).toBe(ST_DEADLOCK);
  });

  it('overrunning the step budget turns on fair scheduling with the budget doubled, then ends the run STALE naming the actor', () => {
    const { p, h, data: d } = port(1, 2);
    p.load(d);
    p.load(d);
    expect(h[H_FAIR]).toBe(0);
    p.load(d);
    expect([h[H_FAIR], h[H_STEP_BUDGET]]).toEqual([1, 4]);
    p.load(d);
    expect(() => p.load(d)).toThrow(new PortAbort('stale'));
    expect([h[H_STATUS], h[H_CULPRIT]]).toEqual([ST_STALE, 0]);
  });

  it('retires: the actor done, an end entry, and the run finished when it was the last', () => {
    const { p, h, data: d, rec, trace } = port();
    p.load(d);
    p.retire(false);
    expect([h[rec(0) + R_STATE], h[H_STATUS]]).toEqual([A_DONE, ST_FINISHED]);
    expect(trace().at(-1)).toEqual([head(K.end), -1, 0, 0, 0]);
    const crashed = port(2);
    crashed.p.retire(true);
    expect(crashed.h[H_STATUS]).toBe(ST_ABORTED);
  });

  it('under tso buffers a plain write (its own reads see it, memory does not), and an Atomics access drains it first, traced as a flush', () => {
    // A seed whose dice drain nothing at the turns below: only the fences drain.
    let seed = 0;
    while ([0, 1, 2, 3, 4, 5].some((step) => (drainDice(seed, step, 0) & 3) === 0)) seed++;
    const { p, i32, h, data: d, trace } = port(1, 100, 1, seed);
    i32[d] = 2;
    p.write(d, 5);
    expect([p.read(d), i32[d]]).toEqual([5, 2]);
    p.pause();
    expect(i32[d]).toBe(2);
    expect(p.load(d + 1)).toBe(0);
    expect(i32[d]).toBe(5);
    expect(h[H_EPOCH]).toBe(1);
    p.write(d + 2, 3);
    p.retire(false);
    expect(i32[d + 2]).toBe(3);
    expect(trace()).toEqual([
      [head(K.write), d, 2, 5, 5], [head(K.read), d, 5, 0, 0], [head(K.pause), -1, 0, 0, 0], [head(K.flush), d, 2, 5, 0], [head(K.load), d + 1, 0, 0, 0],
      [head(K.write), d + 2, 0, 3, 3], [head(K.flush), d + 2, 0, 3, 0], [head(K.end), -1, 0, 0, 0],
    ]);
  });

  it("hands the turn to the actor the scheduler picks (raising its go word), and leaves as aborted when the runtime's stop flag rises while it waits", () => {
    const { p, i32, h, data: d, rec, shape, control } = port(2);
    h[rec(1) + R_STATE] = A_PENDING;
    h[rec(1) + R_KIND] = K.load;
    h[H_NFORCED] = 1;
    h[forcedBase(shape)] = 1;
    i32[control + STOP] = 1;
    expect(() => p.load(d)).toThrow(new PortAbort('aborted'));
    expect([h[rec(1) + R_GO], h[rec(0) + R_GO], h[H_STATUS]]).toEqual([1, 0, ST_ABORTED]);
  });

  it('makes no decision at its first access until every actor has arrived: it waits (here until the stop flag)', () => {
    const { p, i32, h, data: d, rec, control } = port(2);
    h[H_ARRIVED] = 0;
    h[rec(1) + R_STATE] = A_PENDING;
    i32[control + STOP] = 1;
    expect(() => p.load(d)).toThrow(new PortAbort('aborted'));
    expect([h[H_ARRIVED], h[rec(1) + R_GO], h[H_STEP]]).toEqual([1, 0, 0]);
  });
});
