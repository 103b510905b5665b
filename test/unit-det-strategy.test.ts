import { describe, expect, it } from 'vitest';
import { MAX_CHANGE_POINTS } from '../src/lab/det/block.js';
import { mix32 } from '../src/lab/det/decide.js';
import type { Decision, DetRun } from '../src/lab/det/engine.js';
import { Coverage, coverageLine } from '../src/lab/det/coverage.js';
import { differenceOf } from '../src/lab/det/replay.js';
import type { ScheduleFile } from '../src/lab/det/schedule.js';
import { failureKey, preemptionCost, preemptions, sizeOf, switches } from '../src/lab/det/shrink.js';
import { makeStrategy, nextPrefix } from '../src/lab/det/strategy.js';
import { bumpedRun } from './det-bumpers.js';

/**
 * The main thread's half of the strategies, in process (the explorer runs them over worker
 * runs, which Stryker's mutants never reach): PCT's plan (Burckhardt et al. 2010), DFS's
 * preemption-bounded enumeration (CHESS), and the shrinker's schedule size.
 */

/** A choice point where actors in `cands` could go, `dflt` goes without a preemption. */
const dec = (chosen: number, cands: number, dflt = 0, holderCould = true): Decision => ({ chosen, candidates: cands, dflt, holderCould, step: 0 });
const run = (decisions: Decision[], steps = decisions.length): DetRun => ({ decisions, steps, trace: [] }) as unknown as DetRun;

describe('random and PCT plans', () => {
  it('random: iteration i runs seed mix32(seed, i), the same every time', () => {
    const s = makeStrategy('random', { seed: 7, depth: 3, actors: 2 });
    expect([s.plan(0), s.plan(5)]).toEqual([{ strategy: 'random', seed: mix32(7, 0) }, { strategy: 'random', seed: mix32(7, 5) }]);
    expect(mix32(7, 0)).not.toBe(mix32(7, 1));
  });

  it('refuses an unknown strategy naming --strategy and the allowed ones', () => {
    expect(() => makeStrategy('bfs', { seed: 1, depth: 1, actors: 2 })).toThrow("--strategy: unknown value 'bfs' (allowed: random, pct, dfs)");
  });

  it('PCT: priorities are d .. d + n - 1 shuffled, d - 1 change points in 1 .. k (k = 64 until a longer run is seen)', () => {
    const s = makeStrategy('pct', { seed: 3, depth: 3, actors: 4 });
    let top = 0;
    for (let it = 0; it < 200; it++) {
      const p = s.plan(it)!;
      expect([...p.priorities!].sort((a, b) => a - b)).toEqual([3, 4, 5, 6]);
      expect(p.changePoints).toHaveLength(2);
      for (const c of p.changePoints!) expect(c >= 1 && c <= 64).toBe(true);
      top = Math.max(top, ...p.changePoints!);
      expect(p.seed).toBe(mix32(3, it));
    }
    expect(top).toBe(64);
    const shuffled = new Set(Array.from({ length: 50 }, (_, it) => s.plan(it)!.priorities!.join()));
    expect(shuffled.size).toBeGreaterThan(10);
    s.observe(run([], 1000));
    const after = Array.from({ length: 200 }, (_, it) => s.plan(it)!.changePoints!).flat();
    expect(Math.max(...after)).toBeGreaterThan(64);
    expect(Math.max(...after)).toBeLessThanOrEqual(1000);
    s.observe(run([], 10)); // a shorter run does not shrink k
    expect(Math.max(...Array.from({ length: 200 }, (_, it) => s.plan(it)!.changePoints!).flat())).toBeGreaterThan(64);
  });

  it('PCT: depth 1 has no change point, depth is clamped to MAX_CHANGE_POINTS + 1', () => {
    expect(makeStrategy('pct', { seed: 1, depth: 1, actors: 2 }).plan(0)!.changePoints).toEqual([]);
    expect(makeStrategy('pct', { seed: 1, depth: 0, actors: 2 }).plan(0)!.priorities!.sort()).toEqual([1, 2]);
    const deep = makeStrategy('pct', { seed: 1, depth: 99, actors: 2 }).plan(0)!;
    expect(deep.changePoints).toHaveLength(MAX_CHANGE_POINTS);
    expect([...deep.priorities!].sort((a, b) => a - b)).toEqual([MAX_CHANGE_POINTS + 1, MAX_CHANGE_POINTS + 2]);
  });
});

