import { describe, expect, it } from 'vitest';
import { resolveScenarioParams } from '../src/lab/engine-params.js';
import { findScenario, scenarios } from '../src/scenarios/index.js';

const resolve = (name: string, given: Record<string, unknown>) => resolveScenarioParams(findScenario(name), given);

describe('per-variant defaults: `memrace run <scenario> --variant <v>` alone runs where the race shows', () => {
  it('gives a broken variant its own defaults, and what the user gives wins', () => {
    expect(resolve('oom', { variant: 'check-then-charge' })).toMatchObject({ overcommit: 2, procs: 3, mem: 8 * 2 ** 20, chunk: 2 ** 20 });
    expect(resolve('oom', { variant: 'check-then-charge', procs: '6' })).toMatchObject({ overcommit: 2, procs: 6 });
    expect(() => resolve('oom', { variant: 'check-then-charge', overcommit: '0' })).toThrow(/--variant: check-then-charge breaks the mode-2 limit only/);
    expect(resolve('mempool-stress', { variant: 'no-tail-wait' })).toMatchObject({ cache: 0 });
    expect(resolve('mempool-stress', { variant: 'unlocked-stack', cache: '32' })).toMatchObject({ cache: 32 });
    expect(resolve('method-cache', { variant: 'no-barrier' })).toMatchObject({ callsites: 20, classes: 12, methods: 4, guilds: 3, redefineRate: 5000 });
    expect(resolve('method-cache', { variant: 'inplace-imc' })).toMatchObject({ callsites: 200, guilds: 3, polymorphic: 0.5, megamorphic: 0.5 });
    expect(resolve('paging', { variant: 'write-before-flush' })).toMatchObject({ policy: 'fifo', ws: 4, frames: 64, pages: 64, writePct: 90, duration: 6000 });
    expect(resolve('swap-thrash', { variant: 'no-cow' })).toMatchObject({ forkEvery: 200, procs: 4, frames: 96 });
    expect(resolve('paging', { variant: 'no-cow' })).toMatchObject({ forkEvery: 5000, procs: 4 });
    expect(resolve('page-alloc-stress', { variant: 'no-zone-lock' })).toMatchObject({ nodes: 1, cpusPerNode: 2 });
    // The correct variant keeps the scenario's defaults.
    expect(resolve('oom', {})).toMatchObject({ overcommit: 0, procs: 6 });
    expect(resolve('mempool-stress', {})).toMatchObject({ cache: 256 });
  });

  it('every broken variant of every scenario resolves and validates at its defaults', () => {
    for (const s of scenarios.filter((x) => !x.hidden)) {
      for (const v of s.variants.slice(1)) expect(() => resolveScenarioParams(s, { variant: v.name }), `${s.name} --variant ${v.name}`).not.toThrow();
    }
  });

  // Every refusal is declared on its variant (VariantSpec.cannotShow) and checked in one place, resolveScenarioParams, which run, explore, replay and step share.
  const refusals = scenarios.filter((x) => !x.hidden).flatMap((s) => s.variants.flatMap((v) => (v.cannotShow ?? []).map((c) => ({ name: `${s.name} --variant ${v.name} ${c.flag}`, s, v, c }))));

  it('declares at least the refusals of mempool-stress, mbuf-refcnt, page-alloc-stress, paging, ring-stress and pktmbuf-pipeline', () => {
    const where = new Set(refusals.map((r) => r.s.name));
    for (const name of ['mempool-stress', 'mbuf-refcnt', 'page-alloc-stress', 'paging', 'swap-thrash', 'ring-stress', 'pktmbuf-pipeline', 'oom', 'method-cache']) expect(where).toContain(name);
  });

  it.each(refusals)('$name: its example is refused naming the flag, and runs with the correct form', ({ s, v, c }) => {
    const flag = c.flag.replace(/[-]/g, '\\-');
    expect(() => resolveScenarioParams(s, { ...c.example, variant: v.name })).toThrow(new RegExp(`^${flag}: `));
    expect(() => resolveScenarioParams(s, { ...v.defaults, ...c.example, variant: 'correct' })).not.toThrow();
  });

  it('says so when the configuration cannot show the race: one producer and one consumer for ring-stress no-tail-wait', () => {
    expect(() => resolve('ring-stress', { variant: 'no-tail-wait', workers: '2' }))
      .toThrow(/--workers: no-tail-wait races two threads of one side on its tail, but 1 producer\(s\) and 1 consumer\(s\) cannot race/);
    expect(() => resolve('ring-stress', { variant: 'no-tail-wait', workers: '3' })).not.toThrow();
    expect(() => resolve('ring-stress', { variant: 'no-tail-wait', workers: '4', prod: 'SP', cons: 'SC', producers: '1' })).toThrow(/--variant|--workers/);
    expect(() => resolve('ring-stress', { workers: '2' })).not.toThrow();
  });

  it.each([
    ['mempool-stress', { variant: 'no-tail-wait', lcores: '1' }, /--lcores: no-tail-wait races two lcores, but 1 lcore cannot race \(allowed: 2 or more\)/],
    ['mempool-stress', { variant: 'unlocked-stack', lcores: '1' }, /--lcores: unlocked-stack races two lcores/],
    ['mempool-stress', { variant: 'shared-lcore-id', lcores: '1' }, /--lcores: shared-lcore-id races two lcores/],
    ['mbuf-refcnt', { variant: 'plain-refcnt', lcores: '2' }, /--lcores: plain-refcnt races two workers on one refcnt, but the main lcore and 1 worker cannot race/],
    ['page-alloc-stress', { variant: 'no-zone-lock', cpusPerNode: '1' }, /--cpus-per-node: no-zone-lock races two CPUs on a zone's free lists, but 1 CPU cannot race/],
    ['paging', { variant: 'write-before-flush', procs: '1' }, /--procs: write-before-flush races a store through a stale TLB entry/],
    ['swap-thrash', { variant: 'write-before-flush', procs: '1' }, /--procs: write-before-flush/],
  ])('%s %o: refused, the race needs two threads', (name, given, message) => {
    expect(() => resolve(name, given)).toThrow(message);
    expect(() => resolve(name, { ...given, variant: 'correct' })).not.toThrow();
  });
});
