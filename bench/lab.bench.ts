import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { Ring } from '../src/dpdk/ring.js';
import { ringFlags } from '../src/dpdk/ring_layout.js';
import { runScheduled } from '../src/lab/det/engine.js';
import { actorPool } from '../src/runtime/actors.js';
import { ActorContext } from '../src/runtime/context.js';
import { allocControl } from '../src/runtime/control.js';
import { Rng } from '../src/runtime/rng.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { runStress } from '../src/lab/stress.js';
import { HistoryRecorder, historyWords } from '../src/lab/history/recorder.js';
import { RING_DEQ_BULK, RING_ENQ_BULK } from '../src/lab/history/specs/ring.js';
import { type BenchSuite, type Measurement, measurement } from './suite.js';

const BULK = 32;
const BATCH = 256;

/** Words of history one batch of the recorded loop writes, with room to spare. */
const BATCH_HISTORY_WORDS = BATCH * 2 * (8 + 2 * BULK);

/**
 * The stress engine's bookkeeping per op, as ring-stress pays it (stopped, op, begin/end,
 * outcome, done), against the bare enqueue/dequeue loop, and the same with each call's
 * invocation and response recorded as `--check linearizable` records them: one thread, so
 * only the engine's and the recorder's own costs differ.
 */
async function engineOverhead(quick: boolean): Promise<Measurement[]> {
  const arena = Arena.create(1 << 21);
  const mem = new AtomicsMem(arena.sab);
  const ring = Ring.create(arena, mem, 'bench', 1024, ringFlags('SP', 'SC'));
  const control = allocControl(arena, 1, 2);
  const ctx = new ActorContext(mem, arena, control, 0, 'bench', ['bench'], {}, null, new Rng(1), 0, ['ACCEPTABLE', 'FORBIDDEN']);
  const ref = { base: arena.allocWords('history', historyWords(1, BATCH_HISTORY_WORDS)), words: BATCH_HISTORY_WORDS, stepWord: -1 };
  const objs = Int32Array.from({ length: BULK }, (_, i) => i);
  const out = new Int32Array(BULK);
  const bench = new Bench({ time: quick ? 100 : 1000, warmupTime: quick ? 20 : 200 });
  bench.add('bare loop: enqueue_bulk + dequeue_bulk', () => {
    for (let i = 0; i < BATCH; i++) {
      ring.enqueue_bulk(objs, BULK);
      ring.dequeue_bulk(out, BULK);
    }
  });
  bench.add('stress engine loop: the same, with the ActorContext bookkeeping', () => {
    for (let i = 0; i < BATCH; i++) {
      if (ctx.stopped()) break;
      ctx.op(2);
      ctx.begin();
      ring.enqueue_bulk(objs, BULK);
      ctx.end();
      ctx.op(3);
      ring.dequeue_bulk(out, BULK);
      ctx.outcome(0, BULK);
      ctx.done(BULK);
    }
  });
  bench.add('recorded loop: the same, each call recorded in the history', () => {
    // A fresh recorder per batch writes the same area again: the stress engine's is 8 MiB per actor.
    const h = new HistoryRecorder(mem.i32, ref, 0);
    for (let i = 0; i < BATCH; i++) {
      if (ctx.stopped()) break;
      ctx.op(2);
      ctx.begin();
      h.invoke(RING_ENQ_BULK, objs, BULK);
      h.respond1(ring.enqueue_bulk(objs, BULK));
      ctx.end();
      ctx.op(3);
      h.invoke1(RING_DEQ_BULK, BULK);
      h.respond(out, ring.dequeue_bulk(out, BULK));
      ctx.outcome(0, BULK);
      ctx.done(BULK);
    }
  });
  await bench.run();
  return bench.tasks.map((t) => {
    const period = (t.result as { period?: number }).period ?? NaN;
    return measurement(t.name, BATCH * BULK, period, 'objects through one SP/SC ring, one thread');
  });
}

/**
 * The deterministic engine's costs: a whole iteration of a tiny run (pool dispatch, start
 * barrier, judging: what an exploration pays per schedule), and a turn with one actor alone
 * (the token never moves: bookkeeping only) and with two actors under the random strategy
 * (the token moves between threads about every other turn).
 */