describe('DFS with a preemption bound (no reduction)', () => {
  it('bound 0: only the default schedule, then exhausted', () => {
    const s = makeStrategy('dfs', { seed: 0, depth: 0, actors: 2, por: false });
    expect(s.plan(0)).toEqual({ strategy: 'dfs', seed: 0, forced: [] });
    s.observe(run([dec(0, 0b11), dec(0, 0b11)]));
    expect(s.plan(1)).toBeNull();
    expect(s.covered!()).toEqual({ exhausted: true, fraction: 1 });
  });

  it('bound 1 over two binary choice points: the deepest untried candidate first, each preemption paid once', () => {
    const s = makeStrategy('dfs', { seed: 0, depth: 1, actors: 2, por: false });
    s.observe(run([dec(0, 0b11), dec(0, 0b11)]));
    expect(s.plan(1)!.forced).toEqual([0, 1]);
    expect(s.covered!()).toEqual({ exhausted: false, fraction: 0.25 });
    s.observe(run([dec(0, 0b11), dec(1, 0b11)]));
    expect(s.plan(2)!.forced).toEqual([1]);
    // After a preemption at 0 the second point allows the default only: no more branching below.
    s.observe(run([dec(1, 0b11), dec(1, 0b11, 1)]));
    expect(s.plan(3)).toBeNull();
    expect(s.covered!()).toEqual({ exhausted: true, fraction: 1 });
  });

  it('a switch where the holder cannot go costs nothing; candidates are tried default first, then by actor number', () => {
    // Holder blocked: actors 0, 1, 2 may go, 1 is the default; none is a preemption, so bound 0 tries all three.
    const d = (chosen: number) => dec(chosen, 0b111, 1, false);
    expect(nextPrefix([d(1)], 0)).toEqual([0]);
    expect(nextPrefix([d(0)], 0)).toEqual([2]);
    expect(nextPrefix([d(2)], 0)).toBeNull();
    // With the holder able to go, bound 1 allows one switch: after it, the later points keep the default.
    expect(nextPrefix([dec(2, 0b111, 1), dec(1, 0b11, 1)], 1)).toBeNull();
    expect(nextPrefix([dec(1, 0b111, 1), dec(1, 0b11, 1)], 1)).toEqual([1, 0]);
    // Bits beyond the candidates are never tried.
    expect(nextPrefix([dec(0, 0b1, 0)], 5)).toBeNull();
  });
});

describe("the shrinker's measure of a schedule", () => {
  it('counts preemptions (the holder could go) and switches (any non-default pick) apart', () => {
    const ds = [dec(1, 0b11, 0, true), dec(0, 0b11, 1, false), dec(0, 0b11, 0, true), dec(1, 0b11, 1, true)];
    expect([preemptions(ds), switches(ds)]).toEqual([1, 2]);
    expect(sizeOf(ds)).toEqual({ decisions: 4, switches: 2, preemptions: 1 });
    expect(preemptionCost(dec(0, 0b11, 0, true), 1)).toBe(1);
    expect(preemptionCost(dec(0, 0b11, 0, true), 0)).toBe(0);
  });

  it('a shrunk run is the same failure when the forbidden outcome, or the set of broken oracles, or the kind is the same', () => {
    expect(failureKey(null)).toBeNull();
    expect(failureKey({ kind: 'forbidden', message: 'lost 1' } as never)).toBe('lost 1');
    expect(failureKey({ kind: 'oracle', message: 'oracle conservation: 2 missing; oracle ownership: twice' } as never)).toBe('oracle conservation,ownership');
    expect(failureKey({ kind: 'deadlock', message: 'x' } as never)).toBe('deadlock');
  });
});

