import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const cli = (args: string[], input?: string) => spawnSync('node', ['dist/cli/main.js', ...args], { encoding: 'utf8', input, timeout: 60_000 });

describe('memrace proc, sysctl and shell (issue 8)', () => {
  it('reads the kernel\'s /proc/sys/vm files beside the userland\'s, in one command', () => {
    const r = cli(['proc', '/proc/sys/vm/min_free_kbytes', '/proc/sys/vm/overcommit_memory', '/proc/42/oom_adj']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^# cat \/proc\/sys\/vm\/min_free_kbytes\n\d+\n/);
    expect(r.stdout).toMatch(/# cat \/proc\/sys\/vm\/overcommit_memory\n0\n# cat \/proc\/42\/oom_adj\n0\n$/);
  });

  it('reads /proc/<pid>/oom_score, oom_score_adj and oom_adj', () => {
    const r = cli(['proc', '/proc/42/oom_score', '/proc/42/oom_score_adj', '/proc/42/oom_adj']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/# cat \/proc\/42\/oom_score_adj\n0\n# cat \/proc\/42\/oom_adj\n0\n/);
  });

  it('writes oom_adj 9 from standard input: oom_score_adj then reads 529 and oom_adj 8', () => {
    const r = cli(['proc', '--write', '/proc/42/oom_adj'], '9\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/# cat \/proc\/42\/oom_score_adj\n529\n# cat \/proc\/42\/oom_adj\n8\n/);
  });

  it('refuses an oom_adj outside -17..15 with EINVAL', () => {
    const r = cli(['proc', '--write', '/proc/42/oom_adj'], '16\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--write: echo 16 > \/proc\/42\/oom_adj: write error: Invalid argument/);
  });

  it('rejects a bad --adj list naming the field', () => {
    const r = cli(['run', 'oom', '--adj', '0,2000']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--adj: '0,2000' is not a list of oom_score_adj values \(allowed: integers from -1000 to 1000/);
  });

  it('names an unknown sysctl as sysctl(8) does', () => {
    const r = cli(['sysctl', 'vm.no_such_knob']);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/sysctl: cannot stat \/proc\/sys\/vm\/no_such_knob: No such file or directory/);
  });

  it('sysctl -w writes and echoes like sysctl(8), and rejects out-of-range values', () => {
    expect(cli(['sysctl', '-w', 'vm.overcommit_memory=2']).stdout).toBe('vm.overcommit_memory = 2\n');
    const bad = cli(['sysctl', '-w', 'vm.overcommit_memory=3']);
    expect(bad.status).toBe(2);
    expect(bad.stdout).toMatch(/sysctl: setting key "vm.overcommit_memory": Invalid argument/);
  });

  it('keeps state across commands in a shell session: mode 2 refuses, mode 0 lets the killer run', () => {
    const script = ['sysctl -w vm.overcommit_memory=2', 'malloc 230 100M', 'sysctl -w vm.overcommit_memory=0', 'touch 230 120M', 'cat /proc/42/oom_score_adj'].join('\n');
    const r = cli(['shell', '--mem', '128M'], script + '\n');
    expect(r.stdout).toMatch(/mmap: Cannot allocate memory/);
    expect(r.stdout).toMatch(/java invoked oom-killer/);
    expect(r.stdout).toMatch(/Out of memory: Killed process 230 \(java\)/);
    expect(r.status).toBe(0);
  });
});
