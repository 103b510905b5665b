// mutate-set: workers (vitest.mutate.config.ts runs these explorations against every det mutant they reach)
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ExploreOptions, explore } from '../src/lab/det/explore.js';
import { replay } from '../src/lab/det/replay.js';
import { renderTrace } from '../src/lab/det/trace.js';
import { stepScenario } from '../src/lab/step.js';

/**
 * The deterministic engine's verdicts on real worker threads, each from a tiny program whose
 * answer is known exactly: how many schedules DFS has, at which iteration a fixed seed finds
 * a race, what a failure is called, what shrink leaves, which replays reproduce. Each
 * exploration takes well under a second, so `npm run mutate` runs them against every mutant
 * of src/lab/det that a worker reaches (docs/testing.md, "Mutants in worker threads"); the
 * longer explorations of full scenarios stay in det-explore.test.ts.
 */
const dir = () => mkdtempSync(join(tmpdir(), 'memrace-det-w-'));
const run = (o: Omit<ExploreOptions, 'failuresDir'>) => explore({ ...o, failuresDir: dir() });
const probe = (params: Record<string, unknown>, o: Partial<ExploreOptions> = {}) => run({ scenario: 'sched-probe', params, ...o });

const LOST = "forbidden outcome 'lost-update' (an increment was lost)";

describe('DFS on two bumpers of one increment each', () => {
  it('has 3 schedules within one preemption with partial-order reduction, 6 without it, 6 within two: each run once, all clean', async () => {
    for (const [depth, por, n] of [[1, true, 3], [1, false, 6], [2, true, 6]] as const) {
      const r = await probe({ ops: 1 }, { strategy: 'dfs', depth, por });
      expect([r.iterations, r.exhausted, r.failure]).toEqual([n, true, null]);
      expect(r.coverage).toMatchObject({ schedules: n, distinct: n, outcomeSets: 1, exhausted: true, covered: 1 });
    }
  });

  it('finds the load-store increment at its second schedule: one preemption between the load and the store', async () => {
    const r = await probe({ variant: 'lost-update', ops: 1 }, { strategy: 'dfs', depth: 1, iterations: 100 });
    const f = r.failure!;
    expect([r.iterations, f.schedule.iteration, f.run.failure]).toEqual([2, 1, { kind: 'forbidden', message: LOST }]);
    expect([f.schedule.decisions, f.schedule.steps, f.schedule.sequential]).toEqual(['0 1*2', 6, false]);
    expect(f.shrunk?.to).toEqual({ decisions: 3, switches: 1, preemptions: 1 });
    expect(r.coverage).toMatchObject({ schedules: 2, distinct: 2, outcomeSets: 2, exhausted: false, covered: 0.5 });
  });
});

describe('a saved schedule replays exactly, and only on what it was recorded for', () => {
  it('replays the lost update with its trace; the correct variant, or a recorded run that differs, does not reproduce', async () => {
    const r = await probe({ variant: 'lost-update', ops: 1 }, { strategy: 'dfs', depth: 1, iterations: 100 });
    const file = r.failure!.file;
    const again = await replay('sched-probe', file);
    expect([again.reproduced, again.difference, again.run.failure?.message]).toEqual([true, undefined, LOST]);
    expect(renderTrace(again.trace, again.run.run.roles)).toEqual([
      '    0  a0 bumper  load    probe.counter+0 -> 0',
      '    1  a1 bumper  load    probe.counter+0 -> 0',
      '    2  a1 bumper  store   probe.counter+0 = 1 (was 0)',
      '    3  a1 bumper  end',
      '    4  a0 bumper  store   probe.counter+0 = 1 (was 1)',
      '    5  a0 bumper  end',
    ]);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const edited = (change: Record<string, unknown>) => {
      const f = join(dir(), 'edited.schedule');
      writeFileSync(f, JSON.stringify({ ...saved, ...change }));
      return replay('sched-probe', f);
    };
    const correct = await edited({ variant: 'correct', params: { ...saved.params, variant: 'correct' } });
    expect([correct.reproduced, correct.difference]).toEqual([false, '7 decisions, the schedule has 3']);
    const turns = await edited({ steps: 7 });
    expect([turns.reproduced, turns.difference]).toEqual([false, '6 turns, recorded 7']);
    await expect(edited({ decisions: '0*3' })).rejects.toThrow(/^the schedule does not fit this run: it has 3 decisions, the run ended after 2/);
  });
});

