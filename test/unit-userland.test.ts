import { describe, expect, it } from 'vitest';
import { EACCES, EINVAL, ENOENT, ERANGE } from '../src/errors.js';
import { ROOT, user } from '../src/kernel/proc_oom.js';
import { T_COMMITTED, T_PPID, T_UID } from '../src/kernel/task.js';
import { Userland } from '../src/kernel/userland.js';

/**
 * The shell's userland (src/kernel/userland.ts) in process: what `cat` and `echo` of /proc
 * files answer (fs/proc/base.c, fs/proc/meminfo.c, kernel/sysctl.c's proc_dointvec_minmax,
 * Linux 6.6), the errors a command names, and the process commands (run, clone, malloc,
 * memhog, set_mempolicy, ps). A 256 MiB machine (65536 pages, no swap) with DEFAULT_TASKS:
 * systemd 1, kthreadd 2, postgres 42 (uid 999), sshd 117 (-1000), java 230 (uid 1000),
 * redis-server 311 (uid 998, adj 300).
 */
const MiB = 2 ** 20;
const machine = () => new Userland((256 * MiB) / 4096);
const USER = user(1000);

describe('cat of /proc files', () => {
  it('/proc/PID/status: Name, Pid, VmSize, VmRSS, RssAnon in kB, each value in 8 columns (task_mem)', () => {
    expect(machine().read('/proc/230/status')).toEqual({ rc: 0, text: 'Name:\tjava\nPid:\t230\nVmSize:\t 1240000 kB\nVmRSS:\t   39200 kB\nRssAnon:\t   36000 kB' });
  });

  it('/proc/PID/oom_score ((1000 + badness * 1000 / totalpages) * 2 / 3: java 10176 points of 65536 pages is 770), oom_score_adj, oom_adj (300 * 17 / 1000 = 5)', () => {
    const u = machine();
    expect(u.read('/proc/230/oom_score')).toEqual({ rc: 0, text: '770' });
    expect(u.read('/proc/311/oom_score_adj')).toEqual({ rc: 0, text: '300' });
    expect(u.read('/proc/311/oom_adj')).toEqual({ rc: 0, text: '5' });
  });

  it('/proc/meminfo: every line LTP reads, MemAvailable as free above the min watermark, SwapFree all of swap', () => {
    const u = new Userland((256 * MiB) / 4096, 1024);
    // min_free_kbytes for 256 MiB: int_sqrt(262144 * 16) = 2048 kB, 512 pages.
    expect(u.minPages()).toBe(512);
    expect(u.read('/proc/meminfo').text).toBe(
      ['MemTotal:         262144 kB', 'MemFree:          183744 kB', 'MemAvailable:     181696 kB', 'SwapTotal:          4096 kB', 'SwapFree:           4096 kB', 'CommitLimit:      135168 kB', 'Committed_AS:      72800 kB'].join('\n'),
    );
  });

  it('/proc/sys/vm/NAME reads the sysctl; a pid, a sysctl or a file that is not there is -ENOENT with cat\'s text', () => {
    const u = machine();
    expect(u.read('/proc/sys/vm/overcommit_ratio')).toEqual({ rc: 0, text: '50' });
    for (const p of ['/proc/999/status', '/proc/999/oom_score', '/proc/sys/vm/bogus', '/proc/bogus', '/proc/230/maps']) expect(u.read(p), p).toEqual({ rc: -ENOENT, text: `cat: ${p}: No such file or directory` });
  });
});

