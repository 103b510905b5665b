import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';
import { differenceOf, replay } from '../src/lab/det/replay.js';
import { decodeDecisions, encodeDecisions, readSchedule } from '../src/lab/det/schedule.js';
import { decodeTrace, renderTrace } from '../src/lab/det/trace.js';

const dir = mkdtempSync(join(tmpdir(), 'memrace-sched-'));
let file = '';
const variantOf = (patch: (f: Record<string, unknown>) => void, name: string) => {
  const f = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  patch(f);
  const out = join(dir, name);
  writeFileSync(out, JSON.stringify(f));
  return out;
};

beforeAll(async () => {
  const r = await explore({ scenario: 'sched-probe', params: { variant: 'lost-update', ops: 1 }, strategy: 'dfs', depth: 1, iterations: 50, failuresDir: dir });
  file = r.failure!.file;
});

describe('schedule files', () => {
  it('run-length codes the decisions', () => {
    const d = [0, 0, 0, 1, 2, 2, 0];
    expect(encodeDecisions(d)).toBe('0*3 1 2*2 0');
    expect(decodeDecisions(encodeDecisions(d))).toEqual(d);
    expect(decodeDecisions('')).toEqual([]);
  });

  it('refuses a file of another scenario, format version or memrace version, naming the reason', () => {
    expect(() => readSchedule(file, 'ring-stress')).toThrow(/recorded for scenario 'sched-probe', not 'ring-stress'/);
    expect(() => readSchedule(variantOf((f) => (f.version = 99), 'v99.schedule'), 'sched-probe')).toThrow(/format version 99, this memrace reads version 2/);
    expect(() => readSchedule(variantOf((f) => (f.memrace = '0.0.1'), 'old.schedule'), 'sched-probe')).toThrow(/recorded by memrace 0\.0\.1/);
    expect(() => readSchedule(variantOf((f) => (f.decisions = 'x y'), 'bad.schedule'), 'sched-probe')).toThrow(/field 'decisions'/);
    const notJson = join(dir, 'not.schedule');
    writeFileSync(notJson, '{ nope');
    expect(() => readSchedule(notJson, 'sched-probe')).toThrow(/not JSON/);
    expect(() => readSchedule(join(dir, 'missing.schedule'), 'sched-probe')).toThrow(/no such file/);
  });

  it("keeps the running iteration's plan on disk, so a crash leaves a schedule that replays it", async () => {
    const dir2 = mkdtempSync(join(tmpdir(), 'memrace-running-'));
    const running = join(dir2, 'ring-stress-11.running.schedule');
    const kept: string[] = [];
    const r = await explore({
      scenario: 'ring-stress', params: { count: 8, bulk: 2, ops: 2, workers: 3, seed: 11 }, strategy: 'pct', iterations: 3, failuresDir: dir2,
      onIteration: (it, run) => {
        const f = readSchedule(running, 'ring-stress');
        expect(f.iteration).toBe(it);
        expect(f.decisions).toBeUndefined();
        kept.push(`${it}:${run.steps}`);
        if (it === 1) writeFileSync(join(dir2, 'crash.schedule'), readFileSync(running));
      },
    });
    expect(r.iterations).toBe(3);
    expect(existsSync(running)).toBe(false);
    const again = await replay('ring-stress', join(dir2, 'crash.schedule'));
    expect(`1:${again.run.steps}`).toBe(kept[1]);
  });

  it('stops a replay whose decisions do not fit the run instead of running something else', async () => {
    const absent = variantOf((f) => (f.decisions = '7*3'), 'absent.schedule');
    await expect(replay('sched-probe', absent)).rejects.toThrow(/does not fit this run: decision 0 names actor 7, who cannot go there/);
    const long = variantOf((f) => (f.decisions = '1*400'), 'long.schedule');
    await expect(replay('sched-probe', long)).rejects.toThrow(/does not fit this run: it has 400 decisions, the run ended after \d+/);
  });

  it('replays a million-turn schedule without a spread into Math.max: decode, encode and render loop', () => {
    const chosen = Array.from({ length: 1_000_000 }, (_, k) => (k >> 3) & 1);
    const text = encodeDecisions(chosen);
    const decoded = decodeDecisions(text);
    expect(decoded.length === chosen.length && decoded.every((c, k) => c === chosen[k])).toBe(true);
    // (The spread failed from about 140,000 entries; rendering 300,000 shows it is gone.)
    const words = new Int32Array(300_000 * 5);
    for (let s = 0; s < 300_000; s++) words[s * 5] = (s & 1) | (1 << 8); // load by actor 0 or 1
    const lines = renderTrace(decodeTrace(words, (w) => `w${w}`), ['a', 'b']);
    expect(lines).toHaveLength(300_000);
    expect(lines[299_999]).toMatch(/^299999  a1 b  load\s+w0\s+-> 0$/);
  });

  it('does not call a replay reproduced unless every decision matches, even with the same failure and turns', async () => {
    const recorded = readSchedule(file, 'sched-probe');
    const again = await replay('sched-probe', file);
    expect(again.reproduced).toBe(true);
    const chosen = decodeDecisions(recorded.decisions!);
    const k = chosen.length - 1;
    const edited = { ...recorded, decisions: encodeDecisions(chosen.map((c, j) => (j === k ? 1 - c : c))) };
    expect(differenceOf(edited, again.run)).toBe(`decision ${k} chose actor ${chosen[k]}, the schedule says ${1 - chosen[k]}`);
    expect(differenceOf({ ...recorded, decisions: `${recorded.decisions!} 0*5` }, again.run)).toBe(`${chosen.length} decisions, the schedule has ${chosen.length + 5}`);
  });

  it('exits 2 from the CLI on a schedule for another scenario or a disagreeing parameter', () => {
    const cli = (args: string[]) => {
      try {
        execFileSync('node', ['dist/cli/main.js', ...args], { stdio: 'pipe' });
        return { code: 0, err: '' };
      } catch (e) {
        const x = e as { status: number; stderr: Buffer };
        return { code: x.status, err: x.stderr.toString() };
      }
    };
    const other = cli(['replay', 'ring-stress', '--schedule', file]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/recorded for scenario 'sched-probe'/);
    const disagree = cli(['replay', 'sched-probe', '--variant', 'correct', '--schedule', file]);
    expect(disagree.code).toBe(2);
    expect(disagree.err).toMatch(/--variant correct disagrees with the schedule, recorded with lost-update/);
    expect(cli(['explore', 'sched-probe', '--strategy', 'bfs']).err).toMatch(/--strategy: unknown value 'bfs' \(allowed: random, pct, dfs\)/);
  });
});

