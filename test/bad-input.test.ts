import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Every bad input found by trying memrace as a new user would: each gets one line on stderr
 * naming the flag and what it allows, exit 2, and no work first (nothing on stdout: no run
 * started, no progress, no report). A case that once ran until killed, printed a stack trace,
 * exited 1 or lost a shell is kept here.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-bad-'));
mkdirSync(join(dir, 'a-directory'));
const fifo = join(dir, 'a-fifo');
execFileSync('mkfifo', [fifo]);

interface Run { status: number | null; stdout: string; stderr: string }

function cli(args: readonly string[], stdin = ''): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn('node', ['dist/cli/main.js', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(stdin);
  });
}

const CASES: ReadonlyArray<[string, readonly string[], RegExp, string?]> = [
  // budgets and durations: each once ran a correct scenario into a false FAIL or until killed
  ['a time budget too short to start the workers', ['run', 'ring-stress', '--time-budget', '1s'], /^memrace: --time-budget: '1s' is out of range \(allowed: 3s to 24h\)/],
  ['a time budget of 300ms', ['run', 'ring-stress', '--time-budget', '300ms'], /--time-budget: '300ms' is out of range \(allowed: 3s to 24h\)/],
  ['a time budget of 0', ['run', 'ring-stress', '--time-budget', '0'], /--time-budget: '0' is out of range/],
  ['a zero duration', ['run', 'ring-stress', '--duration', '0'], /^memrace: --duration: '0' is out of range \(allowed: 1ms to 24h\)/],
  ['a duration under a millisecond', ['run', 'ring-stress', '--duration', '0.0001s'], /--duration: '0.0001s' is out of range \(allowed: 1ms to 24h\)/],
  ['a duration of 31 years', ['run', 'ring-stress', '--duration', '1000000000s'], /--duration: '1000000000s' is out of range \(allowed: 1ms to 24h\)/],
  ['an op budget past 2^64', ['run', 'ring-stress', '--ops', '99999999999999999999'], /--ops: 99999999999999999999 is out of range \(allowed: an integer from 0 to 1000000000\)/],
  // sizes that do not fit one image: they exited 1 (the verdict code) naming no flag
  ['a ring of 2^30 slots', ['run', 'ring-stress', '--count', '1073741824'], /^memrace: --count 1073741824: the machine image would take 16 GiB, more than the 2 GiB one image holds/],
  ['a mempool of 1M 4K objects', ['run', 'mempool-stress', '--n', '1000000', '--elt-size', '4096'], /^memrace: --n 1000000 --elt-size 4096: the machine image would take 3\.9 GiB/],
  // --count 0 and --count 1 once gave two different allowed ranges
  ['a ring count of 0', ['run', 'ring-stress', '--count', '0'], /--count: 0 is out of range \(allowed: a power of two from 2 to 2\^30, or with EXACT_SZ \(--exact\) any count from 1 to 2\^30 - 1\)/],
  ['a ring count of 1', ['run', 'ring-stress', '--count', '1'], /--count: 1 is not a power of two from 2 to 2\^30 \(allowed: a power of two from 2 to 2\^30, or with EXACT_SZ \(--exact\) any count from 1 to 2\^30 - 1\)/],
  ['a ring count past 2^30', ['run', 'ring-stress', '--count', String(2 ** 31)], /--count: 2147483648 is out of range \(allowed: a power of two from 2 to 2\^30/],
  // output paths, checked before the run: a file, /proc, a directory, a FIFO nobody reads
  ['--failures on a file', ['explore', 'ring-stress', '--failures', '/etc/hostname'], /^memrace: --failures: cannot write into '\/etc\/hostname': it is not a directory/],
  ['--failures under /proc (it hung)', ['explore', 'ring-stress', '--failures', '/proc/memrace-x'], /^memrace: --failures: cannot write into '\/proc\/memrace-x'/],
  ['--json to an existing directory', ['run', 'ring-stress', '--json', join(dir, 'a-directory')], /^memrace: --json: cannot write '.*a-directory': it is a directory/],
  ['--html to a directory', ['explore', 'ring-stress', '--html', dir], /--html: cannot write '.*': it is a directory/],
  ['--junit in a missing folder', ['run', 'ring-stress', '--junit', join(dir, 'no', 'r.xml')], /--junit: cannot write '.*r\.xml': its folder does not exist/],
  ['--json under /proc', ['sweep', 'ring-stress', '--workers', '2', '--json', '/proc/memrace.json'], /--json: cannot write '\/proc\/memrace\.json'/],
  ['--json to a FIFO nobody reads (the write would block)', ['run', 'ring-stress', '--json', fifo], /^memrace: --json: cannot write '.*a-fifo': it is a pipe nobody reads/],
  ['--html to a FIFO, from sweep', ['sweep', 'ring-stress', '--workers', '2', '--html', fifo], /--html: cannot write '.*a-fifo': it is a pipe nobody reads/],
  ['--failures naming a FIFO', ['explore', 'ring-stress', '--failures', fifo], /--failures: cannot write into '.*a-fifo': it is not a directory/],
  ['replay --html to a directory', ['replay', 'ring-stress', '--schedule', join(dir, 'none.schedule'), '--html', dir], /^memrace: --html: cannot write '.*': it is a directory/],
  ['bench --json to a directory', ['bench', 'ring', '--json', dir], /^memrace: --json: cannot write '.*': it is a directory/],
  ['--schedule naming a FIFO', ['replay', 'ring-stress', '--schedule', fifo], /--schedule .*a-fifo: not a regular file/],
  ['--schedule naming a directory', ['replay', 'ring-stress', '--schedule', dir], /--schedule .*: not a regular file/],
  ['--swap naming a directory', ['run', 'swap-thrash', '--swap', dir], /^memrace: --swap: cannot create the swap file/],
  // commands beside run
  ['proc --seed abc (it used seed 1)', ['proc', '--workload', '10', '--seed', 'abc'], /^memrace: --seed: 'abc' is not an integer \(allowed: an integer from 0 to 4294967295\)/],
  ['proc --workload -1', ['proc', '--workload', '-1'], /--workload: -1 is out of range/],
  ['proc --write of a value out of range (it went to stdout, exit 1)', ['proc', '--write', '/proc/230/oom_score_adj'], /^memrace: --write: echo 5000 > \/proc\/230\/oom_score_adj: write error: Invalid argument \(allowed: /, '5000\n'],
  ['proc --write to a task that does not exist', ['proc', '--write', '/proc/999/oom_adj'], /--write: echo 1 > \/proc\/999\/oom_adj: .*No such file or directory/, '1\n'],
  ['proc --write of a bad sysctl value', ['proc', '--write', '/proc/sys/vm/overcommit_memory'], /--write: .*Invalid argument/, '7\n'],
  ['shell --mem 0 (MemFree went negative)', ['shell', '--mem', '0'], /^memrace: --mem: 0 cannot hold the default tasks' \d+ resident pages and 4M free \(allowed: \d+M to 1T\)/],
  ['sysctl --mem 2T', ['sysctl', '--mem', '2T', '-a'], /--mem: 2T is more than this machine models/],
];

describe.concurrent('bad input: one line naming the flag and its range, exit 2, before any work', () => {
  it.each(CASES)('%s', async (_what, args, message, stdin) => {
    const r = await cli(args, stdin);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('memrace --version prints the version', async () => {
    const r = await cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a bad SIZE in memrace shell is an error line, and the session goes on with its state', async () => {
    const r = await cli(['shell'], 'malloc 230 abc\nmalloc 230 1M\nmalloc 230 1M\nexit\n');
    expect(r.stdout).toMatch(/memrace# malloc 230 abc\nmalloc: 'abc' is not a size \(4096, 64K, 128M, 1G\)\n/);
    expect(r.stdout.match(/pid 230: mapped 256 pages/g)).toHaveLength(2);
    expect(r.status).toBe(0);
  });
});
