import { describe, expect, it } from 'vitest';
import { Coverage, coverageLine } from '../src/lab/det/coverage.js';
import type { DetRun } from '../src/lab/det/engine.js';
import type { Strategy } from '../src/lab/det/strategy.js';

/** An exploration's coverage (src/lab/det/coverage.ts): which runs count as another outcome set. */
const run = (chosen: number[], counts: Record<string, number>, failure?: string) =>
  ({
    decisions: chosen.map((c) => ({ chosen: c })),
    outcomes: Object.entries(counts).map(([outcome, count]) => ({ outcome, count })),
    failure: failure === undefined ? undefined : { kind: failure, message: '' },
  }) as unknown as DetRun;
const noDfs = {} as Strategy;

describe('exploration coverage', () => {
  it('counts an outcome set by the outcomes seen (count > 0) and the verdict', () => {
    const c = new Coverage();
    c.add(run([0, 1], { a: 1, b: 0 }));
    c.add(run([1, 0], { a: 2 })); // b never seen: the same set
    c.add(run([1, 1], { a: 1, b: 1 }));
    c.add(run([0, 0], { a: 1, b: 0 }, 'forbidden'));
    c.add(run([0, 1], { a: 1 }));
    expect(c.report(noDfs)).toEqual({ schedules: 5, distinct: 4, outcomeSets: 3 });
  });

  it('keeps runs with no outcome seen apart by verdict, and adds DFS’s share of the bounded space', () => {
    const c = new Coverage();
    c.add(run([], { a: 0 }));
    c.add(run([], {}, 'deadlock'));
    const dfs = { covered: () => ({ exhausted: false, fraction: 0.25 }) } as unknown as Strategy;
    const r = c.report(dfs);
    expect(r).toEqual({ schedules: 2, distinct: 1, outcomeSets: 2, exhausted: false, covered: 0.25 });
    expect(coverageLine(r)).toBe('coverage: 2 schedule(s) run, 1 distinct, 2 distinct outcome set(s); about 25.0% of the bounded space covered (estimate)');
    expect(coverageLine({ ...r, covered: 0.00009 })).toContain('under 0.01% of the bounded space');
    expect(coverageLine({ ...r, exhausted: true })).toContain('; the bounded space is exhausted');
    expect(coverageLine({ schedules: 1, distinct: 1, outcomeSets: 1 })).toBe('coverage: 1 schedule(s) run, 1 distinct, 1 distinct outcome set(s)');
  });

  it('tells outcome sets apart by name, by which outcomes were counted, and by the kind of failure', () => {
    const sets = (...runs: DetRun[]) => {
      const c = new Coverage();
      for (const r of runs) c.add(r);
      return c.report(noDfs).outcomeSets;
    };
    // 'a' and 'b' seen is not 'ab' seen; 'a' counted is not 'b' counted, with the same number counted.
    expect(sets(run([], { a: 1, b: 1, ab: 0 }), run([], { a: 0, b: 0, ab: 1 }))).toBe(2);
    expect(sets(run([], { a: 1, b: 0 }), run([], { a: 0, b: 1 }))).toBe(2);
    // The same outcomes, not counted, in one run and another: one set.
    expect(sets(run([], { a: 2, b: 0 }), run([], { a: 5, b: 0, c: 0 }))).toBe(1);
    // The same outcomes ending as a deadlock and as a crash: two sets.
    expect(sets(run([], { a: 1 }, 'deadlock'), run([], { a: 1 }, 'crash'), run([], { a: 1 }, 'crash'))).toBe(2);
  });
});