describe('the explore and replay commands', () => {
  it("run a variant with its explore settings, the user's flags winning over them", () => {
    const r = spawnSync('node', [join(process.cwd(), 'dist/cli/main.js'), 'explore', 'paging', '--variant', 'write-before-flush', '--iterations', '1', '--strategy', 'pct', '--ops', '1', '--pages', '12'], { cwd: mkdtempSync(join(tmpdir(), 'memrace-cli-')), encoding: 'utf8' });
    expect(r.status).toBe(0);
    // strategy and ops as given; procs, frames and ws from the variant's explore settings; pages as given.
    expect(r.stdout).toMatch(/strategy=pct depth=3 ops=1 seed=1; procs=2 pages=12 frames=16 .* ws=10 writePct=50 /);
  });

  it('print the failing schedule and a replay command that shows the same run', () => {
    const dir3 = mkdtempSync(join(tmpdir(), 'memrace-cli-'));
    const run = (args: string[]) => spawnSync('node', [join(process.cwd(), 'dist/cli/main.js'), ...args], { cwd: dir3, encoding: 'utf8' });
    const ex = run(['explore', 'ring-stress', '--variant', 'no-tail-wait', '--count', '8', '--bulk', '2', '--ops', '4', '--workers', '3', '--producers', '2', '--seed', '7', '--json', 'x.json', '--html', 'x.html']);
    expect(ex.status).toBe(1);
    expect(ex.stdout).toMatch(/FAILED after [\d.]+s: forbidden outcome '(torn|duplicate|lost)'/);
    expect(ex.stdout).toMatch(/saved to failures\/ring-stress-7\.schedule/);
    const cmd = /replay it: npx memrace (replay .*)$/m.exec(ex.stdout)![1].split(' ');
    expect(cmd).toEqual(['replay', 'ring-stress', '--variant', 'no-tail-wait', '--schedule', 'failures/ring-stress-7.schedule']);
    const rep = run(cmd);
    expect(rep.status).toBe(1);
    expect(rep.stdout).toMatch(/reproduced: the recorded run, exactly/);
    expect(rep.stdout).toMatch(/^\s+\d+  a\d producer  store   ring\.prod\.tail\s+= \d+ \(was \d+\)$/m);
    const json = JSON.parse(readFileSync(join(dir3, 'x.json'), 'utf8')) as { failure: { kind: string; file: string; roles: string[] } };
    expect(json.failure.kind).toBe('forbidden');
    expect(json.failure.roles).toEqual(['producer', 'producer', 'consumer']);
    expect(readFileSync(join(dir3, 'x.html'), 'utf8')).toMatch(/data-chart="timeline"/);
  });

  it('hand a stress failure over to the explorer (--explore-on-fail), which comes back with a replayable schedule', () => {
    const dir4 = mkdtempSync(join(tmpdir(), 'memrace-handoff-'));
    const run = spawnSync('node', [join(process.cwd(), 'dist/cli/main.js'), 'run', 'ring-stress', '--variant', 'no-tail-wait', '--duration', '3s', '--stop-on-forbidden', '--explore-on-fail', '--quiet'], { cwd: dir4, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^explore it: npx memrace explore ring-stress --variant no-tail-wait --seed 1$/m);
    expect(run.stdout).toMatch(/FAILED after/);
    const file = /saved to (\S+)$/m.exec(run.stdout)![1];
    expect(existsSync(join(dir4, file))).toBe(true);
  });
});
