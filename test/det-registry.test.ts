import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';
import { replay } from '../src/lab/det/replay.js';
import { encodeDecisions } from '../src/lab/det/schedule.js';
import { stepScenario } from '../src/lab/step.js';
import { scenarios } from '../src/scenarios/index.js';

/**
 * Small sizes for the scenarios whose defaults take seconds per scheduled iteration on two
 * busy cores; the rest run at their defaults. (The full figure, 2,000 PCT iterations at
 * defaults, is in docs/lab.md.)
 */
const SMALL: Record<string, Record<string, unknown>> = {
  'mbuf-refcnt': { mbufs: 4 },
  'mempool-numa': { n: 512 },
  'method-cache': { classes: 10, callsites: 50 },
  oom: { procs: 3 },
  'oom-memcg': { procs: 2, mem: '16M' },
  'oom-cpuset': { procs: 2, mem: '16M' },
  'oom-mempolicy': { procs: 2, mem: '16M' },
};

/**
 * `memrace step` runs one actor at a time; these cannot make progress that way (found by this
 * walk, left to their scenarios): a TLB shootdown waits for the other CPUs' acknowledgement,
 * and mbuf-refcnt's main lcore waits (5 s) for the workers to free what it handed out.
 */
const NOT_STEPPABLE = ['mbuf-refcnt', 'pktmbuf-pipeline', 'paging', 'swap-thrash', 'tlb-shootdown'];

/**
 * Every scenario of the registry, correct form, runs under explore (PCT), replay and step
 * with no failure: serving actors are stopped once the others are done (no DEADLOCK), the
 * step budget scales with the scenario (no STALE), and no scenario parameter clashes with
 * the engine's options (method-cache's --depth, mempool-stress's --ops).
 */
describe.each(scenarios.filter((s) => !s.hidden).map((s) => s.name))('%s under the deterministic engine', (name) => {
  it('explores, replays the last schedule exactly, and steps, with no failure', async () => {
    const dir = mkdtempSync(join(tmpdir(), `memrace-reg-${name}-`));
    const params = SMALL[name] ?? {};
    let last = '';
    const r = await explore({
      scenario: name, params, strategy: 'pct', iterations: 1, ops: 2, failuresDir: dir,
      onIteration: (_, run) => {
        const head = JSON.parse(readFileSync(join(dir, `${name}-1.running.schedule`), 'utf8')) as Record<string, unknown>;
        last = JSON.stringify({ ...head, decisions: encodeDecisions(run.decisions.map((d) => d.chosen)), steps: run.steps });
      },
    });
    expect(r.failure?.run.failure ?? null).toBeNull();
    expect(r.iterations).toBe(1);
    const file = join(dir, 'last.schedule');
    writeFileSync(file, last);
    const again = await replay(name, file);
    expect(again.difference).toBeUndefined();
    expect(again.run.failure).toBeNull();
    if (NOT_STEPPABLE.includes(name)) return;
    const check = await stepScenario(name, params, 2, 4);
    expect(check.oracles.filter((o) => o.violations.length)).toEqual([]);
  });
});

it("keeps the engine's options apart from a scenario's parameters of the same name (--scenario-<name>)", () => {
  const cli = (args: string[]) => spawnSync('node', [join(process.cwd(), 'dist/cli/main.js'), ...args], { cwd: mkdtempSync(join(tmpdir(), 'memrace-ns-')), encoding: 'utf8' });
  const mc = cli(['explore', 'method-cache', '--depth', '2', '--scenario-depth', '3', '--classes', '8', '--callsites', '20', '--ops', '1', '--iterations', '1']);
  expect(mc.stderr).toBe('');
  expect(mc.status).toBe(0);
  expect(mc.stdout).toMatch(/strategy=pct depth=2 ops=1 seed=1; guilds=2 classes=8 depth=3 /);
  const mp = cli(['explore', 'mempool-stress', '--scenario-ops', 'stack', '--ops', '1', '--iterations', '1']);
  expect(mp.status).toBe(0);
  expect(mp.stdout).toMatch(/ops=1 seed=1; ops=stack lcores=4/);
  const bad = cli(['explore', 'mempool-stress', '--scenario-ops', 'nope']);
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/unknown value 'nope'/);
});
