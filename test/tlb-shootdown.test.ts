import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';

const oracle = (r: Awaited<ReturnType<typeof runStress>>, name: string) => r.oracles.find((o) => o.name === name)?.violations ?? [];

describe('tlb-shootdown on real workers', () => {
  it('correct: no CPU reads through a translation after its shootdown, every frame comes back', async () => {
    const r = await runStress({ scenario: 'tlb-shootdown', params: { cpus: 3, duration: '1500ms' }, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(r.outcomes.find((o) => o.outcome === 'stale')?.count).toBe(0);
    expect(oracle(r, 'tlb-coherence')).toEqual([]);
    expect(oracle(r, 'ownership')).toEqual([]);
    expect(oracle(r, 'all-freed')).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.notes.join('\n')).toMatch(/shootdowns [1-9]/);
  });

  it('no-shootdown: a stale translation reads a reused frame, and the TLB audit names it', async () => {
    const r = await runStress({ scenario: 'tlb-shootdown', params: { cpus: 3, duration: '5s', variant: 'no-shootdown' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(r.failures).toEqual([]);
    expect(r.outcomes.find((o) => o.outcome === 'stale')?.count).toBeGreaterThan(0);
    expect(oracle(r, 'tlb-coherence').length).toBeGreaterThan(0);
  });
});
