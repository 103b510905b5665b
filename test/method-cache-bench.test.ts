import { describe, expect, it } from 'vitest';
import { findSuite } from '../bench/index.js';

describe('bench method-cache', () => {
  it('runs quick and reports every measurement and target as a ratio', async () => {
    const [suite] = findSuite('method-cache');
    const r = await suite.run({ quick: true, log: () => {} });
    expect(r.measurements.length).toBeGreaterThanOrEqual(11);
    for (const m of r.measurements) expect(m.opsPerSec).toBeGreaterThan(0);
    expect(r.targets.map((t) => t.name)).toEqual([
      'inline hit vs class-tree lookup at depth 6',
      'invalidation with 100 subclasses: serial-gmc time / ccs time',
      'rails-like: CCs made per call site (seed: 0.67)',
    ]);
    for (const t of r.targets) expect(Number.isFinite(t.ratio)).toBe(true);
  });
});