describe('PCT and random at fixed seeds', () => {
  it('PCT (depth 2, seed 7) finds the lost update of two increments each at iteration 21, already as small as it gets', async () => {
    const r = await probe({ variant: 'lost-update', ops: 2, seed: 7 }, { strategy: 'pct', depth: 2, iterations: 100 });
    const f = r.failure!;
    expect([r.iterations, f.schedule.iteration, f.run.failure?.message, f.schedule.decisions]).toEqual([22, 21, LOST, '0*3 1*4']);
    expect(f.shrunk).toEqual({ from: { decisions: 7, switches: 1, preemptions: 1 }, to: { decisions: 7, switches: 1, preemptions: 1 }, runs: 1 });
  });

  it('random (seed 1) finds three bumpers\' lost update at once, and shrink takes it from 18 preemptions to 2', async () => {
    const r = await probe({ variant: 'lost-update', workers: 3, seed: 1 }, { ops: 4, strategy: 'random', iterations: 50 });
    const f = r.failure!;
    expect([r.iterations, f.schedule.iteration, f.run.failure?.message]).toEqual([1, 0, LOST]);
    expect(f.shrunk).toEqual({ from: { decisions: 23, switches: 18, preemptions: 18 }, to: { decisions: 16, switches: 2, preemptions: 2 }, runs: 9 });
    expect([f.schedule.decisions, f.schedule.steps, f.schedule.sequential]).toEqual(['1 0*8 1*7', 27, false]);
    const again = await replay('sched-probe', f.file);
    expect([again.reproduced, again.run.steps]).toEqual([true, 27]);
  });

  it("random (seed 5) finds the tiny ring's no-tail-wait at its second schedule: an object lost", async () => {
    const r = await run({ scenario: 'ring-stress', params: { count: 8, bulk: 2, workers: 3, producers: 2, variant: 'no-tail-wait', seed: 5 }, ops: 1, strategy: 'random', iterations: 50, shrink: false });
    expect([r.iterations, r.failure?.schedule.iteration, r.failure?.run.failure?.message]).toEqual([2, 1, "forbidden outcome 'lost' (object marked in the ring but not in its contents at the end)"]);
    expect(r.failure?.shrunk).toBeUndefined();
  });

  it('ends by its time budget, counting only the iterations that ran to their end', async () => {
    const r = await probe({ ops: 2 }, { strategy: 'random', iterations: 1e6, timeBudgetMs: 300 });
    expect([r.outOfTime, r.failure, r.exhausted]).toEqual([true, null, false]);
    expect(r.iterations).toBeLessThan(1e6);
    expect(r.coverage.schedules).toBe(r.iterations);
  });
});

describe('runs that cannot end: DEADLOCK, STALE, a crash', () => {
  it('reports an ABBA deadlock (PCT, seed 3, iteration 4) with each actor blocked on the lock the other holds', async () => {
    const r = await probe({ variant: 'abba', ops: 1, seed: 3 }, { strategy: 'pct', iterations: 100 });
    const f = r.failure!;
    expect([r.iterations, f.schedule.iteration, f.run.failure?.kind, f.schedule.sequential]).toEqual([5, 4, 'deadlock', false]);
    expect(f.run.failure?.message).toBe("DEADLOCK: every live actor waits: actor 0 (bumper) blocked at wait probe.lockB+0 == -2147483646 during 'start'; actor 1 (bumper) blocked at wait probe.lockA+0 == -2147483647 during 'start'");
    expect(f.run.positions.map((p) => p.state)).toEqual(['blocked', 'blocked']);
  });

  it('reports a circular untimed wait at once, and that it needs no preemption', async () => {
    const r = await probe({ variant: 'circular-wait', ops: 1, workers: 3 }, { strategy: 'pct', iterations: 1 });
    const f = r.failure!;
    expect(f.run.failure).toEqual({ kind: 'deadlock', message: "DEADLOCK: every live actor waits: actor 0 (bumper) blocked at wait probe.flag+1 == 0 during 'start'; actor 1 (bumper) blocked at wait probe.flag+2 == 0 during 'start'; actor 2 (bumper) blocked at wait probe.flag+0 == 0 during 'start'" });
    expect([f.schedule.sequential, f.shrunk?.to]).toEqual([true, { decisions: 4, switches: 0, preemptions: 0 }]);
  });

  it('is not STALE when PCT starves the actor a spinner waits for: the run turns fair and ends', async () => {
    const r = await probe({ variant: 'starve', ops: 1 }, { strategy: 'pct', iterations: 6, stepBudget: 300 });
    expect([r.iterations, r.failure]).toEqual([6, null]);
  });

  it('reports STALE for the spinner nobody releases, and a crash by its actor and message', async () => {
    const stale = await probe({ variant: 'stale', ops: 1 }, { strategy: 'pct', iterations: 5, stepBudget: 500 });
    expect(stale.failure?.run.failure).toEqual({ kind: 'stale', message: "STALE: actor 1 (bumper) did not finish within its step budget, nor in as many more steps under a fair schedule; last at load probe.flag+0 during 'start'" });
    expect([stale.failure?.schedule.steps, stale.failure?.schedule.sequential]).toEqual([1006, true]);
    const crash = await probe({ variant: 'crash', ops: 3, workers: 3 }, { strategy: 'random', iterations: 3 });
    expect(crash.failure?.run.failure).toEqual({ kind: 'crash', message: "actor 0 (bumper) crashed during 'start': bumper 0 gives up" });
    expect([crash.failure?.schedule.decisions, crash.failure?.schedule.sequential]).toEqual(['0*5', true]);
  });
});

