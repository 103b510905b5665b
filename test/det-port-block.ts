import {
  A_BASE, H_ARRIVED, H_CULPRIT, H_MEMORY, H_SB_BASE, H_MAX_DEC, H_MAX_STEPS, H_NACTORS, H_STATUS, H_STEP, H_STEP_BUDGET, H_STRATEGY, A_WORDS,
  ST_RUNNING, STRATEGIES, TRACE_WORDS, blockWords, traceBase,
} from '../src/lab/det/block.js';
import { ScheduledMem } from '../src/lab/det/port.js';
import { SB_WORDS } from '../src/lab/det/store_buffer.js';
import { C_LAST_OP, SLOT_WORDS, counterWord } from '../src/shm/counters.js';
import { AtomicsMem } from '../src/shm/mem.js';
import type { ActorTask } from '../src/runtime/task.js';

/**
 * The scheduled port on the main thread, as actor 0 of a hand-made block (DFS, sequential
 * memory): with every other actor blocked or done, each turn comes straight back to it, so
 * each access's trace entry, the books a write keeps for timed waiters, notify's FIFO and
 * the step budget can be read call by call. The hand-off between threads is the workers'
 * (unit-det-workers, det-explore).
 */
export const OP = 0x10005;
export const B = 64;

export function port(n = 1, budget = 100, memory = 0, seed = 0, actor = 0) {
  const shape = { actors: n, maxSteps: 32, maxDecisions: 8 };
  // The block starts at word B, not 0: an offset added where one is subtracted must show.
  const counters = B + blockWords(shape);
  const control = counters + SLOT_WORDS * n;
  const data = control + 256;
  const mem = new AtomicsMem(new SharedArrayBuffer(((data + 32 + SB_WORDS * n + 1) & ~1) * 4));
  const i32 = mem.i32;
  const h = i32.subarray(B);
  h[H_MEMORY] = memory;
  h[H_SB_BASE] = data + 32;
  h[H_STATUS] = ST_RUNNING;
  h[H_NACTORS] = n;
  h[H_STRATEGY] = STRATEGIES.indexOf('dfs');
  h[H_STEP_BUDGET] = budget;
  h[H_MAX_STEPS] = shape.maxSteps;
  h[H_MAX_DEC] = shape.maxDecisions;
  h[H_CULPRIT] = -1;
  h[H_ARRIVED] = n - 1;
  const task = { sched: B, actor, seed, control: { control, counters } } as unknown as ActorTask;
  const lastOp = counterWord({ counters }, actor, C_LAST_OP);
  i32[lastOp] = OP;
  const rec = (a: number) => A_BASE + a * A_WORDS;
  const trace = () => {
    const out: number[][] = [];
    for (let s = 0; s < Math.min(h[H_STEP], shape.maxSteps); s++) out.push([...h.subarray(traceBase(shape) + s * TRACE_WORDS, traceBase(shape) + (s + 1) * TRACE_WORDS)]);
    return out;
  };
  return { p: new ScheduledMem(mem, task), i32, h, data, rec, trace, shape, control, task, mem };
}

/** A trace entry's first word for actor 0 under the op OP. */
export const head = (kind: number) => (kind << 8) | ((OP & 0xffff) << 16);
