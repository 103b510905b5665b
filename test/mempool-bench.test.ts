import { describe, expect, it } from 'vitest';
import { findSuite } from '../bench/index.js';

describe('memrace bench mempool', () => {
  it('runs every measurement and states its targets as ratios (quick; no timing is asserted)', async () => {
    const [suite] = findSuite('mempool');
    const r = await suite.run({ quick: true, log: () => {} });
    expect(r.measurements.length).toBe(1 + 18 + 8 + 2);
    for (const m of r.measurements) expect(m.opsPerSec * m.nsPerOp).toBeCloseTo(1e9, -1);
    const by = (name: string) => r.measurements.find((m) => m.name === name)!;
    // Each target is the ratio of the measurements it names (no bound asserted: the machine is shared).
    const [cache, atomics, bulk] = r.targets;
    expect(r.targets).toHaveLength(3);
    expect(cache.ratio).toBeCloseTo(by('get/put bulk 32 cache 256 x2').opsPerSec / by('get/put bulk 32 cache 0 x2').opsPerSec, 9);
    expect(atomics.ratio).toBeCloseTo(by('get/put bulk 32 cache 256 x1').nsPerOp / by('Atomics.add uncontended').nsPerOp, 9);
    expect(bulk.ratio).toBeCloseTo(by('mbuf alloc_bulk+free_bulk 32').opsPerSec / by('mbuf alloc+free x32').opsPerSec, 9);
  });
});
