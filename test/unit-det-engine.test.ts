import { describe, expect, it } from 'vitest';
import {
  A_BASE, A_BLOCKED, A_DONE, A_WORDS, DEC_HOLDER, DEC_WORDS, H_CHANGE, H_CULPRIT, H_FLOOR, H_LENIENT, H_MAX_DEC, H_MAX_STEPS, H_MEMORY,
  H_NACTORS, H_NCHANGE, H_NDEC, H_NFORCED, H_SB_BASE, H_SEED, H_SERVES, H_STATUS, H_STEP, H_STEPPING, H_STEP_BUDGET, H_STOP_ON_FORBIDDEN,
  H_STOP_WORD, H_STRATEGY, H_TARGET, K, MAX_ACTORS, MAX_CHANGE_POINTS, R_ADDR, R_EXPECT, R_KIND, R_PRIO, R_STATE, R_STEPS, ST_ABORTED,
  ST_DEADLOCK, ST_DIVERGED, ST_FINISHED, ST_STALE, STRATEGIES, TRACE_WORDS, decBase, forcedBase,
} from '../src/lab/det/block.js';
import { type DetOptions, type IterationPlan, blockShape, concludeScheduled, prepareScheduled } from '../src/lab/det/engine.js';
import type { ActorFailureReport, BatchResult } from '../src/runtime/actors.js';
import { STOP } from '../src/runtime/control.js';
import '../src/scenarios/index.js';

/**
 * The deterministic engine's main-thread half in process (engine.ts): the block a run's
 * plan is written into before the actors start, and how a run's ending is read back and
 * judged once they return. The actors' own half (decide.ts, port.ts) runs in worker threads:
 * unit-det-decide-ends and unit-det-workers.
 */
const opts = (o: Partial<DetOptions> = {}): DetOptions => ({ stepBudget: 50, opBudget: 1, stopOnForbidden: true, timeBudgetMs: 1000, ...o });
const probe = (plan: IterationPlan = { strategy: 'random', seed: 1 }, o: Partial<DetOptions> = {}, params: Record<string, unknown> = { workers: 2 }) =>
  prepareScheduled('sched-probe', { ops: 1, ...params }, plan, opts(o));
const batch = (failures: ActorFailureReport[] = []): BatchResult => ({ results: [], failures, elapsedMs: 0, stoppedEarly: false, heldLocks: [] });
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};
/** sched-probe's words (src/scenarios/sched-probe.ts). */
interface ProbeWords {
  counter: number;
  lockA: number;
  flag: number;
}
const failure = (actor: number, kind: 'crashed' | 'hung', message: string): ActorFailureReport => ({ actor, role: 'bumper', kind, lastOp: 'start', state: 'running', message });