describe('weak memory and code outside the scheduler', () => {
  it("finds the store-buffering litmus (Peterson's lock, plain stores) under TSO, its explore setting, and relaxed memory; nothing under SC, nor in the correct lock", async () => {
    const tso = await run({ scenario: 'peterson', params: { variant: 'plain-stores', seed: 1 }, ops: 2, iterations: 100 });
    expect(tso.engine.memory).toBe('tso');
    const f = tso.failure!;
    expect([tso.iterations, f.schedule.iteration, f.schedule.memory, f.schedule.sequential]).toEqual([27, 26, 'tso', false]);
    expect(f.run.failure?.message).toBe("forbidden outcome 'lost-update' (both actors were inside at once: an increment was lost)");
    const sc = await run({ scenario: 'peterson', params: { variant: 'plain-stores' }, memory: 'sc', strategy: 'dfs', depth: 1, ops: 1, iterations: 300 });
    expect([sc.iterations, sc.exhausted, sc.failure]).toEqual([5, true, null]);
    const relaxed = await run({ scenario: 'peterson', params: { variant: 'plain-stores', seed: 1 }, memory: 'relaxed', ops: 2, iterations: 100 });
    expect([relaxed.iterations, relaxed.failure?.schedule.iteration, relaxed.failure?.schedule.memory, relaxed.failure?.schedule.decisions]).toEqual([11, 10, 'relaxed', '1*11 0*10 1']);
    const ok = await run({ scenario: 'peterson', params: { seed: 1 }, memory: 'relaxed', ops: 2, iterations: 30 });
    expect([ok.iterations, ok.failure]).toEqual([30, null]);
  });

  it('says a raw-Atomics scenario\'s plain typed-array writes changed words behind its back, and nothing of the Atomics lock', async () => {
    const rawLock = resolve('test/fixtures/user/raw-lock.scenario.mjs');
    const plain = await run({ scenario: rawLock, params: { variant: 'plain', workers: 2, ops: 4 }, strategy: 'random', iterations: 2 });
    expect(plain.uncontrolled).toEqual(["1 word(s) changed behind the scheduler's back (plain typed-array writes, or Atomics on a view it cannot see): count+0 (at the end)"]);
    expect(plain.failure).toBeNull();
    const locked = await run({ scenario: rawLock, params: { workers: 2, ops: 2 }, strategy: 'random', iterations: 2 });
    expect([locked.iterations, locked.failure, locked.uncontrolled]).toEqual([2, null, []]);
  });
});

describe('memrace step: each actor in turn makes a step of a few operations', () => {
  it('steps two bumpers one increment at a time, round by round, then ends the run and runs the oracles', async () => {
    const rounds: unknown[] = [];
    const r = await stepScenario('sched-probe', { workers: 2, ops: 2 }, 2, 1, (round) => rounds.push(round));
    expect(rounds).toEqual([
      { round: 1, steps: [{ actor: 0, role: 'bumper', ops: 1, stepOps: 1, lastOp: 'start' }, { actor: 1, role: 'bumper', ops: 1, stepOps: 1, lastOp: 'start' }], outcomes: {} },
      { round: 2, steps: [{ actor: 0, role: 'bumper', ops: 2, stepOps: 1, lastOp: 'start' }, { actor: 1, role: 'bumper', ops: 2, stepOps: 1, lastOp: 'start' }], outcomes: {} },
    ]);
    // After the last round the stop flag goes up: the probe's oracle, which counts workers x ops, runs on what was done.
    expect(r.oracles.map((o) => o.name)).toEqual(['counter']);
  });
});
