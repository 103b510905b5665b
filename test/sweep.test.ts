import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fairnessOf, parseRange, parseSeries, spread, sweep } from '../src/lab/sweep.js';
import { renderSweep } from '../src/lab/sweep-table.js';

describe('sweep ranges', () => {
  it('parses ranges, doubling ranges and lists', () => {
    expect(parseRange('--workers', '1..4')).toEqual(['1', '2', '3', '4']);
    expect(parseRange('--workers', '1..16*2')).toEqual(['1', '2', '4', '8', '16']);
    expect(parseRange('--cache', '0,32,256')).toEqual(['0', '32', '256']);
    expect(parseRange('--prod', 'MP,MT_RTS')).toEqual(['MP', 'MT_RTS']);
    expect(parseSeries('cache=0,32')).toEqual({ name: 'cache', values: ['0', '32'] });
  });

  it('refuses a range that does not parse, naming the flag and the forms allowed', () => {
    expect(() => parseRange('--workers', '4..1')).toThrow(/--workers: '4\.\.1' runs backwards \(allowed: a range a\.\.b/);
    expect(() => parseRange('--workers', '1..')).toThrow(/--workers: '1\.\.' does not parse/);
    expect(() => parseRange('--workers', '1,,2')).toThrow(/does not parse/);
    expect(() => parseRange('--workers', '0..8*2')).toThrow(/factor of 2 or more from a start of 1/);
    expect(() => parseSeries('cache')).toThrow(/--param: 'cache' is not name=values/);
  });

  it('quotes the median (the mean of the middle two for an even count), the min and the max, whatever the order', () => {
    expect(spread([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30 });
    expect(spread([40, 10, 30, 20])).toEqual({ median: 25, min: 10, max: 40 });
    expect(spread([7])).toEqual({ median: 7, min: 7, max: 7 });
  });

  it('measures fairness within a role: a lone kswapd doing little is not unfairness', () => {
    const actor = (role: string, ops: number) => ({ role, ops }) as never;
    expect(fairnessOf({ perActor: [actor('cpu', 900), actor('cpu', 1000), actor('kswapd', 1)] })).toBeCloseTo(1000 / 900);
    expect(fairnessOf({ perActor: [actor('producer', 500), actor('producer', 1000), actor('consumer', 700), actor('consumer', 700)] })).toBe(2);
    expect(fairnessOf({ perActor: [actor('guild', 10), actor('redefiner', 3)] })).toBe(1);
  });
});

describe('sweep on ring-stress', () => {
  it('runs each point several times and quotes median, min, max, efficiency, fairness and ratios', async () => {
    const seen: string[] = [];
    const r = await sweep({
      scenario: 'ring-stress', params: { duration: '150ms', count: 64 }, axis: { name: 'workers', values: ['2', '3'] },
      series: [{ name: 'bulk', values: ['1', '8'] }], runs: 2, onRun: (done, total, label) => seen.push(`${done}/${total} ${label}`),
    });
    expect(seen).toHaveLength(8);
    expect(seen[7]).toBe('8/8 --workers 3 bulk=8');
    expect(r.settings).toEqual(['bulk=1', 'bulk=8']);
    expect(r.points.map((p) => `${p.x} ${p.setting}`)).toEqual(['2 bulk=1', '2 bulk=8', '3 bulk=1', '3 bulk=8']);
    for (const p of r.points) {
      expect(p.runs).toBe(2);
      // Two runs: the median is their mean, the spread their two values.
      expect(p.opsPerSec.median).toBeCloseTo((p.opsPerSec.min + p.opsPerSec.max) / 2, 6);
      expect(p.fairness.median).toBeCloseTo((p.fairness.min + p.fairness.max) / 2, 6);
      expect(p.opsPerSec.min).toBeGreaterThan(0);
      expect(p.latencyNs.p99).toBeGreaterThan(0);
      expect(p.verdicts).toEqual(['pass', 'pass']);
    }
    expect(r.points[0].efficiency).toBe(1);
    expect(r.points[2].efficiency).toBeCloseTo((r.points[2].opsPerSec.median / 3) / (r.points[0].opsPerSec.median / 2), 6);
    expect(r.points[1].ratio).toBeCloseTo(r.points[1].opsPerSec.median / r.points[0].opsPerSec.median, 6);
    expect(renderSweep(r)).toMatch(/sweep ring-stress over workers: 4 point\(s\) x 2 run\(s\)/);
  });

  it('checks every point before the first run, and the CLI exits 2 on a bad range', async () => {
    await expect(sweep({ scenario: 'ring-stress', params: {}, axis: { name: 'workers', values: ['1', '2'] }, series: [], runs: 1 }))
      .rejects.toThrow(/--workers: 1 cannot hold a producer and a consumer.*at the point --workers 1 default/);
    let code = 0;
    let err = '';
    try {
      execFileSync('node', ['dist/cli/main.js', 'sweep', 'ring-stress', '--workers', '2..', '--duration', '100ms'], { stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(code).toBe(2);
    expect(err).toMatch(/--workers: '2\.\.' does not parse/);
  });

  it('starts no run that could not end inside --time-budget, and reports the points it skipped', async () => {
    const t0 = performance.now();
    const r = await sweep({ scenario: 'ring-stress', params: { duration: '1s' }, axis: { name: 'workers', values: ['2', '3', '4'] }, series: [], runs: 1, timeBudgetMs: 2500 });
    expect(performance.now() - t0).toBeLessThan(2500);
    expect(r.points.map((p) => p.x)).toEqual(['2']);
    expect(r.skipped).toBe(2);
    expect(renderSweep(r)).toMatch(/2 point\(s\) skipped: the time budget ran out/);
  });

  it('sweeps any parameter as the axis, with no efficiency where the axis is not a number', async () => {
    const r = await sweep({ scenario: 'ring-stress', params: { duration: '100ms', workers: 2 }, axis: { name: 'prod', values: ['MP', 'MT_HTS'] }, series: [], runs: 1 });
    expect(r.points.map((p) => [p.x, p.efficiency, p.ratio])).toEqual([['MP', null, 1], ['MT_HTS', null, 1]]);
    expect(renderSweep(r)).toMatch(/│ MT_HTS +│ default +│/);
  });
});
