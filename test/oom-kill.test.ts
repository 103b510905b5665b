import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM } from '../src/errors.js';
import { SelectionRecord } from '../src/scenarios/oom-selection.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_FS } from '../src/kernel/gfp.js';
import { OomKiller, OOM_UNKILLABLE, type OomControl } from '../src/kernel/oom_kill.js';
import { OVERCOMMIT_ALWAYS, OVERCOMMIT_NEVER } from '../src/kernel/overcommit.js';
import { oom_adj_read, oom_adj_write, oom_score_adj_read, oom_score_adj_write, proc_oom_score } from '../src/kernel/proc_oom.js';
import { MMF_OOM_SKIP, T_MM_FLAGS, T_MM_ID, TF_EXITING, TF_OOM_VICTIM, type TaskSpec } from '../src/kernel/task.js';
import { oomMachine as machine } from './kernel-helpers.js';

const oc = (totalpages: number, current = -1): OomControl => ({ current, order: 0, totalpages, constraint: 'CONSTRAINT_NONE' });

const base: TaskSpec[] = [
  { pid: 1, comm: 'init', init: true, rssAnon: 9000 },
  { pid: 2, comm: 'kthreadd', kthread: true },
  { pid: 100, comm: 'sshd', rssAnon: 1000, oomScoreAdj: -1000 },
  { pid: 200, comm: 'postgres', rssAnon: 4000, pgtablesBytes: 4096 * 10, swapents: 0 },
  { pid: 300, comm: 'java', rssAnon: 6000, rssFile: 500 },
];

describe('oom_badness and select_bad_process (Linux 6.6)', () => {
  it('scores rss + swap entries + page-table pages + oom_score_adj * totalpages / 1000', () => {
    const { k, slots } = machine([...base, { pid: 400, comm: 'cache', rssAnon: 1000, swapents: 200, pgtablesBytes: 8192, oomScoreAdj: 500 }]);
    expect(k.oom_badness(slots[3], 32768)).toBe(4010);
    expect(k.oom_badness(slots[5], 32768)).toBe(1000 + 200 + 2 + 500 * 32);
    expect(k.oom_badness(slots[0], 32768)).toBe(OOM_UNKILLABLE);
    expect(k.oom_badness(slots[1], 32768)).toBe(OOM_UNKILLABLE);
    expect(k.oom_badness(slots[2], 32768)).toBe(OOM_UNKILLABLE);
  });

  it('never picks init, kernel threads or adj -1000, and picks the highest scorer', () => {
    const { k, slots } = machine(base);
    expect(k.select_bad_process(oc(32768))).toMatchObject({ chosen: slots[4], points: 6500 });
  });

  it('gives ties to the task met later in the walk', () => {
    const { k, slots } = machine([{ pid: 10, comm: 'a', rssAnon: 50 }, { pid: 11, comm: 'b', rssAnon: 50 }]);
    expect(k.select_bad_process(oc(32768)).chosen).toBe(slots[1]);
  });

  it('aborts while an earlier victim is still dying, and looks past it once reaped (MMF_OOM_SKIP)', () => {
    const { k, tt, slots } = machine(base);
    k.mark_oom_victim(slots[4]);
    expect(k.select_bad_process(oc(32768)).chosen).toBe(-2);
    tt.or(slots[4], T_MM_FLAGS, MMF_OOM_SKIP);
    expect(k.select_bad_process(oc(32768)).chosen).toBe(slots[3]);
  });

  it('skips a vfork child, which shares its parent\'s mm', () => {
    const { k, slots } = machine([...base, { pid: 600, comm: 'vforked', rssAnon: 20000, vfork: true }]);
    expect(k.oom_badness(slots[5], 32768)).toBe(OOM_UNKILLABLE);
    expect(k.select_bad_process(oc(32768)).chosen).toBe(slots[4]);
  });

  it('chooses an oom_task_origin task first, whatever its size', () => {
    const { k, slots } = machine([...base, { pid: 500, comm: 'swapoff', rssAnon: 1, origin: true }]);
    expect(k.select_bad_process(oc(32768)).chosen).toBe(slots[5]);
  });
});

