import { describe, expect, it } from 'vitest';
import type { DetRun } from '../src/lab/det/engine.js';
import { MIN_RUN_MS, SHRUNK_PLAN, shrinkBy } from '../src/lab/det/shrink.js';
import { bumpedRun } from './det-bumpers.js';

/**
 * The shrinker (src/lab/det/shrink.ts) in process: its reruns go to the bumpers program run
 * by hand (det-bumpers.ts: the lost update, decided as the scheduler decides a shrunk plan)
 * in place of the actor threads, so the delta debugging over a schedule's switches and its
 * budgets of runs and time are stated exactly, in milliseconds.
 */
const OTHER = { kind: 'forbidden', message: "forbidden outcome 'other'" };

/** A rerun of `incs` increments by two bumpers that records what it was given. */
function bumping(incs: number) {
  const tries: Array<{ forced: number[]; ms: number }> = [];
  const rerun = async (forced: number[], ms: number) => {
    tries.push({ forced, ms });
    return bumpedRun(2, incs, forced);
  };
  return { tries, rerun, found: (forced: number[]) => bumpedRun(2, incs, forced) };
}
const chosen = (r: Pick<DetRun, 'decisions'>) => r.decisions.map((d) => d.chosen);

describe('shrinking a failing schedule: fewest preemptions, then switches, then decisions', () => {
  it('a shrunk schedule runs as DFS does: its forced choices, then the holder goes on', () => {
    expect(SHRUNK_PLAN).toEqual({ strategy: 'dfs', seed: 0 });
  });

  it('two bumpers of two increments, alternating at every turn (6 switches), shrink to the one preemption a lost update needs', async () => {
    const b = bumping(2);
    const start = b.found([0, 1, 0, 1, 0, 1, 0, 1]);
    expect(chosen(start)).toEqual([0, 1, 0, 1, 0, 1, 0]);
    expect(start.failure?.message).toBe("forbidden outcome 'lost'");
    const s = await shrinkBy(b.rerun, start, 60_000);
    expect(s.from).toEqual({ decisions: 7, switches: 6, preemptions: 6 });
    expect(s.to).toEqual({ decisions: 5, switches: 1, preemptions: 1 });
    expect(chosen(s.run)).toEqual([0, 1, 1, 1, 1]);
    // All six switches dropped (the sequential run passes), then the last three: a0 and a1
    // alternate four turns, a1 finishes: lost, and smaller. Of its three switches all, then the
    // last two: a1 preempts a0's first load and runs to its end; then the last one, which passes.
    expect(b.tries.map((t) => t.forced)).toEqual([[], [0, 1, 0, 1], [], [0, 1], []]);
    expect(s.runs).toBe(5);
  });

  it('gives each run no more than the exploration allows, the 20 s the shrinker has, or what the caller has left', async () => {
    const b = bumping(2);
    await shrinkBy(b.rerun, b.found([0, 1, 1, 1, 0]), 60_000);
    expect(b.tries.length).toBeGreaterThan(0);
    for (const t of b.tries) {
      expect(t.ms).toBeLessThanOrEqual(20_000);
      expect(t.ms).toBeGreaterThan(19_000);
    }
    const c = bumping(2);
    await shrinkBy(c.rerun, c.found([0, 1, 1, 1, 0]), 3000, () => 5000);
    expect(c.tries.map((t) => t.ms)).toEqual(c.tries.map(() => 3000));
    const d = bumping(2);
    await shrinkBy(d.rerun, d.found([0, 1, 1, 1, 0]), 60_000, () => 5000);
    expect(d.tries.map((t) => t.ms)).toEqual(d.tries.map(() => 5000));
  });

  it('starts no run with less than MIN_RUN_MS (1 s) left, one with exactly that', async () => {
    expect(MIN_RUN_MS).toBe(1000);
    const b = bumping(2);
    const r = b.found([0, 1, 0, 1, 0, 1, 0, 1]);
    const none = await shrinkBy(b.rerun, r, 60_000, () => 999);
    expect([none.runs, b.tries.length, none.run]).toEqual([0, 0, r]);
    expect(none.to).toEqual(none.from);
    const some = await shrinkBy(b.rerun, r, 60_000, () => 1000);
    expect(some.runs).toBeGreaterThan(0);
  });

  it('keeps the found run when no smaller schedule fails the same way, trying every chunk down to single switches; a schedule without a switch is not rerun', async () => {
    const b = bumping(2);
    // A failure no rerun has: no schedule fails the same way.
    const r = { ...b.found([0, 1, 0, 1, 0, 1, 0, 1]), failure: OTHER } as DetRun;
    const s = await shrinkBy(b.rerun, r, 60_000);
    expect(s.run).toBe(r);
    // Switches at decisions 1 to 6: one chunk of 6, two of 3, three of 2, six of 1, each from
    // the end; the choices are kept up to the last switch not dropped (decision 6 unless dropped).
    expect(s.runs).toBe(1 + 2 + 3 + 6);
    expect(b.tries.map((t) => t.forced.length)).toEqual([0, 4, 7, 5, 7, 7, 6, 7, 7, 7, 7, 7]);
    expect(b.tries[8].forced).toEqual([0, 1, 0, 1, 1, 1, 0]);
    const c = bumping(2);
    const plain = c.found([]);
    expect(await shrinkBy(c.rerun, plain, 60_000)).toEqual({ run: plain, from: { decisions: 4, switches: 0, preemptions: 0 }, to: { decisions: 4, switches: 0, preemptions: 0 }, runs: 0 });
    expect(c.tries).toEqual([]);
  });

  it('stops at 300 runs', async () => {
    const b = bumping(120);
    const r = { ...b.found(Array.from({ length: 480 }, (_, k) => k % 2)), failure: OTHER } as DetRun;
    const s = await shrinkBy(b.rerun, r, 60_000);
    expect(s.runs).toBe(300);
    expect(b.tries).toHaveLength(300);
  });

  it('at equal preemptions fewer switches win, at equal switches fewer decisions; the same size does not replace the run', async () => {
    const dec = (chosen: number, dflt: number, holderCould: boolean) => ({ chosen, dflt, holderCould, candidates: 0b111, step: 0 });
    const lost = { kind: 'forbidden', message: "forbidden outcome 'lost'" };
    const run = (...ds: ReturnType<typeof dec>[]) => ({ decisions: ds, failure: lost }) as unknown as DetRun;
    const pre = dec(1, 0, true);
    const free = dec(2, 0, false);
    const stay = dec(0, 0, true);
    const found = run(pre, free, stay, stay, stay); // 1 preemption, 2 switches, 5 decisions
    const fewerSwitches = run(pre, stay, stay, stay, stay);
    const fewerDecisions = run(pre, stay, stay, stay);
    const sameSize = run(stay, pre, stay, stay);
    const replies = [fewerSwitches, fewerDecisions, sameSize];
    const tried: number[][] = [];
    const s = await shrinkBy(async (forced) => (tried.push(forced), replies.shift() ?? found), found, 60_000);
    // The first try drops both switches; each reply was taken, so each next try drops the one switch left: no forced choice.
    expect(tried).toEqual([[], [], []]);
    expect(s.run).toBe(fewerDecisions);
    expect([s.runs, s.to]).toEqual([3, { decisions: 4, switches: 1, preemptions: 1 }]);
  });
});