describe('echo into /proc files', () => {
  it('oom_score_adj: kstrtoint\'s -ERANGE past int, -EINVAL out of -1000..1000, -ENOENT for a pid no process has; oom_score and status are not writable', () => {
    const u = machine();
    expect(u.write('/proc/230/oom_score_adj', '99999999999')).toEqual({ rc: -ERANGE, text: 'write error: Numerical result out of range' });
    expect(u.write('/proc/230/oom_score_adj', '1001')).toEqual({ rc: -EINVAL, text: 'write error: Invalid argument' });
    expect(u.write('/proc/230/oom_score_adj', '1000\n')).toEqual({ rc: 0, text: '' });
    expect(u.write('/proc/230/oom_adj', '-17')).toEqual({ rc: 0, text: '' });
    expect(u.read('/proc/230/oom_score_adj').text).toBe('-1000');
    expect(u.write('/proc/999/oom_score_adj', '1')).toEqual({ rc: -ENOENT, text: '/proc/999/oom_score_adj: No such file or directory' });
    for (const f of ['oom_score', 'status']) expect(u.write(`/proc/230/${f}`, '1')).toEqual({ rc: -EACCES, text: `/proc/230/${f}: Permission denied` });
    // Another user's file, mode 0644: opening it for writing is refused first.
    expect(u.write('/proc/311/oom_score_adj', '500', USER)).toEqual({ rc: -EACCES, text: '/proc/311/oom_score_adj: Permission denied' });
  });

  it('/proc/sys/vm/NAME: root only; echo prints nothing, a value out of range is the write\'s -EINVAL', () => {
    const u = machine();
    expect(u.write('/proc/sys/vm/overcommit_memory', '2\n')).toEqual({ rc: 0, text: '' });
    expect(u.vm.sysctl('vm.overcommit_memory')).toBe(2);
    for (const bad of ['3', 'x', '1.5']) expect(u.write('/proc/sys/vm/overcommit_memory', bad), bad).toEqual({ rc: -EINVAL, text: 'write error: Invalid argument' });
    expect(u.write('/proc/sys/vm/overcommit_memory', '0', USER)).toEqual({ rc: -EACCES, text: '/proc/sys/vm/overcommit_memory: Permission denied' });
    expect(u.vm.sysctl('vm.overcommit_memory')).toBe(2);
    expect(u.write('/proc/sys/vm/bogus', '1')).toEqual({ rc: -EACCES, text: '/proc/sys/vm/bogus: Permission denied' });
  });

  it('cgroup files and mkdir are root\'s', () => {
    const u = machine();
    expect(u.mkdir('/sys/fs/cgroup/g', USER)).toEqual({ rc: -EACCES, text: "mkdir: cannot create directory '/sys/fs/cgroup/g': Permission denied" });
    expect(u.mkdir('/sys/fs/cgroup/g', ROOT).rc).toBe(0);
    expect(u.write('/sys/fs/cgroup/g/memory.max', '1M', USER)).toEqual({ rc: -EACCES, text: '/sys/fs/cgroup/g/memory.max: Permission denied' });
    expect(u.write('/sys/fs/cgroup/g/memory.max', '1M')).toEqual({ rc: 0, text: '' });
    expect(u.write('/sys/fs/cgroup/g/memory.low', '1M')).toEqual({ rc: -EACCES, text: '/sys/fs/cgroup/g/memory.low: Permission denied' });
  });
});

describe('sysctl', () => {
  it('reads and writes as sysctl(8) prints; an unknown key cannot be stat\'ed; a bad value is the kernel\'s -EINVAL', () => {
    const u = machine();
    expect(u.sysctlRead('vm.overcommit_ratio')).toEqual({ rc: 0, text: 'vm.overcommit_ratio = 50' });
    expect(u.sysctlWrite('vm.panic_on_oom', '1')).toEqual({ rc: 0, text: 'vm.panic_on_oom = 1' });
    for (const bad of ['3', '-1', '1.5', 'x', '']) expect(u.sysctlWrite('vm.panic_on_oom', bad), bad).toEqual({ rc: -EINVAL, text: 'sysctl: setting key "vm.panic_on_oom": Invalid argument' });
    expect(u.sysctlRead('vm.panic_on_oom').text).toBe('vm.panic_on_oom = 1');
    const stat = { rc: -ENOENT, text: 'sysctl: cannot stat /proc/sys/vm/no_such_key: No such file or directory' };
    expect(u.sysctlRead('vm.no_such_key')).toEqual(stat);
    expect(u.sysctlWrite('vm.no_such_key', '1')).toEqual(stat);
  });
});

