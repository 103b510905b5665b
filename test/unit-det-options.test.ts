import { describe, expect, it } from 'vitest';
import { DET_OPTIONS, DET_REPLACES, defaultStepBudget, detParamSpecs, detParams, resolveDetOptions } from '../src/lab/det/options.js';
import { findScenario } from '../src/scenarios/index.js';

/** The deterministic engine's options (src/lab/det/options.ts): defaults and bounds, in process. */
describe('deterministic engine options', () => {
  it('defaults to PCT, 1000 iterations, depth 3, 4 ops, seed 1 (not pinned), scaled step budget, no time limit, shrink, no check, sc, POR', () => {
    expect(resolveDetOptions({})).toEqual({
      strategy: 'pct',
      iterations: 1000,
      depth: 3,
      ops: 4,
      seed: 1,
      pinSeed: false,
      stepBudget: 0,
      timeBudget: 0,
      shrink: true,
      check: 'none',
      memory: 'sc',
      por: true,
    });
    expect(DET_OPTIONS.map((o) => o.name)).toEqual(['strategy', 'iterations', 'depth', 'ops', 'seed', 'stepBudget', 'timeBudget', 'shrink', 'check', 'memory', 'por']);
  });

  it('takes CLI strings, pins the data seed only when --seed is given, and parses the time budget as a duration', () => {
    const o = resolveDetOptions({ strategy: 'dfs', iterations: '5', seed: '0', timeBudget: '2s', shrink: 'false', check: 'linearizable', memory: 'relaxed', por: 'false' });
    expect(o).toMatchObject({ strategy: 'dfs', iterations: 5, seed: 0, pinSeed: true, timeBudget: 2000, shrink: false, check: 'linearizable', memory: 'relaxed', por: false });
    expect(resolveDetOptions({ memory: 'tso', strategy: 'random' })).toMatchObject({ memory: 'tso', strategy: 'random' });
  });

  it('accepts each bound itself and refuses one past it, naming the flag', () => {
    expect(resolveDetOptions({ depth: 0, iterations: 1, ops: 1, seed: 4294967295, stepBudget: 0 })).toMatchObject({ depth: 0, iterations: 1, ops: 1, seed: 4294967295 });
    expect(resolveDetOptions({ depth: 32 }).depth).toBe(32);
    expect(() => resolveDetOptions({ depth: 33 })).toThrow(/--depth/);
    expect(() => resolveDetOptions({ depth: -1 })).toThrow(/--depth/);
    expect(() => resolveDetOptions({ iterations: 0 })).toThrow(/--iterations/);
    expect(() => resolveDetOptions({ ops: 0 })).toThrow(/--ops/);
    expect(() => resolveDetOptions({ seed: 4294967296 })).toThrow(/--seed/);
    expect(() => resolveDetOptions({ seed: -1 })).toThrow(/--seed/);
    expect(() => resolveDetOptions({ stepBudget: -1 })).toThrow(/--step-budget/);
    expect(() => resolveDetOptions({ strategy: 'bfs' })).toThrow(/--strategy/);
    expect(() => resolveDetOptions({ memory: 'arm' })).toThrow(/--memory/);
    expect(() => resolveDetOptions({ check: 'sequential' })).toThrow(/--check/);
  });

  it('scales the step budget: 20000 accesses of setup and drain plus 4000 per op', () => {
    expect(defaultStepBudget(0)).toBe(20_000);
    expect(defaultStepBudget(4)).toBe(36_000);
  });

  it("offers a scenario's parameters less the engine's duration, ops, seed, spin and stride, and puts its op budget and data seed in their places", () => {
    const s = findScenario('ring-stress')!;
    expect(DET_REPLACES).toEqual(['duration', 'ops', 'seed', 'spin', 'stride']);
    const names = detParamSpecs(s).map((p) => p.name);
    expect(names).toContain('workers');
    for (const r of DET_REPLACES) expect(names).not.toContain(r);
    const p = detParams(s, { workers: 3 }, 7, 99);
    expect(p).toMatchObject({ workers: 3, ops: 7, seed: 99 });
  });

  it("leaves a scenario's own parameter of the engine's name alone: mempool-stress's --ops is its backend, not the op budget", () => {
    const s = findScenario('mempool-stress')!;
    expect(detParamSpecs(s).map((p) => p.name)).toContain('ops');
    expect(detParams(s, {}, 7, 99)).toMatchObject({ ops: 'ring_mp_mc', seed: 99 });
    expect(detParams(s, { ops: 'stack' }, 7, 99)).toMatchObject({ ops: 'stack', seed: 99 });
  });
});

