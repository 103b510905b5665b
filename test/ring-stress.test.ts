import { describe, expect, it } from 'vitest';
import { CONS_MODES, PROD_MODES } from '../src/dpdk/ring_layout.js';
import { runStress } from '../src/lab/stress.js';

const forbidden = (r: Awaited<ReturnType<typeof runStress>>) =>
  r.outcomes.filter((o) => o.grade === 'FORBIDDEN').reduce((s, o) => s + o.count, 0);

describe('ring-stress on real workers', () => {
  const pairs = PROD_MODES.flatMap((prod) => CONS_MODES.map((cons) => [prod, cons] as const));
  it.each(pairs)('passes every oracle with %s/%s', async (prod, cons) => {
    const producers = prod === 'SP' ? 1 : 2;
    const workers = producers + (cons === 'SC' ? 1 : 2);
    const r = await runStress({ scenario: 'ring-stress', params: { prod, cons, workers, producers, duration: '300ms', count: 64, bulk: 8, burst: prod === 'MT_RTS' } });
    expect(r.failures).toEqual([]);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(forbidden(r)).toBe(0);
    expect(r.verdict).toBe('pass');
    expect(r.totalOps).toBeGreaterThan(0);
  });

  it('ends with the ring drained when the op budget is spent', async () => {
    const r = await runStress({ scenario: 'ring-stress', params: { workers: 4, ops: 20_000, count: 256 } });
    expect(r.verdict).toBe('pass');
    expect(r.notes.join()).toMatch(/ring: 0 of 255 slots in use/);
    const produced = r.perActor.filter((a) => a.role === 'producer').reduce((s, a) => s + a.ops, 0);
    // A producer stops at its first check past the budget: its last batch may overshoot by less than a bulk.
    expect(produced).toBeGreaterThanOrEqual(40_000);
    expect(produced).toBeLessThan(40_000 + 2 * 32);
  });

  it('catches no-tail-wait: a consumer reads slots a preempted producer has not written', async () => {
    const r = await runStress({ scenario: 'ring-stress', params: { variant: 'no-tail-wait', workers: 4, duration: '10s' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(forbidden(r)).toBeGreaterThan(0);
    const caught = r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0).map((o) => o.outcome);
    expect(caught.some((o) => o === 'duplicate' || o === 'torn')).toBe(true);
  });

  // test_ring_stress's peek suites: SP/SC (st_peek) and HTS (mt_peek), by copy and zero-copy (_zc).
  it.each([
    ['peek', 'SP', 'SC'],
    ['peek', 'MT_HTS', 'MT_HTS'],
    ['zc', 'SP', 'SC'],
    ['zc', 'MT_HTS', 'MT_HTS'],
  ] as const)('--api %s passes every oracle with %s/%s (test_ring_st/mt_peek_stress[_zc])', async (api, prod, cons) => {
    const workers = prod === 'SP' ? 2 : 4;
    const r = await runStress({ scenario: 'ring-stress', params: { api, prod, cons, workers, duration: '300ms', count: 64, bulk: 8, burst: true } });
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect([forbidden(r), r.verdict]).toEqual([0, 'pass']);
    expect(r.totalOps).toBeGreaterThan(0);
  });

  it("catches finish-unreserved: a finish(0) after an empty start releases another HTS thread's reservation", async () => {
    const r = await runStress({ scenario: 'ring-stress', params: { variant: 'finish-unreserved', workers: 4, duration: '10s' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(forbidden(r)).toBeGreaterThan(0);
  });
});
