// mutate-set: workers (one plain worker raises the turn word; the port under test runs on this thread)
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { A_DONE, A_PENDING, H_ARRIVED, H_FOCUS, H_PAUSE, H_RELEASED, H_STATUS, H_STEPPING, K, R_GO, R_STATE, ST_ABORTED, ST_RUNNING } from '../src/lab/det/block.js';
import { decide } from '../src/lab/det/decide.js';
import { STOP } from '../src/runtime/control.js';
import { B, port } from './det-port-block.js';

/**
 * An actor waiting for its turn sleeps on its go word in polls of 200 ms and looks at the
 * runtime's stop flag after each. A second thread (a bare worker, no engine code) raises the
 * go word and maybe the stop flag after 300 ms, so the port has polled at least once: the
 * actor must then take its turn, not leave as aborted. The aborting side is unit-det-port's.
 */
const LATE_MS = 300;

/** After LATE_MS, another thread makes each write in order (word, value), then wakes the waiters on `wake`. */
function writeLater(sab: SharedArrayBuffer, writes: Array<[number, number]>, wake: number): Promise<number> {
  const w = new Worker(
    `const { workerData: { sab, writes, wake, ms } } = require('node:worker_threads');
     const i32 = new Int32Array(sab);
     setTimeout(() => { for (const [i, v] of writes) Atomics.store(i32, i, v); Atomics.notify(i32, wake); }, ms);`,
    { eval: true, workerData: { sab, writes, wake, ms: LATE_MS } },
  );
  return new Promise((done, fail) => { w.once('exit', done); w.once('error', fail); });
}

/** After LATE_MS, another thread writes `stop` to the stop flag (when nonzero) and then raises `go` and wakes it. */
function raiseLater(sab: SharedArrayBuffer, go: number, stopWord: number, stop: number): Promise<number> {
  return writeLater(sab, stop ? [[stopWord, stop], [go, 1]] : [[go, 1]], go);
}

/** Actor 0 of two, first to arrive: its first access waits for the turn. */
function waiting(released: number) {
  const t = port(2);
  t.h[H_ARRIVED] = 0;
  t.h[t.rec(1) + R_STATE] = A_PENDING;
  t.h[H_RELEASED] = released;
  return t;
}

describe('an actor waiting for its turn on the main thread, the turn given by another thread', () => {
  it('with no stop flag it sleeps through the polls and takes its turn when the go word rises', async () => {
    const { p, i32, h, data: d, rec, control, trace } = waiting(0);
    const g = B + rec(0) + R_GO;
    i32[d] = 42;
    const exited = raiseLater(i32.buffer as SharedArrayBuffer, g, control + STOP, 0);
    expect(p.load(d)).toBe(42);
    expect([h[rec(0) + R_GO], h[H_STATUS], i32[control + STOP], trace()[0].slice(1)]).toEqual([0, ST_RUNNING, 0, [d, 42, 0, 0]]);
    expect(trace()[0][0] >> 8 & 0xff).toBe(K.load);
    await exited;
  });

  it("with the stop flag raised by the scheduler itself (H_RELEASED: a serving actor's end) it keeps waiting", async () => {
    const { p, i32, h, data: d, rec, control } = waiting(1);
    const g = B + rec(0) + R_GO;
    i32[control + STOP] = 1;
    const exited = raiseLater(i32.buffer as SharedArrayBuffer, g, control + STOP, 0);
    expect(p.load(d)).toBe(0);
    expect([h[rec(0) + R_GO], h[H_STATUS]]).toEqual([0, ST_RUNNING]);
    await exited;
  });

  it('with the stop flag rising together with its go word it takes the turn it was given', async () => {
    const { p, i32, h, data: d, rec, control } = waiting(0);
    const g = B + rec(0) + R_GO;
    i32[d] = 7;
    const exited = raiseLater(i32.buffer as SharedArrayBuffer, g, control + STOP, 1);
    expect(p.load(d)).toBe(7);
    expect([h[rec(0) + R_GO], h[H_STATUS], i32[control + STOP]]).toEqual([0, ST_RUNNING, 1]);
    await exited;
  });
});

describe("a stepped run's gate (memrace step): the holder pauses once the focus actor made its step", () => {
  /** Actor 0 (the focus) has ended, so its step is made: decide() pauses in the gate. */
  function stepped() {
    const t = port(2);
    t.h[H_STEPPING] = 1;
    t.h[H_FOCUS] = 0;
    t.h[t.rec(0) + R_STATE] = A_DONE;
    t.h[t.rec(1) + R_STATE] = A_PENDING;
    return t;
  }

  it('goes on when the main thread sets the next step (no focus), and chooses', async () => {
    const { i32, h, task } = stepped();
    const done = writeLater(i32.buffer as SharedArrayBuffer, [[B + H_FOCUS, -1], [B + H_PAUSE, 0]], B + H_PAUSE);
    expect(decide(i32, B, -1, task.control.counters)).toBe(1);
    expect([h[H_PAUSE], h[H_STATUS]]).toEqual([0, ST_RUNNING]);
    await done;
  });

  it('ends (no choice) when the run was ended while it paused', async () => {
    const { i32, h, task } = stepped();
    const done = writeLater(i32.buffer as SharedArrayBuffer, [[B + H_STATUS, ST_ABORTED], [B + H_PAUSE, 0]], B + H_PAUSE);
    expect(decide(i32, B, -1, task.control.counters)).toBe(-1);
    expect(h[H_STATUS]).toBe(ST_ABORTED);
    await done;
  });
});
