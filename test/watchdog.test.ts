import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';

describe('watchdog', () => {
  it('reports a crashed actor with its role and last operation, and stops the others', async () => {
    const t0 = Date.now();
    const r = await runStress({ scenario: 'fault-probe', params: { fault: 'crash', duration: '20s' } });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.verdict).toBe('fail');
    expect(r.failures).toEqual([
      expect.objectContaining({ actor: 1, role: 'faulty', kind: 'crashed', lastOp: 'walk-page-table', message: expect.stringMatching(/poisoned entry/) }),
    ]);
  });

  it('reports a hung actor that ignores the stop flag, terminates it, and names the lock it holds', async () => {
    const r = await runStress({ scenario: 'fault-probe', params: { fault: 'hang-holding-lock', duration: '300ms' }, timeBudgetMs: 1500 });
    expect(r.failures).toEqual([expect.objectContaining({ actor: 1, role: 'faulty', kind: 'hung', lastOp: 'spin-forever', state: 'running' })]);
    expect(r.heldLocks).toEqual([{ name: 'zone-lock', holder: 1 }]);
    expect(r.verdict).toBe('fail');
  });
});

describe('mailboxes', () => {
  it('relay a token through every actor, in order, over real workers', async () => {
    const r = await runStress({ scenario: 'mailbox-relay', params: { workers: 3, laps: 300 }, timeBudgetMs: 20_000 });
    expect(r.failures).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.outcomes.find((o) => o.outcome === 'in-order')?.count).toBe(900);
  });
});
