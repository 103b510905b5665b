import { spawnSync } from 'node:child_process';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const cli = (...args: string[]) => spawnSync('node', ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });

describe('memrace CLI', () => {
  it('stops quietly when its reader goes away (memrace list | head -1)', () => {
    const r = spawnSync('sh', ['-c', 'node dist/cli/main.js list | head -1'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/^ring-stress /);
    expect(r.stderr).not.toMatch(/EPIPE/);
  });

  it('lists the scenarios, one line each, hiding the probes', () => {
    const r = cli('list');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ring-stress\s+\[dpdk\] .*\(broken: no-tail-wait, reorder, plain-tail, finish-unreserved\)$/m);
    expect(r.stdout).not.toMatch(/fault-probe|ring-pair/);
  });

  it.each(['run', 'explore', 'replay', 'sweep', 'step'])('answers `memrace %s --help` with its usage and the scenarios, not an unknown scenario', (command) => {
    const r = cli(command, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Usage: memrace ${command} <scenario>`));
    expect(r.stdout).toMatch(/ring-stress, mempool-stress/);
    expect(r.stdout).toMatch(new RegExp(`memrace ${command} <scenario> --help`));
  });

  it.each([
    [['run', 'ring-stress', '--count', '1000'], /--count: 1000 is not a power of two.*allowed: a power of two/],
    [['run', 'ring-stress', '--count', '0'], /--count: 0 is out of range/],
    [['run', 'ring-stress', '--count', String(2 ** 31 + 1)], /--count: .*out of range/],
    [['run', 'ring-stress', '--bulk', '64', '--count', '32'], /--bulk: 64 is larger than the ring's capacity 31 \(allowed: 1 to 31\)/],
    [['run', 'ring-stress', '--prod', 'XP'], /--prod: unknown value 'XP' \(allowed: SP, MP, MT_RTS, MT_HTS\)/],
    [['run', 'ring-stress', '--workers', '0'], /--workers: 0 is out of range/],
    [['run', 'ring-stress', '--duration', 'soon'], /--duration: 'soon' is not a duration/],
    [['run', 'ring-stress', '--variant', 'nope'], /--variant: unknown value 'nope' \(allowed: correct, no-tail-wait, reorder, plain-tail, finish-unreserved\)/],
    [['run', 'ring-stress', '--check', 'nope'], /--check: unknown check 'nope' \(allowed: linearizable\)/],
    [['run', 'oom', '--check', 'linearizable'], /--check: scenario oom records no history to check/],
    [['explore', 'ring-stress', '--memory', 'arm'], /--memory: unknown value 'arm' \(allowed: sc, tso, relaxed\)/],
    [['run', 'no-such-scenario'], /scenario: unknown value 'no-such-scenario' \(allowed: ring-stress/],
    [['translate', '--va', '0x1000', '--frames', '7'], /--frames: 7 is out of range/],
    [['run', 'ring-stress', '--json', '/nonexistent-dir/r.json'], /--json: cannot write '\/nonexistent-dir\/r.json': its folder does not exist/],
    [['sweep', 'ring-stress', '--workers', '2', '--html', '/nonexistent-dir/s.html'], /--html: cannot write/],
    [['translate', '--va', '0x1000', '--pid', 'x'], /--pid: /],
  ])('exits 2 naming the field for %j', (args, message) => {
    const r = cli(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 0 on a passing run and writes the JSON report', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'memrace-')), 'report.json');
    const r = cli('run', 'ring-stress', '--duration', '300ms', '--json', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/verdict: PASS/);
    const report = JSON.parse(readFileSync(file, 'utf8'));
    for (const key of ['scenario', 'variant', 'params', 'seed', 'workers', 'durationMs', 'totalOps', 'opsPerSec', 'perActor', 'oracles', 'outcomes', 'verdict', 'env']) {
      expect(report).toHaveProperty(key);
    }
    expect(report.verdict).toBe('pass');
    expect(report.env.cpus).toBeGreaterThan(0);
  });

  it('exits 1 when the broken variant is caught', () => {
    const r = cli('run', 'ring-stress', '--variant', 'no-tail-wait', '--duration', '10s', '--stop-on-forbidden', '--quiet');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/verdict: FAIL \(forbidden: /);
  });
});

describe('memrace step (actors stepped under the deterministic scheduler)', () => {
  it('runs each actor a few operations per round, the same rounds every time, and checks the oracles at the end', () => {
    const args = ['step', 'ring-stress', '--rounds', '2', '--steps', '8', '--count', '16', '--bulk', '4'];
    const r = cli(...args);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/│ 2\s+│ 3\s+│ consumer │ 8\s+│ 16\s+│/);
    expect(r.stdout).toMatch(/oracle exactly-once: ok/);
    expect(r.stdout).toMatch(/44 enqueued, 36 dequeued/);
    expect(cli(...args).stdout).toBe(r.stdout);
  });

  it('--live: each actor on its own worker thread over comlink, stepped in turn on the real Atomics', () => {
    const args = ['step', 'ring-stress', '--live', '--rounds', '2', '--steps', '8', '--count', '16', '--bulk', '4'];
    const r = cli(...args);
    expect(r.status).toBe(0);
    // One actor runs at a time, so the rounds are the same every time on real threads too; a
    // live producer returns when the ring refuses it (4 of its 8 steps' ops fit on the second).
    expect(r.stdout).toMatch(/│ 1\s+│ 1\s+│ producer │ 4\s+│ 4\s+│ enqueue/);
    expect(r.stdout).toMatch(/│ 2\s+│ 3\s+│ consumer │ 4\s+│ 8\s+│ dequeue/);
    expect(r.stdout).toMatch(/outcomes so far: ok=24 refused=2/);
    expect(r.stdout).toMatch(/oracle exactly-once: ok/);
    expect(r.stdout).toMatch(/24 enqueued, 24 dequeued/);
    expect(cli(...args).stdout).toBe(r.stdout);
  });

  it('rejects a bad step count naming the field', () => {
    const r = cli('step', 'ring-stress', '--steps', '0');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--steps: 0 is out of range/);
  });
});

describe('memrace sweep over a scenario whose actors are not called workers', () => {
  it('maps --workers onto the scenario\'s own actor count (mempool-stress: --lcores)', () => {
    const r = cli('sweep', 'mempool-stress', '--workers', '1..2', '--param', 'cache=0,32', '--duration', '200ms', '--runs', '1');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/sweep mempool-stress over lcores: 4 point\(s\)/);
    expect(r.stdout).toMatch(/│ 2\s+│ cache=32 │/);
  });
});
