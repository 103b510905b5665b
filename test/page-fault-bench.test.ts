import { describe, expect, it } from 'vitest';
import { pageFaultBound } from '../bench/page-fault.bench.js';
import { runStress } from '../src/lab/stress.js';
import type { PageFaultResult } from '../src/scenarios/page-fault-probe.js';

describe('page_fault1 (page-fault-probe)', () => {
  it('faults every page of every round in and frees it all again, pagesets on and off', async () => {
    for (const pcp of ['on', 'off']) {
      const r = await runStress({ scenario: 'page-fault-probe', params: { procs: 2, pages: 32, frames: 65536, pcp, ops: 256 } });
      expect(r.verdict).toBe('pass');
      const rs = r.actorResults as PageFaultResult[];
      // ops count pages faulted: each actor's budget is rounds of 32 pages.
      expect(rs.reduce((n, x) => n + x.faults, 0)).toBe(r.totalOps);
      const perFault = rs.reduce((n, x) => n + x.acquisitions, 0) / r.totalOps;
      // Without pagesets every fault and every free takes the zone lock; with them, only refills and spills do.
      if (pcp === 'off') expect(perFault).toBeGreaterThanOrEqual(2);
      else expect(perFault).toBeLessThan(1);
    }
  });

  it('asks pagesets to pay off only where many CPUs contend', () => {
    expect([1, 2, 4, 8, 15].map(pageFaultBound)).toEqual([0.9, 1, 1, 1.5, 1.5]);
  });
});
