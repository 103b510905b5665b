import { describe, expect, it } from 'vitest';
import { shellLine } from '../../../src/cli/shell-commands.js';
import { Userland } from '../../../src/kernel/userland.js';

/**
 * LTP's testcases/kernel/mem/oom (oom01 to oom05) and tunable (overcommit_memory,
 * min_free_kbytes) procedures, typed into the shell's userland as a script, with LTP's pass
 * conditions as the oracles: the harness, at oom_score_adj -1000, survives; the child is
 * refused by mmap (overcommit 2) or killed by SIGKILL (0, 1, or its memory cgroup); the
 * limits are the ones LTP computes from /proc/meminfo. Kernel behaviour: Linux 6.6.
 */
const MiB = 2 ** 20;

/** Run a script; returns each command's output, in order. */
function sh(u: Userland, script: string[]): string[] {
  return script.map((line) => shellLine(u, line).text);
}
const meminfo = (u: Userland, key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(u.read('/proc/meminfo').text)![1]);
const alive = (u: Userland, pid: number) => u.read(`/proc/${pid}/oom_score_adj`).rc === 0;

/** LTP's harness: a process protected at -1000 (tst_enable_oom_protection) and its child, unprotected. */
function harness(u: Userland): { parent: number; child: number } {
  const parent = Number(shellLine(u, 'run ltp-harness').text);
  shellLine(u, `echo -1000 > /proc/${parent}/oom_score_adj`);
  const child = Number(shellLine(u, `clone ${parent}`).text);
  shellLine(u, `echo 0 > /proc/${child}/oom_score_adj`);
  return { parent, child };
}