describe('out_of_memory, in the kernel\'s order', () => {
  it('kills the worst task, prints oom_dump_tasks and the kill line', () => {
    const { k, tt, slots } = machine(base);
    const r = k.out_of_memory(oc(32768, slots[3]));
    expect(r.action).toBe('killed');
    expect(r.victim).toBe(slots[4]);
    expect(tt.has(slots[4], TF_OOM_VICTIM)).toBe(true);
    expect(r.log).toContain('[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name');
    expect(r.log).toContain('[    200]     0   200        0     4000    40960        0             0 postgres');
    expect(r.log.some((l) => l.startsWith('Out of memory: Killed process 300 (java) total-vm:0kB, anon-rss:24000kB, file-rss:2000kB'))).toBe(true);
    // init, kernel threads are not listed; adj -1000 tasks are (they are only skipped as victims).
    expect(r.log.some((l) => / init$| kthreadd$/.test(l))).toBe(false);
    expect(r.log.some((l) => / sshd$/.test(l))).toBe(true);
  });

  it('lets an oracle recompute the choice from what the scan read (the oom scenario\'s victim-scored-highest)', () => {
    const { k, slots } = machine([...base, { pid: 400, comm: 'cache', rssAnon: 1000, swapents: 200, pgtablesBytes: 8192, oomScoreAdj: 500 }]);
    const rec = new SelectionRecord(32);
    const r = k.out_of_memory({ ...oc(32768, slots[3]), evaluated: rec.observe });
    // cache: 1000 + 200 + 2 + 500 * 32 = 17202 beats java's 6500.
    expect([r.selected, r.victim]).toEqual([slots[5], slots[5]]);
    expect(rec.check(r.selected!, 32768)).toBeNull();
    // The oracle can fail: any other choice from the same scan is named.
    expect(rec.check(slots[4], 32768)).toBe(`slot ${slots[4]} was chosen, but slot ${slots[5]} scored 17202 in the same scan`);
  });

  it('flags a score that is not the badness formula of what was read, and keeps the later task on a tie', () => {
    const rec = new SelectionRecord(8);
    rec.observe(3, 100, 0, 0, 0, 100);
    rec.observe(4, 100, 0, 0, 0, 100);
    expect(rec.check(4, 32768)).toBeNull();
    expect(rec.check(3, 32768)).toMatch(/slot 3 was chosen, but slot 4 scored 100/);
    rec.reset();
    rec.observe(5, 100, 10, 8192, 10, 999);
    expect(rec.check(5, 32768)).toBe('slot 5 scored 999, but what the scan read gives 432');
  });

  it('names the failed allocation\'s gfp_mask in the header, and does not run without __GFP_FS', () => {
    const { k, slots } = machine(base);
    const fault = k.out_of_memory({ ...oc(32768, slots[3]), gfp_mask: GFP_HIGHUSER_MOVABLE });
    expect(fault.log[0]).toBe('postgres invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0');
    // GFP_NOFS: the allocator cannot reclaim through the filesystem, so killing would be premature.
    expect(k.out_of_memory({ ...oc(32768, slots[3]), gfp_mask: GFP_KERNEL & ~__GFP_FS }).action).toBe('no-fs');
  });

  it('stops at the notifier chain when it frees memory', () => {
    const { k } = machine(base);
    k.notifiers.push(() => 16);
    expect(k.out_of_memory(oc(32768)).action).toBe('notifier-freed');
  });

  it('lets a dying current task take the reserves instead of killing another', () => {
    const { k, tt, slots } = machine(base);
    tt.or(slots[3], 2, TF_EXITING);
    const r = k.out_of_memory(oc(32768, slots[3]));
    expect(r).toMatchObject({ action: 'current-dying', victim: slots[3] });
    expect(tt.has(slots[4], TF_OOM_VICTIM)).toBe(false);
  });

  it('panics with panic_on_oom 1 unless constrained, and always with 2', () => {
    const { k, vm } = machine(base);
    vm.sysctl_write('vm.panic_on_oom', 1);
    expect(k.out_of_memory(oc(32768)).panic).toMatch(/system-wide panic_on_oom is enabled/);
    expect(k.out_of_memory({ ...oc(32768), constraint: 'CONSTRAINT_CPUSET' }).action).toBe('killed');
    const m2 = machine(base);
    m2.vm.sysctl_write('vm.panic_on_oom', 2);
    expect(m2.k.out_of_memory({ ...oc(32768), constraint: 'CONSTRAINT_CPUSET' }).panic).toMatch(/compulsory panic_on_oom is enabled/);
  });

  it('kills the allocating task with oom_kill_allocating_task, unless it is protected', () => {
    const { k, vm, slots } = machine(base);
    vm.sysctl_write('vm.oom_kill_allocating_task', 1);
    expect(k.out_of_memory(oc(32768, slots[3]))).toMatchObject({ action: 'killed-allocating-task', victim: slots[3] });
    const m = machine(base);
    m.vm.sysctl_write('vm.oom_kill_allocating_task', 1);
    expect(m.k.out_of_memory(oc(32768, m.slots[2]))).toMatchObject({ action: 'killed', victim: m.slots[4] });
  });

  it('panics when nothing can be killed', () => {
    const { k } = machine(base.slice(0, 3));
    const r = k.out_of_memory(oc(32768));
    expect(r.action).toBe('no-victim-panic');
    expect(r.panic).toBe('Kernel panic - not syncing: System is deadlocked on memory');
  });

  it('child-first (kernels before 5.0) sacrifices the highest-scoring child with its own mm', () => {
    const { tt, vm, slots } = machine([
      ...base,
      { pid: 301, ppid: 300, comm: 'worker-a', rssAnon: 100 },
      { pid: 302, ppid: 300, comm: 'worker-b', rssAnon: 300 },
      { pid: 303, ppid: 300, comm: 'thread', mm: 300 },
    ]);
    const k = new OomKiller(tt, vm, { childFirst: true });
    expect(k.out_of_memory(oc(32768)).victim).toBe(slots[6]);
  });

  it('kills every process sharing the victim\'s mm, even at oom_score_adj -1000 (6.6 __oom_kill_process; the -1000 exemption went in 4.8)', () => {
    const { k, tt, slots } = machine([...base, { pid: 301, ppid: 300, comm: 'clone', mm: 300 }, { pid: 302, ppid: 300, comm: 'guarded', mm: 300, oomScoreAdj: -1000 }]);
    expect(k.out_of_memory(oc(32768)).victim).toBe(slots[4]);
    // SIGKILL, not mark_oom_victim: only the victim is an OOM victim.
    for (const s of [slots[5], slots[6]]) expect([tt.has(s, TF_EXITING), tt.has(s, TF_OOM_VICTIM)]).toEqual([true, false]);
    expect(tt.has(slots[3], TF_EXITING)).toBe(false);
  });

  it('spares init and kernel threads that share the mm; init pins it: MMF_OOM_SKIP and "has mm pinned by"', () => {
    const { k, tt, slots } = machine([...base, { pid: 301, comm: 'kworker', kthread: true, mm: 300 }]);
    tt.set(slots[0], T_MM_ID, 300);
    const r = k.out_of_memory(oc(32768));
    expect(r.victim).toBe(slots[4]);
    expect(r.log).toContain('oom killer 300 (java) has mm pinned by 1 (init)');
    expect(tt.get(slots[4], T_MM_FLAGS) & MMF_OOM_SKIP).toBe(MMF_OOM_SKIP);
    expect([tt.has(slots[0], TF_EXITING), tt.has(slots[5], TF_EXITING)]).toEqual([false, false]);
  });

  it('a memcg OOM with nobody killable does not panic: the charge fails (6.6 out_of_memory: !is_memcg_oom)', () => {
    const { k } = machine(base.slice(0, 3));
    const r = k.out_of_memory({ ...oc(32768), constraint: 'CONSTRAINT_MEMCG', memcg: '/batch' });
    expect(r).toMatchObject({ action: 'no-victim', victim: -1 });
    expect(r.panic).toBeUndefined();
    expect(r.log).toContain('Out of memory and no killable processes...');
  });

  it('ignores oom_kill_allocating_task for a memcg OOM and selects within the group', () => {
    const { k, vm, slots } = machine(base);
    vm.sysctl_write('vm.oom_kill_allocating_task', 1);
    const inGroup = new Set([slots[3], slots[4]]);
    const r = k.out_of_memory({ ...oc(32768, slots[3]), constraint: 'CONSTRAINT_MEMCG', memcg: '/batch', eligible: (s) => inGroup.has(s) });
    expect(r).toMatchObject({ action: 'killed', victim: slots[4] });
    expect(r.log[r.log.length - 2]).toMatch(/oom_memcg=\/batch,task_memcg=\/batch,task=java/);
    expect(r.log[r.log.length - 1]).toMatch(/^Memory cgroup out of memory: Killed process 300 \(java\)/);
  });

  it('reaps a victim, giving up after ten tries, and then sets MMF_OOM_SKIP', () => {
    const { k, tt, slots } = machine(base);
    k.mark_oom_victim(slots[4]);
    for (let i = 0; i < 9; i++) expect(k.oom_reap_task(slots[4], () => false)).toBe(false);
    expect(k.oom_reap_task(slots[4], () => false)).toBe(true);
    expect(tt.get(slots[4], T_MM_FLAGS) & MMF_OOM_SKIP).toBe(MMF_OOM_SKIP);
  });
});

