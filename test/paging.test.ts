import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';
import { resolveScenarioParams } from '../src/lab/engine-params.js';
import { findScenario } from '../src/scenarios/index.js';

const dir = mkdtempSync(join(tmpdir(), 'memrace-paging-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const forbidden = (r: Awaited<ReturnType<typeof runStress>>) => r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0);

describe('paging on real workers', () => {
  it.each(['two-level', 'hashed', 'inverted'])('--pt %s: bytes survive demand paging, COW fork and swap; every frame comes back', async (pt) => {
    const swap = join(dir, `swap-${pt}.img`);
    const r = await runStress({ scenario: 'paging', params: { procs: 2, pages: 128, frames: 64, tlb: 16, pt, swap, forkEvery: 2000, duration: '1s' }, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(forbidden(r)).toEqual([]);
    for (const o of r.oracles) expect(o.violations, o.name).toEqual([]);
    const notes = r.notes.join('\n');
    expect(notes).toMatch(/major \(from swap\)/);
    expect(r.perActor.reduce((t, a) => t + a.counters.majorFaults, 0)).toBeGreaterThan(0);
    expect(r.perActor.reduce((t, a) => t + a.counters.segv, 0)).toBeGreaterThan(0);
    expect(existsSync(swap)).toBe(true);
  });

  it('swap-thrash: each policy keeps bytes intact under thrashing', async () => {
    for (const policy of ['fifo', 'lru']) {
      const r = await runStress({ scenario: 'swap-thrash', params: { procs: 3, frames: 32, pages: 32, policy, swap: join(dir, `thrash-${policy}.img`), duration: '700ms' }, stopOnForbidden: true });
      expect(forbidden(r), policy).toEqual([]);
      expect(r.verdict, policy).toBe('pass');
      expect(r.notes.join('\n')).toMatch(/fault rate p = /);
    }
  });

  it('no-cow: a child\'s write shows in its parent, caught as wrong bytes', async () => {
    const r = await runStress({ scenario: 'paging', params: { variant: 'no-cow', procs: 2, pages: 64, frames: 128, forkEvery: 300, writePct: 50, swap: join(dir, 'nocow.img'), duration: '5s' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(r.outcomes.find((o) => o.outcome === 'wrong-bytes')?.count).toBeGreaterThan(0);
  });

  it('write-before-flush: a write through a stale TLB entry after the swap copy is lost, caught', async () => {
    const params = { procs: 3, frames: 32, pages: 32, ws: 32, writePct: 60, policy: 'fifo', forkEvery: 0, swap: join(dir, 'wbf.img') };
    const bad = await runStress({ scenario: 'swap-thrash', params: { ...params, variant: 'write-before-flush', duration: '10s' }, stopOnForbidden: true });
    expect(bad.verdict).toBe('fail');
    expect(bad.failures).toEqual([]);
    // The lost write reads back as wrong bytes, or the page changed while it was being written (checksum).
    expect(forbidden(bad).length).toBeGreaterThan(0);
    for (const o of forbidden(bad)) expect(['wrong-bytes', 'swap-corrupt']).toContain(o.outcome);
  });

  it('refuses bad input with the flag named', () => {
    const s = findScenario('paging');
    expect(() => resolveScenarioParams(s, { pt: 'three-level' })).toThrow(/--pt: unknown value 'three-level'/);
    expect(() => resolveScenarioParams(s, { policy: 'random' })).toThrow(/--policy/);
    expect(() => resolveScenarioParams(s, { ws: 1000, pages: 64 })).toThrow(/--ws/);
    expect(() => resolveScenarioParams(s, { procs: 8, frames: 16 })).toThrow(/--frames/);
  });

  it('a swap path that cannot be written is a configuration error', async () => {
    await expect(runStress({ scenario: 'paging', params: { swap: join(dir, 'missing/dir/swap.img'), duration: '100ms' } })).rejects.toThrow(/--swap: cannot create/);
  });
});