describe('LTP mem/oom through memrace shell', () => {
  it('oom01: overcommit_memory=2 refuses mmap before any OOM; =0 and =1 end in SIGKILL for the child; the harness survives', () => {
    const u = new Userland((512 * MiB) / 4096);
    for (const [policy, expectKill] of [[2, false], [0, true], [1, true]] as const) {
      const { parent, child } = harness(u);
      const out = sh(u, [`sysctl -w vm.overcommit_memory=${policy}`, `memhog ${child} 64M`]);
      if (expectKill) {
        expect(out[1]).toMatch(new RegExp(`Out of memory: Killed process ${child} \\(ltp-harness\\)`));
        expect(alive(u, child)).toBe(false);
      } else {
        expect(out[1]).toMatch(/mmap: Cannot allocate memory/);
        expect(out[1]).not.toMatch(/invoked oom-killer/);
        expect(alive(u, child)).toBe(true);
        u.exit(u.tasks.find(child));
      }
      expect(alive(u, parent)).toBe(true);
    }
  });

  it('oom03: a child in a memory cgroup (memory.max) is killed by the group\'s OOM killer, CONSTRAINT_MEMCG, no panic', () => {
    const u = new Userland((512 * MiB) / 4096);
    const { parent, child } = harness(u);
    const out = sh(u, [
      'mkdir /sys/fs/cgroup/ltp_oom03', 'echo 64M > /sys/fs/cgroup/ltp_oom03/memory.max', `echo ${child} > /sys/fs/cgroup/ltp_oom03/cgroup.procs`,
      'sysctl -w vm.overcommit_memory=1', `memhog ${child} 16M`, 'cat /sys/fs/cgroup/ltp_oom03/memory.events', 'cat /sys/fs/cgroup/ltp_oom03/memory.current',
    ]);
    expect(out[4]).toMatch(/constraint=CONSTRAINT_MEMCG,.*oom_memcg=\/ltp_oom03/);
    expect(out[4]).toMatch(new RegExp(`Memory cgroup out of memory: Killed process ${child} .*anon-rss:65536kB`));
    expect(out[5]).toMatch(/^low 0\nhigh 0\nmax 1\noom 1\noom_kill 1\n/);
    expect(out[6]).toBe('0');
    expect([alive(u, parent), alive(u, child)]).toEqual([true, false]);
  });

  it('oom02: MPOL_BIND to node 1 ends in SIGKILL under CONSTRAINT_MEMORY_POLICY; MPOL_INTERLEAVE and MPOL_PREFERRED over nodes 1-2 fall back to every node (CONSTRAINT_NONE)', () => {
    for (const [mode, nodes, constraint] of [['bind', '1', 'CONSTRAINT_MEMORY_POLICY,nodemask=1'], ['interleave', '1-2', 'CONSTRAINT_NONE,nodemask=\\(null\\)'], ['preferred', '1-2', 'CONSTRAINT_NONE,nodemask=\\(null\\)']] as const) {
      const u = new Userland((768 * MiB) / 4096, 0, undefined, 3);
      const { parent, child } = harness(u);
      const out = sh(u, ['sysctl -w vm.overcommit_memory=1', `set_mempolicy ${child} ${mode} ${nodes}`, `memhog ${child} 16M`]);
      expect(out[2]).toMatch(new RegExp(`oom-kill:constraint=${constraint}`));
      expect(out[2]).toMatch(new RegExp(`Out of memory: Killed process ${child} `));
      expect([alive(u, parent), alive(u, child)]).toEqual([true, false]);
    }
  });

  it('oom04: a child in a cpuset on node 1 is killed under CONSTRAINT_CPUSET; totalpages is node 1 (oom_score_adj scales by it)', () => {
    const u = new Userland((512 * MiB) / 4096, 0, undefined, 2);
    const { parent, child } = harness(u);
    const out = sh(u, ['mkdir /sys/fs/cgroup/ltp_oom04', 'echo 1 > /sys/fs/cgroup/ltp_oom04/cpuset.mems', `echo ${child} > /sys/fs/cgroup/ltp_oom04/cgroup.procs`, 'sysctl -w vm.overcommit_memory=1', `memhog ${child} 16M`]);
    expect(out[4]).toMatch(new RegExp(`oom-kill:constraint=CONSTRAINT_CPUSET,nodemask=\\(null\\),cpuset=/ltp_oom04,mems_allowed=1,global_oom,task_memcg=/,task=ltp-harness,pid=${child}`));
    expect([alive(u, parent), alive(u, child)]).toEqual([true, false]);
    // Node 0 still holds the boot-time tasks' pages: only node 1 was exhausted.
    expect(u.nodes.free[0]).toBeLessThan(u.nodes.present[0]);
    expect(u.nodes.free[1]).toBe(u.nodes.present[1]);
  });

  it('oom05: cpuset and memory cgroup together: the 64M memory.max is hit before node 1 runs out, CONSTRAINT_MEMCG', () => {
    const u = new Userland((512 * MiB) / 4096, 0, undefined, 2);
    const { parent, child } = harness(u);
    const g = '/sys/fs/cgroup/ltp_oom05';
    const out = sh(u, [`mkdir ${g}`, `echo 1 > ${g}/cpuset.mems`, `echo 64M > ${g}/memory.max`, `echo ${child} > ${g}/cgroup.procs`, 'sysctl -w vm.overcommit_memory=1', `memhog ${child} 16M`]);
    expect(out[5]).toMatch(/constraint=CONSTRAINT_MEMCG,nodemask=\(null\),cpuset=\/ltp_oom05,mems_allowed=1,oom_memcg=\/ltp_oom05/);
    expect([alive(u, parent), alive(u, child)]).toEqual([true, false]);
  });

  it('only tasks that may use the exhausted nodes are eligible: a larger task bound to node 0 survives a node-1 MPOL_BIND OOM', () => {
    const u = new Userland((512 * MiB) / 4096, 0, [{ pid: 1, comm: 'init', init: true }], 2);
    const big = Number(shellLine(u, 'run big-on-0').text);
    sh(u, [`set_mempolicy ${big} bind 0`, `touch ${big} 200M`]);
    const small = Number(shellLine(u, 'run small-on-1').text);
    const out = sh(u, [`set_mempolicy ${small} bind 1`, `touch ${small} 300M`]);
    expect(out[1]).toMatch(new RegExp(`constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,.*Killed process ${small} `, 's'));
    expect(out[1]).not.toMatch(new RegExp(`Killed process ${big} `));
    expect(alive(u, big)).toBe(true);
  });

  it('clone(CLONE_VM): an oom_score_adj write reaches both; the killer picks one and SIGKILLs the other, the mm\'s pages come back once', () => {
    const u = new Userland((512 * MiB) / 4096, 0, [{ pid: 1, comm: 'init', init: true }]);
    const a = Number(shellLine(u, 'run worker').text);
    const b = Number(shellLine(u, `clone ${a} --vm`).text);
    const free0 = u.free;
    const out = sh(u, [`echo -1000 > /proc/${b}/oom_score_adj`, `cat /proc/${a}/oom_score_adj`, `echo 0 > /proc/${a}/oom_score_adj`, `cat /proc/${b}/oom_score_adj`, `touch ${a} 600M`]);
    expect([out[1], out[3]]).toEqual(['-1000', '0']);
    // Equal scores (one mm): the task met later in the walk, b, is the victim; a, sharing the mm, gets SIGKILL.
    expect(out[4]).toMatch(new RegExp(`Out of memory: Killed process ${b} \\(worker\\)`));
    expect([alive(u, a), alive(u, b)]).toEqual([false, false]);
    expect(u.free).toBe(free0);
  });

  it('a memory cgroup whose only task is protected: the group OOM finds nobody and the charge fails, no panic', () => {
    const u = new Userland((512 * MiB) / 4096);
    const { parent } = harness(u);
    const out = sh(u, ['mkdir /sys/fs/cgroup/g', 'echo 8M > /sys/fs/cgroup/g/memory.max', `echo ${parent} > /sys/fs/cgroup/g/cgroup.procs`, `touch ${parent} 16M`]);
    expect(out[3]).toMatch(/Out of memory and no killable processes\.\.\./);
    expect(out[3]).not.toMatch(/Kernel panic/);
    expect(out[3]).toMatch(/the charge to g fails/);
    expect(alive(u, parent)).toBe(true);
  });
});

