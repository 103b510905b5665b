import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellLine } from '../../../src/cli/shell-commands.js';
import { Userland } from '../../../src/kernel/userland.js';
import { resolveScenarioParams } from '../../../src/lab/engine-params.js';
import { parseSize } from '../../../src/lab/params.js';
import { findScenario } from '../../../src/scenarios/index.js';
import { MUTATING } from '../../mutating.js';

// The CLI runs in a child process, which reports no coverage: those cases skip under npm run mutate.
const cli = (args: string[], input?: string) => spawnSync('node', ['dist/cli/main.js', ...args], { encoding: 'utf8', input, timeout: 60_000 });

/**
 * What a kernel engineer checks first through `memrace shell` and `memrace proc` (Linux
 * 6.6): /proc/meminfo's overcommit lines (fs/proc/meminfo.c), min_free_kbytes
 * (calculate_min_free_kbytes: int_sqrt(lowmem_kbytes * 16), clamped to 128..262144), sizes
 * past 2 GiB, and /proc writes by an unprivileged user.
 */
describe('memrace shell and proc as Linux 6.6 shows them', () => {
  it.skipIf(MUTATING)('takes --mem 4G and --swap 2G: MemTotal 4194304 kB, SwapFree, CommitLimit = RAM * 50% + swap; min_free_kbytes 8192', () => {
    const r = cli(['shell', '--mem', '4G', '--swap', '2G'], 'cat /proc/meminfo /proc/sys/vm/min_free_kbytes\n');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/MemTotal: +4194304 kB/);
    expect(r.stdout).toMatch(/SwapTotal: +2097152 kB\nSwapFree: +2097152 kB/);
    expect(r.stdout).toMatch(/CommitLimit: +4194304 kB\nCommitted_AS: +72800 kB/);
    expect(r.stdout).toMatch(/\n8192\n$/);
  });

  it.skipIf(MUTATING)('refuses a --mem the default tasks do not fit in (0 would show a negative MemFree)', () => {
    const r = cli(['shell', '--mem', '0'], 'cat /proc/meminfo\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--mem: 0 cannot hold the default tasks' 19600 resident pages and 4M free \(allowed: 81M to 1T\)/);
  });

  it.skipIf(MUTATING)("memrace proc's /proc/meminfo carries CommitLimit and Committed_AS", () => {
    const r = cli(['proc', '/proc/meminfo']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/SwapFree: +0 kB\n/);
    expect(r.stdout).toMatch(/CommitLimit: +\d+ kB\nCommitted_AS: +72800 kB\n$/);
  });

  it.skipIf(MUTATING)('runs commands as an unprivileged user: lowering below oom_score_adj_min and other users\' files are EACCES; min_free_kbytes stops faults', () => {
    const script = [
      "su user -c 'echo 500 > /proc/230/oom_score_adj'",
      "su user -c 'echo -1 > /proc/230/oom_score_adj'",
      "su user -c 'echo 0 > /proc/42/oom_score_adj'",
      "su user -c 'sysctl -w vm.min_free_kbytes=1'",
      'echo 0x10 > /proc/230/oom_score_adj',
      'cat /proc/230/oom_score_adj',
      'sysctl -w vm.min_free_kbytes=65536',
      'touch 311 200M',
    ].join('\n');
    const r = cli(['shell', '--mem', '256M'], `${script}\n`);
    expect(r.stdout).toContain("memrace# su user -c 'echo 500 > /proc/230/oom_score_adj'\nmemrace# su user");
    expect(r.stdout).toContain("-1 > /proc/230/oom_score_adj'\nwrite error: Permission denied");
    expect(r.stdout).toContain('/proc/42/oom_score_adj: Permission denied');
    expect(r.stdout).toContain('memrace# cat /proc/230/oom_score_adj\n16\n');
    expect(r.stdout).toContain('sysctl: permission denied on key "vm.min_free_kbytes"');
    // Faults stop at the min watermark (65536 kB = 16384 pages), not at 0: redis (adj 300) grows, is chosen and killed.
    expect(r.stdout).toMatch(/redis-server invoked oom-killer/);
    expect(r.stdout).toMatch(/\[    311\]   998   311    12000    31552 /);
    expect(r.stdout).toMatch(/Out of memory: Killed process 311 \(redis-server\)/);
  });
  it('takes sizes of 2 GiB and more wherever a size is typed: parseSize, a scenario\'s --mem, memory.max (page_counter_memparse)', () => {
    expect(parseSize('--mem', '3G')).toBe(3 * 2 ** 30);
    expect(parseSize('--mem', '1T')).toBe(2 ** 40);
    expect(resolveScenarioParams(findScenario('oom-memcg'), { mem: '1G', memoryMax: '2G' })).toMatchObject({ mem: 2 ** 30, memoryMax: 2 ** 31 });
    // A booted image is bounded (it lives in SharedArrayBuffers): 3G is refused by name, not wrapped.
    expect(() => resolveScenarioParams(findScenario('oom'), { mem: '3G' })).toThrow(/--mem: 3221225472 bytes .* in at most 1536M/);
    const u = new Userland((512 * 2 ** 20) / 4096);
    expect(shellLine(u, 'mkdir /sys/fs/cgroup/big').rc).toBe(0);
    expect(shellLine(u, 'echo 8G > /sys/fs/cgroup/big/memory.max').rc).toBe(0);
    expect(u.read('/sys/fs/cgroup/big/memory.max').text).toBe(String(8 * 2 ** 30));
    expect(shellLine(u, 'echo 0x80000000 > /sys/fs/cgroup/big/memory.max').rc).toBe(0);
    expect(u.read('/sys/fs/cgroup/big/memory.max').text).toBe(String(2 ** 31));
  });
});
