import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/lab/report.js';

/**
 * Ctrl-C during a run: the first stops the actors, the oracles check what completed, the
 * reports are printed and written marked interrupted, and the terminal gets its cursor and
 * line wrap back; a second exits at once. A real Ctrl-C needs a terminal: util-linux
 * script(1) gives the run a pty, and a 0x03 typed into it is the SIGINT a person sends.
 */
const hasScript = spawnSync('script', ['--version']).status === 0;
/** Module loading and worker start-up under load: the handlers are in place well before. */
const STARTED_MS = 3000;

interface Done { status: number | null; out: string; err: string; afterSignalMs: number }

/**
 * Runs `cmd` and calls `send` once it has started: after STARTED_MS, or as soon as the file
 * `startedFile` exists (an actor wrote it: module loading and worker start-up are over).
 */
function runAndSignal(cmd: string, args: string[], send: (child: ReturnType<typeof spawn>) => void, startedFile?: string): Promise<Done> {
  return new Promise((resolve) => {
    const env = startedFile ? { ...process.env, MEMRACE_STARTED_FILE: startedFile } : process.env;
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    let sentAt = 0;
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const fire = () => {
      sentAt = performance.now();
      send(child);
    };
    const go = startedFile
      ? setInterval(() => {
        if (!existsSync(startedFile)) return;
        clearInterval(go);
        fire();
      }, 20)
      : setTimeout(fire, STARTED_MS);
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (status) => {
      clearTimeout(go);
      clearTimeout(kill);
      resolve({ status, out, err, afterSignalMs: performance.now() - sentAt });
    });
  });
}

describe('Ctrl-C and SIGTERM', () => {
  it.skipIf(!hasScript)('the first Ctrl-C on a terminal: actors stopped, oracles run, reports written marked interrupted, cursor and line wrap restored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memrace-int-'));
    const cmd = `node dist/cli/main.js run ring-stress --duration 30s --json ${dir}/r.json --html ${dir}/r.html --junit ${dir}/r.xml`;
    const r = await runAndSignal('script', ['-qfec', cmd, '/dev/null'], (c) => c.stdin!.write('\x03'));
    expect(r.status).toBe(130);
    expect(r.afterSignalMs).toBeLessThan(5000);
    expect(r.out).toMatch(/memrace: SIGINT: stopping the actors/);
    expect(r.out).toMatch(/ran \d+\.\d+s \(interrupted\)/);
    expect(r.out).toMatch(/oracle exactly-once: ok/);
    expect(r.out).toMatch(/verdict: PASS, interrupted: of what completed/);
    // The bar hid the cursor and turned line wrap off; both come back before the report.
    expect(r.out.lastIndexOf('\x1b[?25h')).toBeGreaterThan(r.out.lastIndexOf('\x1b[?25l'));
    expect(r.out.lastIndexOf('\x1b[?7h')).toBeGreaterThan(r.out.lastIndexOf('\x1b[?7l'));
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as Report;
    expect(report.interrupted).toBe(true);
    expect(report.totalOps).toBeGreaterThan(0);
    expect(report.oracles.map((o) => o.name)).toEqual(['exactly-once', 'conservation']);
    expect(readFileSync(join(dir, 'r.xml'), 'utf8')).toMatch(/<property name="interrupted" value="true"\/>/);
    expect(readFileSync(join(dir, 'r.html'), 'utf8')).toMatch(/verdict: PASS \(interrupted\)/);
  });

  it('a second SIGTERM exits at once, without a report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'memrace-int-'));
    // Signalled once its actor runs: a first SIGTERM during start-up once ended a CI run with neither message (status 130).
    const args = ['dist/cli/main.js', 'run', './test/fixtures/user/started.scenario.mjs', '--workers', '2', '--duration', '30s', '--json', join(dir, 'r.json')];
    const r = await runAndSignal('node', args, (c) => {
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGTERM'), 20);
    }, join(dir, 'started'));
    expect(r.status).toBe(130);
    expect(r.err).toMatch(/SIGTERM: stopping the actors[^]*SIGTERM again: exiting without a report/);
    expect(r.out).not.toMatch(/verdict/);
  });
});
