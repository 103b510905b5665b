import { describe, expect, it, vi } from 'vitest';
import type { DetOptions, DetRun, IterationPlan } from '../src/lab/det/engine.js';
import type { ScheduleFile } from '../src/lab/det/schedule.js';
import { bumpedRun, bumpers } from './det-bumpers.js';

/**
 * The shrinker (src/lab/det/shrink.ts) in process: its reruns go to the bumpers program run
 * by hand (det-bumpers.ts: the lost update, decided as the scheduler decides) in place of the
 * actor threads, so the delta debugging over a schedule's switches, its budgets of runs and time, and the
 * plan each rerun is given are stated exactly, in milliseconds.
 */
const calls = vi.hoisted(() => [] as Array<{ scenario: string; params: unknown; plan: IterationPlan; opts: DetOptions }>);
const program = vi.hoisted(() => ({ actors: 2, incs: 2 }));

vi.mock('../src/lab/det/engine.js', () => ({
  runScheduled: async (scenario: string, params: unknown, plan: IterationPlan, opts: DetOptions) => {
    calls.push({ scenario, params, plan, opts });
    return bumpers(program.actors, program.incs, plan.forced ?? []);
  },
}));

// `npm run mutate` shares one module graph among its files (isolate: false): shrink.ts may be
// loaded already, bound to the real engine; import it afresh so that it sees the mock.
vi.resetModules();
const { MIN_RUN_MS, SHRUNK_PLAN, sequentialRun, shrink } = await import('../src/lab/det/shrink.js');

const head = { scenario: 'bump', params: { workers: 2 } } as unknown as ScheduleFile;
const det: DetOptions = { stepBudget: 100, stopOnForbidden: true, timeBudgetMs: 60_000 };
const pool = {} as never;
const found = (forced: number[]) => bumpedRun(program.actors, program.incs, forced);
const OTHER = { kind: 'forbidden', message: "forbidden outcome 'other'" };
const chosen = (r: Pick<DetRun, 'decisions'>) => r.decisions.map((d) => d.chosen);

function setUp(actors: number, incs: number) {
  Object.assign(program, { actors, incs });
  calls.length = 0;
}

describe('shrinking a failing schedule: fewest preemptions, then switches, then decisions', () => {
  it('two bumpers of two increments, alternating at every turn (7 switches), shrink to the one preemption a lost update needs', async () => {
    setUp(2, 2);
    const start = found([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(chosen(start)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(start.failure?.message).toBe("forbidden outcome 'lost'");
    const s = await shrink(head, start, det, pool);
    expect(s.from).toEqual({ decisions: 7, switches: 6, preemptions: 6 });
    expect(s.to).toEqual({ decisions: 5, switches: 1, preemptions: 1 });
    expect(chosen(s.run)).toEqual([0, 1, 1, 1, 1]);
    expect(s.runs).toBe(calls.length);
    // All six switches dropped (the sequential run passes), then the last three: a0 and a1
    // alternate four turns, a1 finishes: lost, and smaller. Of its three switches all, then the
    // last two: a1 preempts a0's first load and runs to its end; then the last one, which passes.
    expect(calls.map((c) => c.plan.forced)).toEqual([[], [0, 1, 0, 1], [], [0, 1], []]);
  });

  it('gives each rerun the schedule header, the shrunk plan (DFS: the holder goes on after the forced choices), lenient, and no more time than is left', async () => {
    setUp(2, 2);
    await shrink(head, found([0, 1, 1, 1, 0]), det, pool);
    expect(SHRUNK_PLAN).toEqual({ strategy: 'dfs', seed: 0 });
    for (const c of calls) {
      expect([c.scenario, c.params, c.plan.strategy, c.plan.seed]).toEqual(['bump', { workers: 2 }, 'dfs', 0]);
      expect(c.opts).toMatchObject({ stepBudget: 100, stopOnForbidden: true, lenient: true });
      // MAX_MS, 20 s, less what the shrinker has spent: under the exploration's 60 s.
      expect(c.opts.timeBudgetMs).toBeLessThanOrEqual(20_000);
      expect(c.opts.timeBudgetMs).toBeGreaterThan(19_000);
    }
    calls.length = 0;
    await shrink({ ...head, scenarioFile: '/tmp/bump.mjs' } as ScheduleFile, found([0, 1, 1, 1, 0]), { ...det, timeBudgetMs: 3000 }, pool, () => 5000);
    expect(calls.map((c) => [c.scenario, c.opts.timeBudgetMs])).toEqual(calls.map(() => ['/tmp/bump.mjs', 3000]));
    calls.length = 0;
    await shrink(head, found([0, 1, 1, 1, 0]), det, pool, () => 5000);
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c.opts.timeBudgetMs).toBe(5000);
  });

  it('starts no run with less than MIN_RUN_MS (1 s) left, one with exactly that', async () => {
    setUp(2, 2);
    expect(MIN_RUN_MS).toBe(1000);
    const r = found([0, 1, 0, 1, 0, 1, 0, 1]);
    const none = await shrink(head, r, det, pool, () => 999);
    expect([none.runs, calls.length, none.run]).toEqual([0, 0, r]);
    expect(none.to).toEqual(none.from);
    const some = await shrink(head, r, det, pool, () => 1000);
    expect(some.runs).toBeGreaterThan(0);
  });

  it('keeps the found run when no smaller schedule fails the same way, trying every chunk down to single switches; a schedule without a switch is not rerun', async () => {
    setUp(2, 2);
    // A failure no rerun has: no schedule fails the same way.
    const r = { ...found([0, 1, 0, 1, 0, 1, 0, 1]), failure: OTHER } as DetRun;
    const s = await shrink(head, r, det, pool);
    expect(s.run).toBe(r);
    // 6 switches: one chunk of 6, two of 3, three of 2, six of 1.
    expect(s.runs).toBe(1 + 2 + 3 + 6);
    calls.length = 0;
    const plain = found([]);
    expect(await shrink(head, plain, det, pool)).toEqual({ run: plain, from: { decisions: 4, switches: 0, preemptions: 0 }, to: { decisions: 4, switches: 0, preemptions: 0 }, runs: 0 });
    expect(calls).toEqual([]);
  });

  it('stops at 300 runs', async () => {
    setUp(2, 120);
    const forced = Array.from({ length: 480 }, (_, k) => k % 2);
    const r = { ...found(forced), failure: OTHER } as DetRun;
    const s = await shrink(head, r, det, pool);
    expect(s.runs).toBe(300);
    expect(calls).toHaveLength(300);
  });

  it('the sequential run: no forced choice at all, leniently', async () => {
    setUp(2, 2);
    const r = await sequentialRun(head, det, pool);
    expect(chosen(r)).toEqual([0, 0, 0, 0]);
    expect(r.failure).toBeNull();
    expect(calls.map((c) => [c.plan, c.opts.lenient, c.opts.timeBudgetMs])).toEqual([[{ strategy: 'dfs', seed: 0, forced: [] }, true, 60_000]]);
  });
});
