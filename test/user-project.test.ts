import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedTarball } from './packed.js';

/**
 * What a user does: a project of their own that installs the packed package and runs a
 * scenario file of theirs, importing defineScenario from 'memrace', under run, explore,
 * replay and sweep, as .mjs and as .ts (no build step).
 */
const project = mkdtempSync(join(tmpdir(), 'memrace-user-project-'));
const memrace = (...args: string[]) => new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
  execFile(join(project, 'node_modules', '.bin', 'memrace'), args, { cwd: project, encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
    resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
});

const lock = (typed: boolean) => `import { defineScenario${typed ? ', type ActorContext' : ''} } from 'memrace';

// A test-and-set lock around a counter, in raw Atomics; 'load-then-store' is not atomic.
export default defineScenario({
  name: 'my-lock',
  subsystem: 'mine',
  variants: [
    { name: 'correct', summary: 'compareExchange' },
    { name: 'load-then-store', summary: 'a load, then a store' },
  ],
  outcomes: [
    { id: 'alone', grade: 'ACCEPTABLE', description: 'alone in the critical section' },
    { id: 'together', grade: 'FORBIDDEN', description: 'two threads in the critical section' },
  ],
  actors: (p) => Array.from({ length: p.workers${typed ? ' as number' : ''} }, () => 'thread'),
  setup: (arena) => ({ lock: arena.allocWords('lock', 1), inside: arena.allocWords('inside', 1) }),
  roles: {
    thread(ctx${typed ? ': ActorContext<Record<string, unknown>, { lock: number; inside: number }>' : ''}) {
      const { lock, inside } = ctx.state;
      while (!ctx.stopped()) {
        if (ctx.params.variant === 'load-then-store') {
          while (Atomics.load(ctx.i32, lock) !== 0) Atomics.wait(ctx.i32, lock, 1, 10);
          Atomics.store(ctx.i32, lock, 1);
        } else {
          while (Atomics.compareExchange(ctx.i32, lock, 0, 1) !== 0) Atomics.wait(ctx.i32, lock, 1, 10);
        }
        ctx.outcome(Atomics.add(ctx.i32, inside, 1) === 0 ? 0 : 1);
        Atomics.sub(ctx.i32, inside, 1);
        Atomics.store(ctx.i32, lock, 0);
        Atomics.notify(ctx.i32, lock, 1);
        ctx.done(1);
      }
    },
  },
});
`;

beforeAll(() => {
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'my-project', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', packedTarball()], { cwd: project, stdio: 'pipe' });
  writeFileSync(join(project, 'my-lock.scenario.mjs'), lock(false));
  writeFileSync(join(project, 'my-lock.scenario.ts'), lock(true));
}, 120_000);

afterAll(() => rmSync(project, { recursive: true, force: true }));

// The .mjs and the .ts cases run side by side, each saving its schedules in a folder of its own.
describe.concurrent('a scenario file in a project that installed the packed memrace', () => {
  it.each(['mjs', 'ts'])('runs, explores, replays and sweeps ./my-lock.scenario.%s', async (ext) => {
    const file = `./my-lock.scenario.${ext}`;
    const run = await memrace('run', file, '--workers', '2', '--ops', '300', '--quiet');
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/verdict: PASS/);
    const explore = await memrace('explore', file, '--variant', 'load-then-store', '--workers', '2', '--ops', '2', '--strategy', 'random', '--failures', `failures-${ext}`);
    expect(explore.status).toBe(1);
    expect(explore.stdout).toMatch(/FAILED .*forbidden outcome 'together'/);
    const schedule = /saved to (\S+)/.exec(explore.stdout)![1];
    const saved = JSON.parse(readFileSync(join(project, schedule), 'utf8'));
    expect(saved.scenarioFile).toBe(join(project, `my-lock.scenario.${ext}`));
    const replay = await memrace('replay', file, '--schedule', schedule);
    expect(replay.stdout).toMatch(/reproduced: the recorded run, exactly/);
    const sweep = await memrace('sweep', file, '--workers', '1..2', '--runs', '1', '--ops', '200');
    expect(sweep.status).toBe(0);
    expect(sweep.stdout).toMatch(/efficiency/);
  });
});