describe('the block a run is laid out in', () => {
  it('holds twice each actor\'s step budget (plus two) in steps and in decisions; at most MAX_ACTORS actors', () => {
    expect(blockShape(3, 100)).toEqual({ actors: 3, maxSteps: 612, maxDecisions: 612 });
    expect(blockShape(MAX_ACTORS, 0).maxSteps).toBe(MAX_ACTORS * 4);
    expect(() => blockShape(MAX_ACTORS + 1, 10)).toThrow(`actors: the deterministic engine schedules at most ${MAX_ACTORS} actors, not ${MAX_ACTORS + 1} (allowed: 1 to ${MAX_ACTORS})`);
  });

  it("writes the plan and the options into the header: strategy, seed, budgets, PCT's priorities and change points, the forced decisions", () => {
    const plan: IterationPlan = { strategy: 'pct', seed: 77, priorities: [5, 3], changePoints: [4, 9], forced: [1, 0, 1] };
    const { run, base, shape } = probe(plan, { lenient: true, memory: 'tso' });
    const i32 = run.mem.i32;
    const h = (w: number) => i32[base + w];
    expect(shape).toEqual({ actors: 2, maxSteps: 208, maxDecisions: 208 });
    expect([h(H_STRATEGY), h(H_SEED), h(H_NACTORS), h(H_STEP_BUDGET), h(H_MAX_STEPS), h(H_MAX_DEC)]).toEqual([STRATEGIES.indexOf('pct'), 77, 2, 50, 208, 208]);
    expect([h(H_STOP_ON_FORBIDDEN), h(H_CULPRIT), h(H_SERVES), h(H_LENIENT), h(H_MEMORY), h(H_FLOOR), h(H_STEPPING)]).toEqual([1, -1, 0, 1, 1, 0, 0]);
    expect(h(H_STOP_WORD)).toBe(run.control.control + STOP);
    expect([h(H_NCHANGE), h(H_CHANGE), h(H_CHANGE + 1)]).toEqual([2, 4, 9]);
    expect([0, 1].map((a) => h(A_BASE + a * A_WORDS + R_PRIO))).toEqual([5, 3]);
    expect([h(H_NFORCED), ...[0, 1, 2].map((k) => h(forcedBase(shape) + k))]).toEqual([3, 1, 0, 1]);
    // Store buffers under a weak memory model: the region the image names for them, one per actor.
    expect(h(H_SB_BASE)).toBeGreaterThan(base);
    expect(run.wordName(h(H_SB_BASE))).toBe('det.store-buffers+0');
  });

  it('defaults: no stop at a forbidden outcome unless asked, strict, sequential consistency (no store buffers), priorities 0', () => {
    const { run, base } = probe({ strategy: 'dfs', seed: -1 }, { stopOnForbidden: false });
    const h = (w: number) => run.mem.i32[base + w];
    expect([h(H_STRATEGY), h(H_SEED), h(H_STOP_ON_FORBIDDEN), h(H_LENIENT), h(H_MEMORY), h(H_SB_BASE), h(H_NCHANGE), h(H_NFORCED)]).toEqual([STRATEGIES.indexOf('dfs'), -1, 0, 0, 0, 0, 0, 0]);
    expect(h(A_BASE + R_PRIO)).toBe(0);
    expect(probe({ strategy: 'random', seed: 1 }, { memory: 'relaxed' }).run.mem.i32[base + H_MEMORY]).toBe(2);
  });

  it('marks the actors whose roles serve others (page-alloc-stress\'s kswapd) in a mask', () => {
    const { run, base } = prepareScheduled('page-alloc-stress', { nodes: 1, cpusPerNode: 2, mem: '16M', orders: '0', kswapd: true, touch: false }, { strategy: 'random', seed: 1 }, opts());
    const mask = run.roles.reduce((m, r, a) => (r === 'kswapd' ? m | (1 << a) : m), 0);
    expect(mask).not.toBe(0);
    expect(run.mem.i32[base + H_SERVES]).toBe(mask);
  });

  it('stepping (memrace step): no decision log nor trace, the target in the header, no step budget', () => {
    const { run, base, shape } = probe({ strategy: 'random', seed: 0 }, { stepping: 3, stepBudget: 0 });
    const h = (w: number) => run.mem.i32[base + w];
    expect(shape).toEqual({ actors: 2, maxSteps: 0, maxDecisions: 0 });
    expect([h(H_STEPPING), h(H_TARGET), h(H_STEP_BUDGET)]).toEqual([1, 3, 0x3fffffff]);
  });

  it('refuses more change points than the header holds, and more forced decisions than the run can take', () => {
    const points = Array.from({ length: MAX_CHANGE_POINTS + 1 }, (_, k) => k + 1);
    expect(() => probe({ strategy: 'pct', seed: 1, changePoints: points })).toThrow(`--depth: ${MAX_CHANGE_POINTS + 2} needs more change points than the scheduler holds (allowed: 0 to ${MAX_CHANGE_POINTS + 1})`);
    expect(() => probe({ strategy: 'pct', seed: 1, changePoints: points.slice(1) })).not.toThrow();
    const { shape } = probe();
    expect(() => probe({ strategy: 'dfs', seed: 0, forced: Array<number>(shape.maxDecisions + 1).fill(0) }))
      .toThrow(`the schedule has ${shape.maxDecisions + 1} decisions, more than this run can take (${shape.maxDecisions})`);
    expect(() => probe({ strategy: 'dfs', seed: 0, forced: Array<number>(shape.maxDecisions).fill(0) })).not.toThrow();
    expect(codeOf(() => probe({ strategy: 'dfs', seed: 0, forced: Array<number>(shape.maxDecisions + 1).fill(0) }))).toBe('E_SCHEDULE');
    expect(codeOf(() => probe({ strategy: 'pct', seed: 1, changePoints: points }))).toBe('E_CONFIG');
  });
});