describe('/proc/<pid>/oom_score, oom_score_adj, oom_adj', () => {
  it('converts oom_adj as fs/proc/base.c does (SPEC: 9 → 529 → 8)', () => {
    const { k, slots } = machine(base);
    const t = slots[3];
    const cases: Array<[number, number, number]> = [[9, 529, 8], [15, 1000, 15], [-16, -941, -15], [-17, -1000, -17], [0, 0, 0], [1, 58, 0]];
    for (const [write, score, read] of cases) {
      expect(oom_adj_write(k, t, `${write}\n`)).toBe(0);
      expect(oom_score_adj_read(k, t)).toBe(score);
      expect(oom_adj_read(k, t)).toBe(read);
    }
    expect(oom_adj_write(k, t, '16')).toBe(-EINVAL);
    expect(oom_adj_write(k, t, '-18')).toBe(-EINVAL);
    expect(oom_score_adj_write(k, t, '1001')).toBe(-EINVAL);
    expect(oom_score_adj_write(k, t, 'abc')).toBe(-EINVAL);
    expect(oom_score_adj_write(k, t, '-1000')).toBe(0);
    expect(oom_adj_read(k, t)).toBe(-17);
  });

  it('round-trips every oom_adj from -17 to 15 as fs/proc/base.c does (the whole table, written out)', () => {
    // [oom_adj written, oom_score_adj stored, oom_adj read back]: adj * 1000 / 17 and
    // score * 17 / 1000 in C's truncating division, 15 <-> 1000 special-cased.
    const table = [
      [-17, -1000, -17], [-16, -941, -15], [-15, -882, -14], [-14, -823, -13], [-13, -764, -12], [-12, -705, -11],
      [-11, -647, -10], [-10, -588, -9], [-9, -529, -8], [-8, -470, -7], [-7, -411, -6], [-6, -352, -5],
      [-5, -294, -4], [-4, -235, -3], [-3, -176, -2], [-2, -117, -1], [-1, -58, 0], [0, 0, 0],
      [1, 58, 0], [2, 117, 1], [3, 176, 2], [4, 235, 3], [5, 294, 4], [6, 352, 5],
      [7, 411, 6], [8, 470, 7], [9, 529, 8], [10, 588, 9], [11, 647, 10], [12, 705, 11],
      [13, 764, 12], [14, 823, 13], [15, 1000, 15],
    ];
    const { k, slots } = machine(base);
    const t = slots[3];
    for (const [adj, stored, read] of table) {
      expect(oom_adj_write(k, t, String(adj))).toBe(0);
      expect([adj, oom_score_adj_read(k, t), oom_adj_read(k, t)]).toEqual([adj, stored, read]);
    }
  });

  it('scales oom_score to (1000 + badness * 1000 / totalpages) * 2 / 3, 0 for the unkillable', () => {
    const { k, slots } = machine(base);
    expect(proc_oom_score(k, slots[4])).toBe(Math.trunc(((1000 + Math.trunc((6500 * 1000) / 32768)) * 2) / 3));
    expect(proc_oom_score(k, slots[4])).toBe(798);
    expect(proc_oom_score(k, slots[2])).toBe(0);
    expect(proc_oom_score(k, slots[0])).toBe(0);
  });
});