describe("replay's comparison: reproduced only when every decision, the ending and the turns match", () => {
  const recorded = { decisions: '0*2 1', failure: { kind: 'forbidden', message: 'lost 1' }, steps: 9 } as unknown as ScheduleFile;
  const replayed = (chosen: number[], failure: { kind: string; message: string } | null, steps: number) =>
    ({ decisions: chosen.map((c) => dec(c, 0b11)), failure, steps }) as unknown as DetRun;
  const lost = { kind: 'forbidden', message: 'lost 1' };

  it('the same run is no difference; a file without decisions is compared on nothing', () => {
    expect(differenceOf(recorded, replayed([0, 0, 1], lost, 9))).toBeUndefined();
    expect(differenceOf({ ...recorded, decisions: undefined }, replayed([1], null, 1))).toBeUndefined();
  });

  it('names the first decision that differs, then a length, then the ending, then the turns', () => {
    expect(differenceOf(recorded, replayed([0, 1, 0], lost, 9))).toBe('decision 1 chose actor 1, the schedule says 0');
    expect(differenceOf(recorded, replayed([0, 0, 1, 1], lost, 9))).toBe('4 decisions, the schedule has 3');
    expect(differenceOf(recorded, replayed([0, 0], lost, 9))).toBe('2 decisions, the schedule has 3');
    expect(differenceOf(recorded, replayed([0, 0, 1], null, 9))).toBe('ended with a pass, recorded: lost 1');
    expect(differenceOf(recorded, replayed([0, 0, 1], { kind: 'oracle', message: 'lost 1' }, 9))).toBe('ended with lost 1, recorded: lost 1');
    expect(differenceOf(recorded, replayed([0, 0, 1], { kind: 'forbidden', message: 'lost 2' }, 9))).toBe('ended with lost 2, recorded: lost 1');
    expect(differenceOf({ ...recorded, failure: undefined }, replayed([0, 0, 1], lost, 9))).toBe('ended with lost 1, recorded: a pass');
    expect(differenceOf(recorded, replayed([0, 0, 1], lost, 10))).toBe('10 turns, recorded 9');
  });
});

describe("an exploration's coverage line", () => {
  const r = (chosen: number[], outcomes: Array<[string, number]>, failure: string | null = null) =>
    ({ decisions: chosen.map((c) => dec(c, 0b11)), outcomes: outcomes.map(([outcome, count]) => ({ outcome, count })), failure: failure && { kind: failure, message: '' } }) as unknown as DetRun;

  it('counts schedules, distinct decision lists and distinct outcome sets (outcomes seen, with the verdict)', () => {
    const c = new Coverage();
    c.add(r([0, 1], [['ok', 3], ['lost', 0]]));
    c.add(r([0, 1], [['ok', 1], ['lost', 0]]));
    c.add(r([1, 0], [['ok', 1], ['lost', 2]], 'forbidden'));
    c.add(r([1, 0, 0], [['ok', 1], ['lost', 2]]));
    c.add(r([0, 1, 0], [['ok', 2], ['lost', 0]], 'forbidden'));
    const random = makeStrategy('random', { seed: 1, depth: 1, actors: 2 });
    expect(c.report(random)).toEqual({ schedules: 5, distinct: 4, outcomeSets: 4 });
    expect(coverageLine(c.report(random))).toBe('coverage: 5 schedule(s) run, 4 distinct, 4 distinct outcome set(s)');
  });

  it('adds DFS\'s share of the bounded space: exhausted, an estimate, or under 0.01%', () => {
    const line = (exhausted: boolean, covered: number) => coverageLine({ schedules: 1, distinct: 1, outcomeSets: 1, exhausted, covered });
    expect(line(true, 1)).toBe('coverage: 1 schedule(s) run, 1 distinct, 1 distinct outcome set(s); the bounded space is exhausted');
    expect(line(false, 0.25)).toMatch(/; about 25\.0% of the bounded space covered \(estimate\)$/);
    expect(line(false, 0.0001)).toMatch(/; about 0\.0100% of/);
    expect(line(false, 0.00009)).toMatch(/; under 0\.01% of/);
    const dfs = makeStrategy('dfs', { seed: 0, depth: 0, actors: 2, por: false });
    dfs.observe(run([dec(0, 0b11)]));
    expect(new Coverage().report(dfs)).toEqual({ schedules: 0, distinct: 0, outcomeSets: 0, exhausted: true, covered: 1 });
  });
});