describe('process commands', () => {
  it('run: a child of init, the next pid after the highest, owned by the uid given, nothing mapped', () => {
    const u = machine();
    expect(u.run('app', 1000)).toEqual({ rc: 0, text: '312' });
    const t = u.tasks.find(312);
    expect([u.tasks.get(t, T_PPID), u.tasks.get(t, T_UID), u.tasks.rss(t)]).toEqual([1, 1000, 0]);
    expect(u.run('app', 0).text).toBe('313');
  });

  it('clone: the next pid, the parent\'s credentials, oom_score_adj and mempolicy; with --vm (CLONE_VM) its mm and memory too', () => {
    const u = new Userland((256 * MiB) / 4096, 0, undefined, 2);
    expect(u.set_mempolicy(311, 'bind', '1')).toEqual({ rc: 0, text: '' });
    expect(u.clone(311, false)).toEqual({ rc: 0, text: '312' });
    expect(u.clone(311, true)).toEqual({ rc: 0, text: '313' });
    const [fork, vm] = [u.tasks.find(312), u.tasks.find(313)];
    expect([u.tasks.get(fork, T_PPID), u.tasks.get(fork, T_UID), u.tasks.rss(fork), u.read('/proc/312/oom_score_adj').text]).toEqual([311, 998, 0, '300']);
    expect([u.tasks.rss(vm), u.read('/proc/313/status').text.split('\n')[2]]).toEqual([2000, 'VmSize:\t   48000 kB']);
    // The policy went with both: a bind to node 1 on a two-node machine is a mempolicy OOM for either.
    expect(u.touch(312, 1024 * MiB).text).toMatch(/constraint=CONSTRAINT_MEMORY_POLICY,nodemask=1,/);
    for (const r of [u.clone(999, false), u.malloc(999, 1), u.touch(999, 1), u.set_mempolicy(999, 'default', '')]) expect(r).toEqual({ rc: -ENOENT, text: 'no process 999' });
  });

  it('malloc: pages rounded up, charged to Committed_AS and the task; refused under overcommit 2 with both figures; root dips into the admin reserve', () => {
    const u = machine();
    expect(u.malloc(230, 4097)).toEqual({ rc: 0, text: 'pid 230: mapped 2 pages; Committed_AS 18202 of CommitLimit 32768 pages' });
    expect(u.tasks.get(u.tasks.find(230), T_COMMITTED)).toBe(9002);
    u.sysctlWrite('vm.overcommit_memory', '2');
    // allowed = CommitLimit 32768 - admin reserve 8192 kB (2048 pages) - min(total_vm / 32, user reserve 8192 kB = 2048 pages).
    const room = 32768 - 2048 - 2048 - 18202;
    expect(u.malloc(230, room * 4096)).toEqual({ rc: -12, text: 'mmap: Cannot allocate memory (Committed_AS 18202 pages, CommitLimit 32768)' });
    expect(u.malloc(230, (room - 1) * 4096).rc).toBe(0);
    expect(u.malloc(230, 1).rc).toBe(-12);
    // A root process with nothing mapped has neither reserve: up to one page below CommitLimit.
    const root = Number(u.run('rootd', 0).text);
    expect(u.malloc(root, 4097 * 4096).rc).toBe(-12);
    expect(u.malloc(root, 4096 * 4096).rc).toBe(0);
  });

  it('memhog stops after its rounds with the process still alive, or at mmap\'s refusal', () => {
    const u = machine();
    expect(u.memhog(311, 4096, 3)).toEqual({ rc: 0, text: 'pid 311: still running after 3 rounds' });
    u.sysctlWrite('vm.overcommit_memory', '2');
    const r = u.memhog(311, 64 * MiB);
    expect(r.rc).toBe(-12);
    expect(r.text).toMatch(/^mmap: Cannot allocate memory \(Committed_AS \d+ pages, CommitLimit 32768\)$/);
  });

  it('set_mempolicy: default, bind, interleave or preferred over nodes that exist; anything else names what is allowed', () => {
    const u = new Userland((256 * MiB) / 4096, 0, undefined, 2);
    for (const [mode, nodes] of [['default', ''], ['bind', '0-1'], ['interleave', '0,1'], ['preferred', '1']]) expect(u.set_mempolicy(230, mode, nodes), mode).toEqual({ rc: 0, text: '' });
    const err = { rc: -EINVAL, text: 'set_mempolicy: Invalid argument (MODE: default, bind, interleave, preferred; NODES: a list within 0-1)' };
    for (const [mode, nodes] of [['bogus', '0'], ['bind', ''], ['bind', '2'], ['preferred', 'x']]) expect(u.set_mempolicy(230, mode, nodes), `${mode} ${nodes}`).toEqual(err);
  });

  it('ps is oom_dump_tasks over every process with an mm; victims lists the OOM victims\' pids', () => {
    const u = machine();
    expect(u.ps().split('\n')).toEqual([
      'Tasks state (memory values in pages):',
      '[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name',
      '[     42]   999    42    55000     4600   196608        0             0 postgres',
      '[    117]     0   117     3900      900        0        0         -1000 sshd',
      '[    230]  1000   230   310000     9800  1048576      120             0 java',
      '[    311]   998   311    12000     2000        0        0           300 redis-server',
    ]);
    expect(u.victims()).toEqual([]);
    u.killer.mark_oom_victim(u.tasks.find(311));
    expect(u.victims()).toEqual([311]);
  });
});
