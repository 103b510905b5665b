import { describe, expect, it } from 'vitest';
import { findSuite } from '../bench/index.js';

describe('memrace bench mempool', () => {
  it('runs every measurement and states its targets as ratios (quick; no timing is asserted)', async () => {
    const [suite] = findSuite('mempool');
    const r = await suite.run({ quick: true, log: () => {} });
    expect(r.measurements.length).toBe(1 + 18 + 8 + 2);
    expect(r.measurements.every((m) => m.opsPerSec > 0)).toBe(true);
    expect(r.targets.map((t) => t.name)).toHaveLength(3);
  });
});