describe('DFS over the bumpers program run by hand (det-bumpers.ts: decided as the scheduler decides)', () => {
  /** Run DFS to its end; each run's choices, the lost updates' iterations, the share covered after each. */
  function exhaust(actors: number, depth: number, por: boolean, own = 0, incs = 1) {
    const s = makeStrategy('dfs', { seed: 0, depth, actors, por });
    const runs: string[] = [];
    const lost: number[] = [];
    const covered: number[] = [];
    for (let it = 0; ; it++) {
      const plan = s.plan(it);
      if (!plan) break;
      expect([plan.strategy, plan.seed]).toEqual(['dfs', 0]);
      const r = bumpedRun(actors, incs, plan.forced!, own);
      if (r.failure) lost.push(it);
      s.observe(r);
      runs.push(r.decisions.map((d) => d.chosen).join(''));
      covered.push(s.covered!().fraction);
    }
    expect(s.covered!()).toEqual({ exhausted: true, fraction: 1 });
    return { runs, lost, covered };
  }

  it('two bumpers of one increment: 2 schedules within no preemption, 4 within one, all 6 interleavings within two; the lost update second', () => {
    expect(exhaust(2, 0, false).runs).toEqual(['00', '11']);
    const one = exhaust(2, 1, false);
    // a0 whole; a1 preempting a0's load (lost); a1 whole; a0 preempting a1's load (lost).
    expect(one).toEqual({ runs: ['00', '011', '11', '100'], lost: [1, 3], covered: [0.25, 0.5, 0.75, 1] });
    expect(exhaust(2, 1, true)).toEqual(one);
    const two = exhaust(2, 2, false);
    expect(two).toEqual({ runs: ['00', '011', '010', '11', '100', '101'], lost: [1, 2, 4, 5], covered: [0.25, 0.375, 0.5, 0.75, 0.875, 1] });
    expect(exhaust(2, 2, true)).toEqual(two);
  });

  it('two increments each: within one preemption, a switch after each of the first actor\'s first three accesses; reduction weighs only the races asked for', () => {
    const off = exhaust(2, 1, false, 0, 2);
    expect(off.runs).toEqual(['0000', '0001111', '001111', '01111', '1111', '1110000', '110000', '10000']);
    expect(off.covered).toEqual([0.0625, 0.125, 0.25, 0.5, 0.5625, 0.625, 0.75, 1]);
    const on = exhaust(2, 1, true, 0, 2);
    expect(on.runs).toEqual(off.runs);
    expect(on.covered).toEqual([0.25, 0.3125, 0.4375, 0.6875, 0.9375, 1, 1, 1]);
    expect(exhaust(2, 2, false, 0, 2).runs).toHaveLength(26);
  });

  it('with reduction, a bumper of its own word is never reordered: only the sharers\' interleavings are tried', () => {
    // a2 bumps a word of its own: 4 and 6 schedules (those of a0 and a1), against 24 and 60.
    const one = exhaust(3, 1, true, 0b100);
    expect(one).toEqual({ runs: ['0011', '0110', '1100', '1001'], lost: [1, 3], covered: [0.25, 0.5, 0.75, 1] });
    expect(exhaust(3, 2, true, 0b100).runs).toEqual(['0011', '0110', '0101', '1100', '1001', '1010']);
    const off = exhaust(3, 1, false, 0b100);
    expect([off.runs.length, off.lost.length]).toEqual([24, 8]);
    expect(off.runs.slice(0, 4)).toEqual(['0011', '00122', '0022', '00211']);
    expect([exhaust(3, 2, false, 0b100).runs.length, exhaust(3, 2, false, 0b100).lost.length]).toEqual([60, 32]);
    // Nothing shared: one schedule, whatever the bound; without reduction every order of the three.
    for (const depth of [0, 1, 2]) expect(exhaust(3, depth, true, 0b111).runs).toEqual(['0011']);
    expect(exhaust(3, 0, false, 0b111).runs).toEqual(['0011', '0022', '1100', '1122', '2200', '2211']);
  });

  it('reduction is on unless turned off', () => {
    const s = makeStrategy('dfs', { seed: 0, depth: 1, actors: 3 });
    let runs = 0;
    for (let plan = s.plan(0); plan; plan = s.plan(++runs)) s.observe(bumpedRun(3, 1, plan.forced!, 0b100));
    expect(runs).toBe(4);
  });
});