async function scheduled(quick: boolean): Promise<Measurement[]> {
  const det = { stepBudget: 1e6, stopOnForbidden: false, timeBudgetMs: 120_000 };
  const out: Measurement[] = [];
  const pool2 = actorPool(2);
  try {
    const iterations = quick ? 20 : 200;
    await runScheduled('sched-probe', { workers: 2, ops: 1 }, { strategy: 'random', seed: 0 }, det, pool2);
    let t0 = performance.now();
    for (let i = 0; i < iterations; i++) await runScheduled('sched-probe', { workers: 2, ops: 1 }, { strategy: 'random', seed: i }, det, pool2);
    out.push(measurement('explore iteration, 2 actors, 1 op each', iterations, performance.now() - t0, 'per schedule tried: dispatch, barrier, judging'));
    const ops = quick ? 500 : 5000;
    t0 = performance.now();
    const r = await runScheduled('sched-probe', { workers: 2, ops }, { strategy: 'random', seed: 1 }, det, pool2);
    const handoffs = r.decisions.filter((d, k) => k > 0 && d.chosen !== r.decisions[k - 1].chosen).length;
    out.push(measurement('scheduled access, two actors, random', r.steps, performance.now() - t0, `${r.steps} turns, ${handoffs} hand-offs between threads`));
  } finally {
    await pool2.destroy();
  }
  const pool1 = actorPool(1);
  try {
    const ops = quick ? 2000 : 50_000;
    const t0 = performance.now();
    const r = await runScheduled('sched-probe', { workers: 1, ops }, { strategy: 'random', seed: 1 }, det, pool1);
    out.push(measurement('scheduled access, one actor', r.steps, performance.now() - t0, `${r.steps} turns, no hand-off`));
  } finally {
    await pool1.destroy();
  }
  return out;
}

/**
 * History recording's cost: the same ring-stress run, unrecorded and recorded
 * (`--check linearizable`), objects moved per second while the actors run (the check that
 * follows is not counted). Small ring and bulks: many operations, so recording's share is large.
 */
async function recording(quick: boolean): Promise<Measurement[]> {
  const params = { count: 64, bulk: 8, duration: quick ? 200 : 1000 };
  const best = [Infinity, Infinity];
  const notes = ['no history', ''];
  // Alternating rounds, the best of each: on a shared machine one run's luck is noise.
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const k of [0, 1]) {
      const r = await runStress({ scenario: 'ring-stress', params, ...(k ? { check: 'linearizable' as const } : {}) });
      best[k] = Math.min(best[k], r.durationMs / r.totalOps);
      if (k) notes[1] = (r.notes.find((n) => n.startsWith('history:')) ?? '').replace(/ against .*$/, '');
    }
  }
  return ['unrecorded', 'history recorded'].map((what, k) => measurement(`ring-stress, 4 workers, ${what} (best of rounds)`, 1, best[k], notes[k]));
}

/** Keeps the raw loop's result alive, so it is not optimised away. */
export let sink = 0;

/** An Atomics add through the port, for scale. */
function rawAccess(quick: boolean): Measurement {
  const mem = new AtomicsMem(new SharedArrayBuffer(64));
  const n = quick ? 1e6 : 2e7;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) sink += mem.add(1, 1);
  return measurement('AtomicsMem.add, one thread', n, performance.now() - t0);
}

export const labSuite: BenchSuite = {
  name: 'lab',
  summary: "the lab's engines: the deterministic scheduler's cost per access, the stress engine's bookkeeping per op",
  async run({ quick, log }) {
    log('stress engine bookkeeping against the bare loop');
    const [bare, engine, recordedLoop] = await engineOverhead(quick);
    log('deterministic engine iterations and turns');
    const [iteration, handoff, alone] = await scheduled(quick);
    const raw = rawAccess(quick);
    log('stress run with and without history recording');
    const [unrecorded, recorded] = await recording(quick);
    return {
      suite: 'lab',
      cpus: cpus().length,
      measurements: [bare, engine, recordedLoop, raw, alone, handoff, iteration, unrecorded, recorded],
      targets: [
        { name: 'stress engine loop / bare loop, time per object', ratio: engine.nsPerOp / bare.nsPerOp, bound: 1.5, atMost: true },
        { name: 'scheduled access alone / AtomicsMem.add', ratio: alone.nsPerOp / raw.nsPerOp, bound: 100, atMost: true },
        { name: 'scheduled access with hand-offs / alone', ratio: handoff.nsPerOp / alone.nsPerOp, bound: 200, atMost: true },
        { name: 'stress run with history recorded / unrecorded, time per object', ratio: recorded.nsPerOp / unrecorded.nsPerOp, bound: 1.5, atMost: true },
      ],
    };
  },
};