describe('LTP mem/tunable through memrace shell', () => {
  it('overcommit_memory: the limits LTP computes from /proc/meminfo hold for modes 2, 0 and 1', () => {
    const u = new Userland((512 * MiB) / 4096, (256 * MiB) / 4096);
    const { child } = harness(u);
    const malloc = (kb: number) => shellLine(u, `malloc ${child} ${kb}K`).rc === 0;
    shellLine(u, 'sysctl -w vm.overcommit_ratio=50');
    // mm_compute_batch on one CPU: max(2, 32, totalram_pages / 256) pages of per-CPU drift.
    const totalBatchKb = Math.max(2, 32, Math.floor(u.totalramPages / 256)) * 4;
    const memTotal = meminfo(u, 'MemTotal');
    const swapTotal = meminfo(u, 'SwapTotal');
    // vm_commit_limit: RAM * overcommit_ratio / 100 + swap.
    expect(meminfo(u, 'CommitLimit')).toBe(memTotal / 2 + swapTotal);

    shellLine(u, 'sysctl -w vm.overcommit_memory=2');
    let commitLeft = meminfo(u, 'CommitLimit') - meminfo(u, 'Committed_AS');
    expect(malloc(commitLeft * 2)).toBe(false);
    expect(malloc(meminfo(u, 'CommitLimit') + totalBatchKb)).toBe(false);
    commitLeft = meminfo(u, 'CommitLimit') - meminfo(u, 'Committed_AS');
    expect(malloc(Math.floor(commitLeft / 2))).toBe(true);

    shellLine(u, 'sysctl -w vm.overcommit_memory=0');
    const freeTotal = meminfo(u, 'MemFree') + meminfo(u, 'SwapFree');
    const sumTotal = memTotal + swapTotal;
    expect(malloc(Math.floor(freeTotal / 2))).toBe(true);
    expect(malloc(sumTotal + totalBatchKb)).toBe(false);

    shellLine(u, 'sysctl -w vm.overcommit_memory=1');
    for (const kb of [sumTotal / 2, sumTotal, sumTotal * 2]) expect(malloc(kb)).toBe(true);
  });

  it('min_free_kbytes: at the default, twice it, and min(5% of MemFree, 2% of MemTotal), MemFree never drops below it; mode 2 ends in mmap ENOMEM (exit 0), modes 1 and 0 in SIGKILL', () => {
    const u = new Userland((512 * MiB) / 4096);
    const def = Number(u.read('/proc/sys/vm/min_free_kbytes').text);
    expect(def).toBe(Math.floor(Math.sqrt(512 * 1024 * 16)));
    for (const policy of [2, 0, 1]) {
      for (let i = 0; i < 3; i++) {
        const tune = i === 0 ? def : i === 1 ? 2 * def : Math.min(Math.floor(meminfo(u, 'MemFree') / 20), Math.floor(meminfo(u, 'MemTotal') / 50));
        const { parent, child } = harness(u);
        // eatup_mem: 1 MiB mmap + memset until mmap fails.
        const out = sh(u, [`sysctl -w vm.overcommit_memory=${policy}`, `sysctl -w vm.min_free_kbytes=${tune}`, `memhog ${child} 1M`]);
        expect(meminfo(u, 'MemFree')).toBeGreaterThanOrEqual(tune);
        // LTP takes exit 0 or SIGKILL under mode 0; 6.6's heuristic refuses only a single mapping larger than RAM + swap,
        // so eatup_mem's 1 MiB mmaps always pass and mode 0 ends as mode 1 does.
        if (policy === 2) expect([/mmap: Cannot allocate memory/.test(out[2]), alive(u, child)]).toEqual([true, true]);
        else expect([/mmap: Cannot allocate memory/.test(out[2]), /Out of memory: Killed process/.test(out[2]), alive(u, child)]).toEqual([false, true, false]);
        for (const pid of [child, parent]) if (alive(u, pid)) u.exit(u.tasks.find(pid));
      }
    }
  });
});
