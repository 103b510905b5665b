import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';

describe('mbuf-refcnt on real workers', () => {
  it('frees every reference and leaves the pool full, with clones, clones of clones and copies of clones', async () => {
    const r = await runStress({ scenario: 'mbuf-refcnt', params: { lcores: 3, duration: '1s' }, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0)).toEqual([]);
    expect(r.perActor.reduce((t, a) => t + a.counters.clones, 0)).toBeGreaterThan(0);
    expect(r.verdict).toBe('pass');
  });

  it('catches plain-refcnt: lost updates leak mbufs or free them while referenced', async () => {
    const r = await runStress({ scenario: 'mbuf-refcnt', params: { lcores: 4, duration: '8s', variant: 'plain-refcnt' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    const seen = r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0).map((o) => o.outcome);
    expect(seen.some((o) => ['leak', 'double-free', 'use-after-free', 'bad-mbuf'].includes(o))).toBe(true);
  });
});
