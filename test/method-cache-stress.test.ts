import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';
import type { Report } from '../src/lab/report.js';

const count = (r: Report, id: string) => r.outcomes.find((o) => o.outcome === id)?.count ?? 0;
const forbidden = (r: Report) => r.outcomes.filter((o) => o.grade === 'FORBIDDEN').reduce((n, o) => n + o.count, 0);

/** Polymorphic call sites that several guilds share: where caches filled in place tear. */
const hot = { callsites: 200, guilds: 3, polymorphic: 0.5, megamorphic: 0.5 };

describe('method-cache on real guilds', () => {
  it("passes with the seed's design: every call linearisable against the redefinitions", async () => {
    const r = await runStress({ scenario: 'method-cache', params: { duration: '1500ms', redefineRate: '500/s' }, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(forbidden(r)).toBe(0);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    // Calls happened (a loaded 2-core machine makes a few thousand in 1.5 s, a quiet one a million).
    expect(count(r, 'ok')).toBeGreaterThan(1_000);
    expect(r.perActor.find((a) => a.role === 'redefiner')?.counters.collections).toBeGreaterThan(0);
    // UnboundMethods taken by one guild and bind_call-ed by another, across redefinitions.
    expect(count(r, 'bind-call')).toBeGreaterThan(0);
    expect(r.verdict).toBe('pass');
  });

  it('catches bind-call-lookup: a bind_call that looks its method up again runs what the UnboundMethod does not hold', async () => {
    const r = await runStress({ scenario: 'method-cache', params: { duration: '10s', variant: 'bind-call-lookup' }, stopOnForbidden: true });
    expect(count(r, 'bind-call-wrong')).toBeGreaterThan(0);
    expect(r.verdict).toBe('fail');
  });

  it('passes with the negative cache and a 4-entry PIC on polymorphic sites, under undefs and removals', async () => {
    // Few classes and mids at a high rate: every (class, mid) sees definitions, undefs and removals.
    const r = await runStress({
      scenario: 'method-cache',
      params: { ...hot, classes: 30, methods: 6, modules: 8, duration: '1500ms', redefineRate: '2000/s', negativeCache: true, pic: 4 },
      stopOnForbidden: true,
    });
    expect(forbidden(r)).toBe(0);
    expect(r.verdict).toBe('pass');
    expect(r.notes.join('\n')).toMatch(/pic_hit [1-9]/);
  });

  it('passes with the replaced design run correctly: a private copy of its caches per guild', async () => {
    const r = await runStress({ scenario: 'method-cache', params: { ...hot, duration: '1500ms', redefineRate: '500/s', design: 'serial-gmc' }, stopOnForbidden: true });
    expect(forbidden(r)).toBe(0);
    expect(r.verdict).toBe('pass');
  });

  it('catches inplace-imc: serial-keyed caches shared by guilds and filled in place dispatch wrongly', async () => {
    const r = await runStress({ scenario: 'method-cache', params: { ...hot, duration: '10s', variant: 'inplace-imc' }, stopOnForbidden: true });
    expect(count(r, 'wrong-dispatch') + count(r, 'stale')).toBeGreaterThan(0);
    expect(r.verdict).toBe('fail');
  });

  it('catches no-barrier: a slot reclaimed while a guild reads it (its generation moved)', async () => {
    const r = await runStress({
      scenario: 'method-cache',
      params: { duration: '10s', variant: 'no-barrier', callsites: 20, classes: 12, methods: 4, guilds: 3, redefineRate: '5000/s' },
      stopOnForbidden: true,
    });
    expect(count(r, 'reused-cc-read') + count(r, 'wrong-dispatch')).toBeGreaterThan(0);
  });

  it('the redefiner includes, prepends and changes visibility; each broken invalidation path is caught', async () => {
    for (const variant of ['include-no-invalidate', 'prepend-no-invalidate']) {
      const r = await runStress({ scenario: 'method-cache', params: { duration: '10s', variant, redefineRate: '200/s' }, stopOnForbidden: true });
      expect(count(r, 'stale') + count(r, 'wrong-dispatch'), variant).toBeGreaterThan(0);
      expect(r.verdict).toBe('fail');
    }
    const ok = await runStress({ scenario: 'method-cache', params: { duration: '1500ms', redefineRate: '200/s' }, stopOnForbidden: true });
    expect(forbidden(ok)).toBe(0);
    const c = ok.perActor.find((a) => a.role === 'redefiner')?.counters ?? {};
    expect((c.included ?? 0) + (c.prepended ?? 0) + (c['module-included'] ?? 0) + (c['module-prepended'] ?? 0)).toBeGreaterThan(0);
    expect(c.visibility).toBeGreaterThan(0);
    expect(count(ok, 'argument-error')).toBeGreaterThan(0);
  });

  it('refuses bad configuration with the field named', async () => {
    await expect(runStress({ scenario: 'method-cache', params: { pic: 1 } })).rejects.toThrow(/--pic: a PIC of one entry/);
    await expect(runStress({ scenario: 'method-cache', params: { classes: 4, tree: '1,4,3' } })).rejects.toThrow(/--tree: C3 < C4 < C3 is a cycle/);
    await expect(runStress({ scenario: 'method-cache', params: { workers: 3 } })).rejects.toThrow(/--workers/);
    await expect(runStress({ scenario: 'method-cache', params: { design: 'serial-gmc', pic: 2 } })).rejects.toThrow(/--design/);
  });
});
