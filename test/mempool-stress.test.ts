import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';
import { prepareRun } from '../src/lab/stress.js';

const forbidden = (r: Awaited<ReturnType<typeof runStress>>) => r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0).map((o) => o.outcome);

describe('mempool-stress on real workers', () => {
  it.each([
    { cache: 256, bulk: 32 },
    { cache: 0, ops: 'lf_stack' },
    { cache: 0, ops: 'stack' },
    { cache: 32, cacheAlgo: 'v26', ops: 'ring_mt_rts' },
    { cache: 0, ops: 'ring_mt_hts' },
  ])('passes every oracle with %o', async (params) => {
    const r = await runStress({ scenario: 'mempool-stress', params: { lcores: 3, duration: '700ms', ...params }, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(forbidden(r)).toEqual([]);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.totalOps).toBeGreaterThan(1000);
    expect(r.verdict).toBe('pass');
  });

  it.each([
    ['shared-lcore-id', {}],
    ['no-tail-wait', { cache: 0 }],
    ['unlocked-stack', { cache: 0 }],
  ])('catches the broken variant %s', async (variant, params) => {
    const r = await runStress({ scenario: 'mempool-stress', params: { lcores: 4, duration: '5s', variant, ...params }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    // The race itself is seen (an object owned twice, written while free or while owned),
    // not a crashed lcore whose leftovers trip the end-of-run oracles.
    expect(r.failures).toEqual([]);
    expect(forbidden(r).filter((o) => ['duplicate', 'dirty', 'stolen'].includes(o)).length).toBeGreaterThan(0);
  });

  it("reaches the v26 cache's fallback: a get served from the cache and the common pool together", async () => {
    // 500 objects, caches of 256: three lcores' first refills (128 each) leave 116, less than
    // the fourth lcore's refill, so its first get takes the fallback, whatever the order.
    const r = await runStress({ scenario: 'mempool-stress', params: { lcores: 4, n: 500, cacheAlgo: 'v26', duration: '500ms' }, stopOnForbidden: true });
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.verdict).toBe('pass');
    const fallbacks = Number(/; (\d+) gets by the fallback/.exec(r.notes.join('\n'))?.[1]);
    expect(fallbacks).toBeGreaterThan(0);
  });

  it('refuses bad configurations naming the flag', () => {
    expect(() => prepareRun('mempool-stress', { cache: 513 })).toThrow(/--cache: cache size 513/);
    expect(() => prepareRun('mempool-stress', { cache: 64, n: 64 })).toThrow(/--cache: a classic cache of 64 needs a pool of at least 96/);
    expect(() => prepareRun('mempool-stress', { ops: 'ring_sp_sc' })).toThrow(/--ops: ring_sp_sc takes a single producer/);
    expect(() => prepareRun('mempool-stress', { ops: 'bucket' })).toThrow(/--ops: unknown value 'bucket'/);
    expect(() => prepareRun('mempool-stress', { variant: 'shared-lcore-id', cache: 0 })).toThrow(/--cache/);
    expect(() => prepareRun('mempool-stress', { putBack: 'thirds' })).toThrow(/--put-back: unknown value 'thirds'/);
    expect(() => prepareRun('mempool-stress', { variant: 'flush-first', cacheAlgo: 'classic' })).toThrow(/--cache-algo: flush-first breaks the legacy cache's put, and this pool has a classic one/);
    expect(() => prepareRun('mempool-stress', { variant: 'flush-first', putBack: 'whole' })).toThrow(/--put-back: with a bulk put back whole/);
  });
});