describe("a run's ending, read back and judged", () => {
  /** A sched-probe run of two bumpers as the actors would leave it: `status`, the counter, decisions and positions by hand. */
  function ended(status: number, o: { counter?: number; plan?: IterationPlan; det?: Partial<DetOptions>; failures?: ActorFailureReport[]; culprit?: number } = {}) {
    const plan = o.plan ?? { strategy: 'random', seed: 1 };
    const { run, base, shape } = probe(plan, o.det);
    const i32 = run.mem.i32;
    const state = run.state as ProbeWords;
    i32[base + H_STATUS] = status;
    i32[base + H_CULPRIT] = o.culprit ?? -1;
    i32[state.counter] = o.counter ?? 2;
    const conclude = () => concludeScheduled(run, base, shape, batch(o.failures), plan, opts(o.det), null);
    return { run, base, shape, i32, state, conclude };
  }
  const rec = (base: number, a: number) => base + A_BASE + a * A_WORDS;

  it('decodes each decision (chosen, candidates, default, whether the holder could go, its step), and the trace up to the steps taken', () => {
    const { base, shape, i32, conclude } = ended(ST_FINISHED);
    i32[base + H_NDEC] = 2;
    i32[base + H_STEP] = 3;
    i32.set([1, 0b11, 0 | DEC_HOLDER, 4, 0, 0b111, 2, 9], base + decBase(shape));
    const r = conclude();
    expect(r.decisions).toEqual([
      { chosen: 1, candidates: 3, dflt: 0, holderCould: true, step: 4 },
      { chosen: 0, candidates: 7, dflt: 2, holderCould: false, step: 9 },
    ]);
    expect(DEC_WORDS).toBe(4);
    expect([r.status, r.steps, r.trace.length, r.failure, r.culprit, r.notes]).toEqual(['finished', 3, 3 * TRACE_WORDS, null, -1, []]);
    expect(r.outcomes.find((x) => x.outcome === 'exact')?.count).toBe(1);
  });

  it('clamps the decisions and the trace to the block when the counts ran past it', () => {
    const { base, shape, i32, conclude } = ended(ST_STALE);
    i32[base + H_NDEC] = shape.maxDecisions + 5;
    i32[base + H_STEP] = shape.maxSteps + 7;
    const r = conclude();
    expect([r.decisions.length, r.steps, r.trace.length]).toEqual([shape.maxDecisions, shape.maxSteps + 7, shape.maxSteps * TRACE_WORDS]);
  });

  it('judges a forbidden outcome by its name and description; a pass with every increment is no failure', () => {
    expect(ended(ST_FINISHED, { counter: 1 }).conclude().failure).toEqual({ kind: 'forbidden', message: "forbidden outcome 'lost-update' (an increment was lost)" });
    const ok = ended(ST_FINISHED, { counter: 2 }).conclude();
    expect([ok.failure, ok.oracles.map((o) => o.violations.length)]).toEqual([null, [0]]);
  });

  it("runs the scenario's check only on a run that finished with no actor failing", () => {
    const stale = ended(ST_STALE, { counter: 1, culprit: 1 }).conclude();
    expect([stale.oracles, stale.outcomes.every((x) => x.count === 0)]).toEqual([[], true]);
    const crashed = ended(ST_FINISHED, { counter: 1, failures: [failure(0, 'crashed', 'boom')] }).conclude();
    expect(crashed.failure).toEqual({ kind: 'crash', message: "actor 0 (bumper) crashed during 'start': boom" });
  });

  it('names each waiting actor of a DEADLOCK by its state, access, word and the value it waits to change', () => {
    const { base, i32, state, conclude } = ended(ST_DEADLOCK);
    for (const a of [0, 1]) {
      i32[rec(base, a) + R_STATE] = A_BLOCKED;
      i32[rec(base, a) + R_KIND] = K.wait;
      i32[rec(base, a) + R_ADDR] = state.lockA;
      i32[rec(base, a) + R_EXPECT] = a + 5;
      i32[rec(base, a) + R_STEPS] = 10 + a;
    }
    const r = conclude();
    expect(r.failure).toEqual({ kind: 'deadlock', message: "DEADLOCK: every live actor waits: actor 0 (bumper) blocked at wait probe.lockA+0 == 5 during 'start'; actor 1 (bumper) blocked at wait probe.lockA+0 == 6 during 'start'" });
    expect(r.positions.map((p) => [p.state, p.access, p.steps, p.expected])).toEqual([['blocked', 'wait', 10, 5], ['blocked', 'wait', 11, 6]]);
  });

  it('leaves the finished actors out of a DEADLOCK, and shows no expected value for an access that is not a wait', () => {
    const { base, i32, state, conclude } = ended(ST_DEADLOCK);
    i32[rec(base, 0) + R_STATE] = A_DONE;
    i32[rec(base, 0) + R_ADDR] = -1;
    i32[rec(base, 1) + R_STATE] = A_BLOCKED;
    i32[rec(base, 1) + R_KIND] = K.load;
    i32[rec(base, 1) + R_ADDR] = state.flag + 1;
    i32[rec(base, 1) + R_EXPECT] = 9;
    const r = conclude();
    expect(r.failure?.message).toBe("DEADLOCK: every live actor waits: actor 1 (bumper) blocked at load probe.flag+1 during 'start'");
    expect(r.positions[1].expected).toBeUndefined();
    // An actor with no access yet has no address (-1); word 0 of the image is a word like any other.
    expect(r.positions[0].address).toBe('-');
  });

  it('names the STALE culprit, or a full decision log when there is none', () => {
    const { run, base, i32, state, conclude } = ended(ST_STALE, { culprit: 1 });
    i32[rec(base, 1) + R_KIND] = K.load;
    i32[rec(base, 1) + R_ADDR] = state.flag;
    expect(conclude().failure).toEqual({ kind: 'stale', message: "STALE: actor 1 (bumper) did not finish within its step budget, nor in as many more steps under a fair schedule; last at load probe.flag+0 during 'start'" });
    expect(conclude().positions[0].address).toBe(run.wordName(0));
    expect(ended(ST_STALE).conclude().failure).toEqual({ kind: 'stale', message: 'STALE: the decision log is full' });
  });

  it('an aborted run whose actors were only slow to stop is out of time, neither pass nor failure; one with a crash is a crash', () => {
    const slow = ended(ST_ABORTED, { failures: [failure(0, 'hung', 'no return'), failure(1, 'hung', 'no return')] }).conclude();
    expect([slow.outOfTime, slow.failure]).toEqual([true, null]);
    const none = ended(ST_ABORTED).conclude();
    expect([none.outOfTime, none.failure]).toEqual([true, null]);
    const crash = ended(ST_ABORTED, { failures: [failure(0, 'hung', 'no return'), failure(1, 'crashed', 'boom')] }).conclude();
    expect([crash.outOfTime, crash.failure?.kind, crash.failure?.message]).toEqual([false, 'crash', "actor 0 (bumper) hung during 'start': no return; actor 1 (bumper) crashed during 'start': boom"]);
    expect(ended(ST_FINISHED).conclude().outOfTime).toBe(false);
  });

  it('refuses a forced schedule that does not fit: a decision no actor can take, or more decisions than the run had', () => {
    const diverged = ended(ST_DIVERGED, { culprit: 1 });
    diverged.i32[diverged.base + H_NDEC] = 4;
    expect(diverged.conclude).toThrow('the schedule does not fit this run: decision 4 names actor 1, who cannot go there (a different scenario, parameters or code)');
    expect(codeOf(diverged.conclude)).toBe('E_SCHEDULE');
    const forced: IterationPlan = { strategy: 'dfs', seed: 0, forced: [0, 1, 0] };
    for (const status of [ST_FINISHED, ST_DEADLOCK]) {
      const short = ended(status, { plan: forced });
      short.i32[short.base + H_NDEC] = 2;
      expect(short.conclude).toThrow('the schedule does not fit this run: it has 3 decisions, the run ended after 2 (a different scenario, parameters or code)');
      expect(codeOf(short.conclude)).toBe('E_SCHEDULE');
      short.i32[short.base + H_NDEC] = 3;
      expect(short.conclude).not.toThrow();
    }
    // A STALE run ends before its forced decisions are used up; a lenient replay takes what fits.
    const stale = ended(ST_STALE, { plan: forced });
    stale.i32[stale.base + H_NDEC] = 2;
    expect(stale.conclude).not.toThrow();
    const lenient = ended(ST_FINISHED, { plan: forced, det: { lenient: true } });
    lenient.i32[lenient.base + H_NDEC] = 2;
    expect(lenient.conclude().decisions.length).toBe(2);
  });

  it("adds the history check's oracle when asked, passes the scenario's notes on, and judges broken oracles by name, first violation and the count of the rest", () => {
    const plan: IterationPlan = { strategy: 'random', seed: 1 };
    const ring = (det: Partial<DetOptions>, corrupt?: string) => {
      const { run, base, shape } = prepareScheduled('ring-stress', { count: 8, bulk: 2, workers: 2, ops: 1 }, plan, opts(det));
      run.mem.i32[base + H_STATUS] = ST_FINISHED;
      if (corrupt) {
        const w = Array.from({ length: 4096 }, (_, k) => k).find((k) => run.wordName(k) === corrupt)!;
        run.mem.i32[w] += 1;
      }
      return concludeScheduled(run, base, shape, batch(), plan, opts(det), null);
    };
    const checked = ring({ check: 'linearizable' });
    expect(checked.oracles.map((o) => [o.name, o.violations.length])).toEqual([['exactly-once', 0], ['conservation', 0], ['linearizable', 0]]);
    expect(checked.notes).toEqual(['ring: 0 of 7 slots in use at the end; 0 enqueued, 0 dequeued']);
    expect([checked.failure, ring({}).oracles.map((o) => o.name)]).toEqual([null, ['exactly-once', 'conservation']]);
    expect(ring({}, 'ring.prod.head').failure).toEqual({ kind: 'oracle', message: 'oracle conservation: prod.head 1 != prod.tail 0 with no operation in flight' });
    expect(ring({}, 'ring.prod.tail').failure).toEqual({ kind: 'oracle', message: 'oracle exactly-once: object 0 is in the ring but marked free; oracle conservation: prod.head 0 != prod.tail 1 with no operation in flight (+2 more)' });
  });
});