describe('overcommit accounting (mm/util.c)', () => {
  it('mode 0 refuses only a single request larger than RAM + swap', () => {
    const { vm } = machine([], 32768, 1024);
    expect(vm.vm_enough_memory(0, 33792, false)).toBe(0);
    expect(vm.vm_enough_memory(0, 33793, false)).toBe(-ENOMEM);
    expect(vm.committed()).toBe(33792);
  });

  it('mode 1 allows everything', () => {
    const { vm } = machine([]);
    vm.sysctl_write('vm.overcommit_memory', OVERCOMMIT_ALWAYS);
    expect(vm.vm_enough_memory(0, 1 << 30, false)).toBe(0);
  });

  it('mode 2 holds Committed_AS under CommitLimit less the reserves, and undoes a refused charge', () => {
    const { vm } = machine([], 32768, 0);
    vm.sysctl_write('vm.overcommit_memory', OVERCOMMIT_NEVER);
    expect(vm.vm_commit_limit()).toBe(16384);
    // admin reserve: min(free/32, 8 MiB) = 4096 kB = 1024 pages; user reserve here 0 (total_vm 0).
    const allowed = 16384 - 1024;
    expect(vm.vm_enough_memory(0, allowed - 1, false)).toBe(0);
    expect(vm.vm_enough_memory(0, 2, false)).toBe(-ENOMEM);
    expect(vm.committed()).toBe(allowed - 1);
    expect(vm.vm_enough_memory(0, 2, true)).toBe(0);
    expect(vm.meminfo()).toEqual(['CommitLimit:       65536 kB', `Committed_AS:   ${String((allowed + 1) * 4).padStart(8)} kB`]);
  });

  it('writing overcommit_kbytes zeroes the ratio and the other way round; out of range is -EINVAL', () => {
    const { vm } = machine([], 32768, 0);
    expect(vm.sysctl_write('vm.overcommit_kbytes', 8192)).toBe(0);
    expect(vm.sysctl('vm.overcommit_ratio')).toBe(0);
    expect(vm.vm_commit_limit()).toBe(2048);
    expect(vm.sysctl_write('vm.overcommit_ratio', 80)).toBe(0);
    expect(vm.sysctl('vm.overcommit_kbytes')).toBe(0);
    expect(vm.vm_commit_limit()).toBe(26214);
    expect(vm.sysctl_write('vm.overcommit_memory', 3)).toBe(-EINVAL);
  });
});
