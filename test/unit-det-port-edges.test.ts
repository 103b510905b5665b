import { describe, expect, it } from 'vitest';
import {
  A_BLOCKED, A_DONE, A_PENDING, H_ARRIVED, H_EPOCH, H_STEP, H_WAITSEQ, K, R_ADDR, R_EXPECT, R_GO, R_STATE, R_STEPS, R_TIMED, R_WAITSEQ, R_WAKE,
  TRACE_WORDS, WAKE_TIMED_OUT, traceBase,
} from '../src/lab/det/block.js';
import { ScheduledMem } from '../src/lab/det/port.js';
import { PortAbort, bindPort } from '../src/runtime/ports.js';
import { B, head, port } from './det-port-block.js';

/**
 * The scheduled port's books at their edges, on the main thread (test/det-port-block.ts): which
 * actor's record an access writes, which writes wake a timed waiter (a 64-bit one on both of
 * its words, a CAS only when it changed the word, never an actor that is not blocked), the
 * trace's bound, the run's end waking every other actor, and the wait's own record.
 */
describe('the scheduled port at its edges', () => {
  it('is the port a scheduled task binds in a worker that imported it', () => {
    const { task, mem } = port();
    const bound = bindPort({ ...task, port: 'scheduled' }, mem);
    expect(bound).toBeInstanceOf(ScheduledMem);
  });

  it("actor 1 keeps its own record and is named in the trace; it arrives once, however many accesses it makes", () => {
    const { p, h, data: d, rec, trace } = port(2, 100, 0, 0, 1);
    h[rec(0) + R_STATE] = A_DONE;
    p.load(d);
    p.load(d);
    p.load(d);
    expect([h[rec(1) + R_STEPS], h[rec(0) + R_STEPS], h[rec(1) + R_ADDR], h[H_ARRIVED]]).toEqual([3, 0, d, 2]);
    expect(trace()[0]).toEqual([1 | head(K.load), d, 0, 0, 0]);
  });

  it('a timed waiter on either word of a 64-bit value wakes when a 64-bit write changes it, not when it rewrites the same value', () => {
    const { p, h, data: d, rec } = port(3);
    const q = (d + 2) >> 1;
    const block = () => {
      for (const [a, w] of [[1, 2 * q], [2, 2 * q + 1]]) {
        h[rec(a) + R_STATE] = A_BLOCKED;
        h[rec(a) + R_TIMED] = 1;
        h[rec(a) + R_ADDR] = w;
        h[rec(a) + R_WAKE] = 0;
      }
    };
    const woken = () => [1, 2].map((a) => [h[rec(a) + R_STATE], h[rec(a) + R_WAKE]]);
    block();
    p.store64(q, 0n);
    expect(woken()).toEqual([[A_BLOCKED, 0], [A_BLOCKED, 0]]);
    p.store64(q, 5n);
    expect(woken()).toEqual([[A_PENDING, WAKE_TIMED_OUT], [A_PENDING, WAKE_TIMED_OUT]]);
    expect(h[H_EPOCH]).toBe(2);
    block();
    expect(p.compareExchange64(q, 4n, 9n)).toBe(5n);
    expect(p.compareExchange64(q, 5n, 5n)).toBe(5n);
    expect(woken()).toEqual([[A_BLOCKED, 0], [A_BLOCKED, 0]]);
    expect(p.compareExchange64(q, 5n, 1n << 40n)).toBe(5n);
    expect(woken()).toEqual([[A_PENDING, WAKE_TIMED_OUT], [A_PENDING, WAKE_TIMED_OUT]]);
    // Each 64-bit access takes its turn at its first 32-bit word.
    p.load64(q);
    expect(h[rec(0) + R_ADDR]).toBe(2 * q);
  });

  it('a CAS wakes a timed waiter only when it wrote a different value; an actor that is not blocked is never woken', () => {
    const { p, i32, h, data: d, rec } = port(3);
    h[rec(1) + R_STATE] = A_BLOCKED;
    h[rec(1) + R_TIMED] = 1;
    h[rec(1) + R_ADDR] = d;
    h[rec(2) + R_STATE] = A_DONE;
    h[rec(2) + R_TIMED] = 1;
    h[rec(2) + R_ADDR] = d;
    i32[d] = 3;
    p.compareExchange(d, 3, 3);
    expect(h[rec(1) + R_STATE]).toBe(A_BLOCKED);
    p.compareExchange(d, 3, 4);
    expect([h[rec(1) + R_STATE], h[rec(2) + R_STATE], h[rec(2) + R_WAKE]]).toEqual([A_PENDING, A_DONE, 0]);
  });

  it('traces at most maxSteps entries and writes nothing past the trace; the step count goes on', () => {
    const { p, i32, h, data: d, shape, trace } = port();
    const end = B + traceBase(shape) + shape.maxSteps * TRACE_WORDS;
    const after = [...i32.subarray(end, end + TRACE_WORDS)];
    for (let k = 0; k < shape.maxSteps + 3; k++) p.load(d);
    expect(h[H_STEP]).toBe(shape.maxSteps + 3);
    expect(trace()).toHaveLength(shape.maxSteps);
    expect([...i32.subarray(end, end + TRACE_WORDS)]).toEqual(after);
  });

  it('a pause takes its turn at no word', () => {
    const { p, h, rec } = port();
    p.pause();
    expect(h[rec(0) + R_ADDR]).toBe(-1);
  });

  it("ending the run (here STALE) raises every other actor's go word, not its own", () => {
    const { p, h, data: d, rec } = port(3, 1);
    h[rec(1) + R_STATE] = A_DONE;
    h[rec(2) + R_STATE] = A_DONE;
    p.load(d);
    p.load(d);
    expect(() => p.load(d)).toThrow(new PortAbort('stale'));
    expect([0, 1, 2].map((a) => h[rec(a) + R_GO])).toEqual([0, 1, 1]);
  });

  it('a wait keeps what it expects, a fresh wake word and the next wait sequence number in its record', () => {
    const { p, i32, h, data: d, rec } = port();
    i32[d] = 7;
    h[rec(0) + R_WAKE] = 99;
    p.wait(d, 7, 5);
    p.wait(d, 7, 5);
    expect([h[rec(0) + R_EXPECT], h[rec(0) + R_WAITSEQ], h[H_WAITSEQ]]).toEqual([7, 2, 2]);
    expect(p.wait(d + 1, 0, 5)).toBe('timed-out');
  });

  it('retiring before any access leaves no end entry in the trace', () => {
    const { p, trace } = port();
    p.retire(false);
    expect(trace()).toEqual([]);
  });
});
