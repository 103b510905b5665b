import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { defineScenario } from '../src/lab/scenario.js';
import { runStress } from '../src/lab/stress.js';
import { explore } from '../src/lab/det/explore.js';
import { checkScenarioSource, replay } from '../src/lab/det/replay.js';
import type { ScheduleFile } from '../src/lab/det/schedule.js';
import { findScenario, resolveScenario } from '../src/scenarios/index.js';

const fixture = (name: string) => resolve('test/fixtures/user', name);
const cli = (...args: string[]) => spawnSync('node', ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('the scenario contract', () => {
  it('defineScenario fills what a small scenario leaves out', () => {
    const s = defineScenario({ name: 'mine', actors: () => ['a'], setup: () => ({}), roles: { a() {} } });
    expect(s).toMatchObject({ subsystem: 'user', summary: 'mine', params: [], counters: [], opNames: [], outcomes: [] });
    expect(s.variants.map((v) => v.name)).toEqual(['correct']);
    expect(s.check({} as never)).toEqual({ oracles: [] });
    expect(defineScenario({ name: 'x', subsystem: 'my-queue', actors: () => [], setup: () => 0, roles: {} }).subsystem).toBe('my-queue');
  });

  it("refuses more counters than an actor's slot holds (the 17th would land in the next actor's)", () => {
    const named = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    const spec = { name: 'many', actors: () => ['a'], setup: () => ({}), roles: { a() {} } };
    expect(defineScenario({ ...spec, counters: named(16) }).counters).toHaveLength(16);
    expect(() => defineScenario({ ...spec, counters: named(17) })).toThrow("scenario 'many': counters: 17 named, at most 16 fit an actor's counter slot");
  });
});

describe('a scenario from a file', () => {
  it('runs under the stress engine from a .mjs path', async () => {
    const r = await runStress({ scenario: fixture('raw-lock.scenario.mjs'), params: { workers: 2, ops: 2000 } });
    expect(r.scenario).toBe('raw-lock');
    expect(r.verdict).toBe('pass');
    expect(r.outcomes.find((o) => o.outcome === 'exact')?.count).toBe(1);
  });

  it('explores a .ts file, records the file and its hash, replays it, and refuses it once changed', async () => {
    // A copy inside this package, so its import of 'memrace' resolves as the fixture's does.
    const d = mkdtempSync(fixture('.edited-'));
    onTestFinished(() => rmSync(d, { recursive: true, force: true }));
    const file = join(d, 'counter.scenario.ts');
    copyFileSync(fixture('counter.scenario.ts'), file);
    const r = await explore({ scenario: file, params: { variant: 'racy', workers: 2, ops: 2 }, strategy: 'pct', iterations: 300, failuresDir: d });
    expect(r.failure?.run.failure?.kind).toBe('forbidden');
    expect(r.failure!.run.outcomes.find((o) => o.outcome === 'lost-update')?.count).toBe(1);
    const saved = JSON.parse(readFileSync(r.failure!.file, 'utf8'));
    expect(saved.scenarioFile).toBe(file);
    expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((await replay(file, r.failure!.file)).reproduced).toBe(true);
    writeFileSync(file, readFileSync(file, 'utf8') + '\n// edited\n');
    const edited = cli('replay', file, '--schedule', r.failure!.file);
    expect(edited.status).toBe(2);
    expect(edited.stderr).toMatch(/the scenario file .*counter\.scenario\.ts has changed since the schedule was recorded \(sha256 [0-9a-f]{12}… then, [0-9a-f]{12}… now\)/);
  });

  it("refuses a built-in's schedule for a file and a file's for a built-in", async () => {
    const file = await resolveScenario(fixture('raw-lock.scenario.mjs'));
    const schedule = { scenario: 'raw-lock' } as ScheduleFile;
    expect(() => checkScenarioSource(schedule, file)).toThrow(/recorded for the built-in scenario 'raw-lock', not the file .*raw-lock\.scenario\.mjs/);
    expect(() => checkScenarioSource({ ...schedule, scenarioFile: '/x/counter.mjs', sha256: 'ab'.repeat(32) }, findScenario('ring-stress'))).toThrow(/recorded for the scenario file \/x\/counter\.mjs, not the built-in 'ring-stress'/);
  });

  it('refuses a missing or malformed file, exit 2 naming the scenario argument', () => {
    const d = mkdtempSync(join(tmpdir(), 'memrace-user-'));
    writeFileSync(join(d, 'empty.mjs'), 'export const x = 1;\n');
    writeFileSync(join(d, 'noroles.mjs'), "export default { name: 'n', actors: () => [], setup: () => 0 };\n");
    for (const [args, msg] of [
      [['run', join(d, 'nope.mjs')], /<scenario>: no such file .*nope\.mjs/],
      [['run', join(d, 'empty.mjs')], /empty\.mjs: the module has no default export/],
      [['run', join(d, 'noroles.mjs')], /noroles\.mjs: the scenario has no 'roles'/],
    ] as const) {
      const r = cli(...args);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(msg);
    }
  });

  // run, explore, replay and sweep from the command line: test/user-project.test.ts, from an installed package.
  it('steps a file scenario live (memrace step)', () => {
    const r = cli('step', './test/fixtures/user/raw-lock.scenario.mjs', '--workers', '2', '--rounds', '1');
    expect(r.stdout).toMatch(/│ 1\s+│ 1\s+│ incr │ 8\s+│ 8/);
    expect(r.stdout).toMatch(/oracle count: ok/);
  });
});
