import { describe, expect, it } from 'vitest';
import { GFP_KERNEL, __GFP_FS } from '../src/kernel/gfp.js';
import { OOM_UNKILLABLE, type OomControl } from '../src/kernel/oom_kill.js';
import { T_FLAGS, TF_EXITING, TF_OOM_VICTIM, type TaskSpec } from '../src/kernel/task.js';
import { oomMachine } from './kernel-helpers.js';

/**
 * Each way out of mm/oom_kill.c's out_of_memory (Linux 6.6), with its exact result: the
 * order of its tests (the notifier chain and __GFP_FS only for a global OOM, a dying
 * current, panic_on_oom, oom_kill_allocating_task's five conditions), select_bad_process's
 * skips (oom_evaluate_task: unkillable first, then the constraint, then an earlier victim),
 * what __oom_kill_process logs, and child-first's choice (kernels before 5.0). Slot 0 holds
 * an ordinary task in most machines here: the first slot is a task like any other.
 */
const oc = (current = -1, extra: Partial<OomControl> = {}): OomControl => ({ current, order: 0, totalpages: 32768, constraint: 'CONSTRAINT_NONE', ...extra });
const tasks: TaskSpec[] = [
  { pid: 200, comm: 'postgres', rssAnon: 4000 },
  { pid: 1, comm: 'init', init: true, rssAnon: 9000 },
  { pid: 300, comm: 'java', rssAnon: 6000 },
];
const memcg = (current = -1, extra: Partial<OomControl> = {}) => oc(current, { constraint: 'CONSTRAINT_MEMCG', memcg: '/g', ...extra });

describe('select_bad_process: what oom_evaluate_task skips, in its order', () => {
  it('a task without an mm scores LONG_MIN (oom_badness: find_lock_task_mm finds none), kernel thread or not', () => {
    const { k, slots } = oomMachine([...tasks, { pid: 400, comm: 'zombie', rssAnon: 50000, mm: 0 }]);
    expect(k.oom_badness(slots[3], 32768)).toBe(OOM_UNKILLABLE);
    expect(k.select_bad_process(oc()).chosen).toBe(slots[2]);
    // oom_dump_tasks leaves it out too (no mm to report).
    const log = k.out_of_memory(oc()).log;
    expect(log.slice(1, 3)).toEqual(['Tasks state (memory values in pages):', '[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name']);
    expect(log.filter((l) => /^\[ +\d/.test(l))).toEqual(['[    200]     0   200        0     4000        0        0             0 postgres', '[    300]     0   300        0     6000        0        0             0 java']);
  });

  it('init is skipped before oom_task_origin is asked, and before an earlier victim aborts the scan', () => {
    const { k, tt, slots } = oomMachine([...tasks.slice(0, 1), { pid: 1, comm: 'init', init: true, origin: true }, { pid: 2, comm: 'kthreadd', kthread: true }]);
    tt.or(slots[2], T_FLAGS, TF_OOM_VICTIM);
    expect(k.select_bad_process(oc())).toEqual({ chosen: slots[0], points: 4000, gen: tt.gen(slots[0]) });
  });

  it('a task outside the constraint is skipped before it counts: not chosen however big, not an origin, no abort for its being a victim', () => {
    const { k, tt, slots } = oomMachine([...tasks, { pid: 500, comm: 'swapoff', origin: true }, { pid: 600, comm: 'dying', rssAnon: 1 }]);
    tt.or(slots[4], T_FLAGS, TF_OOM_VICTIM);
    const inside = (s: number) => s === slots[0];
    expect(k.select_bad_process(oc(-1, { eligible: inside })).chosen).toBe(slots[0]);
    const r = k.out_of_memory(oc(-1, { eligible: inside }));
    expect(r).toMatchObject({ action: 'killed', victim: slots[0], selected: slots[0], points: 4000, raced: false });
    // oom_dump_tasks lists only the constraint's tasks.
    expect(r.log.filter((l) => l.startsWith('['))).toEqual(['[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name', '[    200]     0   200        0     4000        0        0             0 postgres']);
  });

  it('an earlier victim still exiting ends the invocation with nobody killed', () => {
    const { k, tt, slots } = oomMachine(tasks);
    tt.or(slots[0], T_FLAGS, TF_OOM_VICTIM);
    expect(k.out_of_memory(oc())).toEqual({ action: 'victim-still-dying', victim: -1, points: 0, log: ['an earlier OOM victim is still exiting: no new victim'] });
    expect(tt.has(slots[2], TF_EXITING)).toBe(false);
  });
});

describe('out_of_memory before the scan', () => {
  it('the notifier chain runs only for a global OOM; what it frees ends the invocation, unless sysrq forces a kill', () => {
    const { k, slots } = oomMachine(tasks);
    k.notifiers.push(() => 3, () => 2);
    expect(k.out_of_memory(oc())).toEqual({ action: 'notifier-freed', victim: -1, points: 0, log: ['oom notifier chain freed 5 pages'] });
    expect(k.out_of_memory(memcg(-1, { eligible: (s) => s === slots[0] }))).toMatchObject({ action: 'killed', victim: slots[0] });
    expect(k.out_of_memory(oc(-1, { sysrq: true }))).toMatchObject({ action: 'killed', victim: slots[2] });
  });

  it('a dying current in slot 0 takes the reserves, and the log says so', () => {
    const { k, tt, slots } = oomMachine(tasks);
    tt.or(slots[0], T_FLAGS, TF_EXITING);
    expect(k.out_of_memory(oc(slots[0]))).toEqual({ action: 'current-dying', victim: slots[0], points: 0, log: ['pid 200 is already exiting: it gets the memory reserves'] });
    expect(tt.has(slots[0], TF_OOM_VICTIM)).toBe(true);
  });

  it('without __GFP_FS a global OOM gives up quietly; a memcg OOM kills anyway', () => {
    const { k, slots } = oomMachine(tasks);
    const nofs = GFP_KERNEL & ~__GFP_FS;
    expect(k.out_of_memory(oc(slots[0], { gfp_mask: nofs }))).toEqual({ action: 'no-fs', victim: -1, points: 0, log: [] });
    expect(k.out_of_memory(memcg(slots[0], { gfp_mask: nofs, eligible: (s) => s === slots[0] }))).toMatchObject({ action: 'killed', victim: slots[0] });
  });

  it('panic_on_oom: the header, then the panic line, and nobody is killed', () => {
    const { k, vm, tt, slots } = oomMachine(tasks);
    vm.sysctl_write('vm.oom_dump_tasks', 0);
    vm.sysctl_write('vm.panic_on_oom', 1);
    const panic = 'Kernel panic - not syncing: Out of memory: system-wide panic_on_oom is enabled';
    expect(k.out_of_memory(oc())).toEqual({ action: 'panic', victim: -1, points: 0, log: ['kernel invoked oom-killer: order=0', panic], panic });
    expect(tt.has(slots[2], TF_EXITING)).toBe(false);
  });

  it('nothing killable: the header, "no killable processes", the deadlock panic', () => {
    const { k } = oomMachine([tasks[1]]);
    const r = k.out_of_memory(oc());
    expect(r).toMatchObject({ action: 'no-victim-panic', victim: -1, points: 0 });
    expect(r.log.slice(-2)).toEqual(['Out of memory and no killable processes...', 'Kernel panic - not syncing: System is deadlocked on memory']);
  });
});

describe('oom_kill_allocating_task: current is killed only if it has an mm, is killable, in the constraint and not -1000', () => {
  const allocating = (spec: TaskSpec[], extra: Partial<OomControl> = {}) => {
    const m = oomMachine(spec);
    m.vm.sysctl_write('vm.oom_kill_allocating_task', 1);
    return { ...m, r: m.k.out_of_memory(oc(m.slots[0], extra)) };
  };

  it('current in slot 0 is the victim, with its own message and badness', () => {
    const { r, slots } = allocating(tasks);
    expect(r).toMatchObject({ action: 'killed-allocating-task', victim: slots[0], points: 4000, raced: false });
    expect(r.log.at(-1)).toMatch(/^Out of memory \(oom_kill_allocating_task\): Killed process 200 \(postgres\) /);
  });

  it('a kernel allocation (no current) leaves the choice to select_bad_process', () => {
    const m = oomMachine(tasks);
    m.vm.sysctl_write('vm.oom_kill_allocating_task', 1);
    expect(m.k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: m.slots[2] });
  });

  it('a current without an mm, or outside the constraint, leaves the choice to select_bad_process', () => {
    expect(allocating([{ pid: 200, comm: 'exiting', mm: 0 }, ...tasks.slice(1)]).r).toMatchObject({ action: 'killed', victim: 2 });
    const { r, slots } = allocating(tasks, { eligible: (s) => s !== 0 });
    expect(r).toMatchObject({ action: 'killed', victim: slots[2] });
  });
});

describe('__oom_kill_process', () => {
  it('a victim in slot 0 is killed (slot 0 is no "none")', () => {
    const { k, slots } = oomMachine([{ pid: 301, comm: 'java', rssAnon: 7000 }, ...tasks]);
    expect(k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: slots[0], selected: slots[0], points: 7000 });
  });

  it('the oom-kill line: no nodemask "(null)", the root cpuset "/", mems_allowed 0; a memcg OOM without a path names "/"', () => {
    const { k, vm, slots } = oomMachine(tasks);
    vm.sysctl_write('vm.oom_dump_tasks', 0);
    const r = k.out_of_memory(oc(slots[0]));
    expect(r.log[0]).toMatch(/^postgres invoked oom-killer: gfp_mask=0xcc0\(GFP_KERNEL\), order=0, oom_score_adj=0$/);
    expect(r.log[1]).toBe('oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/,task=java,pid=300,uid=0');
    const m = oomMachine(tasks);
    const g = m.k.out_of_memory({ ...oc(), constraint: 'CONSTRAINT_MEMCG', nodemask: [1, 0], cpuset: 'g', mems_allowed: [0, 1] });
    expect(g.log).toContain('oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=0-1,cpuset=/g,mems_allowed=0-1,oom_memcg=/,task_memcg=/,task=java,pid=300,uid=0');
    expect(g.log.at(-1)).toMatch(/^Memory cgroup out of memory: Killed process 300 \(java\) /);
  });

  it('raced: a victim another killer had marked meanwhile (sysrq looks past the mark and picks it again)', () => {
    const { k, slots } = oomMachine(tasks);
    expect(k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: slots[2], raced: false });
    expect(k.out_of_memory(oc(-1, { sysrq: true }))).toMatchObject({ action: 'killed', victim: slots[2], raced: true });
  });

  it('a victim that exits between the scan and the kill is skipped: victim-gone, the kernel\'s "already exiting" line', () => {
    const { k, tt, slots } = oomMachine(tasks);
    // The scan's observer stands in for the victim's own exit, which runs on another CPU.
    const r = k.out_of_memory(oc(-1, { evaluated: (s) => s === slots[2] && tt.set(s, T_FLAGS, 0) }));
    expect(r).toEqual({ action: 'victim-gone', victim: -1, selected: slots[2], points: 6000, log: [...r.log.slice(0, -1), 'OOM victim is already exiting. Skip killing the task'] });
    expect(r.log[0]).toBe('kernel invoked oom-killer: order=0');
    // The slot already holds another process when the killer comes: that one lives (the chosen generation is gone).
    const m = oomMachine(tasks);
    const reuse = (s: number) => {
      if (s !== m.slots[2]) return;
      m.tt.set(s, T_FLAGS, 0);
      expect(m.tt.spawn({ pid: 301, comm: 'newcomer', rssAnon: 1 })).toBe(s);
    };
    expect(m.k.out_of_memory(oc(-1, { evaluated: reuse }))).toMatchObject({ action: 'victim-gone', victim: -1, selected: m.slots[2] });
    expect(m.tt.has(m.slots[2], TF_OOM_VICTIM)).toBe(false);
  });

  it('an oom_task_origin victim reports the points it was chosen with (LONG_MAX), not its badness', () => {
    const { k, slots } = oomMachine([...tasks, { pid: 500, comm: 'swapoff', rssAnon: 1, origin: true }]);
    expect(k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: slots[3], points: Number.MAX_SAFE_INTEGER });
  });
});

describe('child-first (kernels 2.6.36 to 5.0): the parent\'s child with its own mm and the most points dies instead', () => {
  it('skips a child sharing the parent\'s mm and one with no points; of equal children the first; the result names both', () => {
    const spec: TaskSpec[] = [
      { pid: 300, comm: 'java', rssAnon: 6000 },
      { pid: 301, ppid: 300, comm: 'thread', mm: 300, rssAnon: 5000 },
      { pid: 302, ppid: 300, comm: 'idle' },
      { pid: 303, ppid: 300, comm: 'worker-a', rssAnon: 200 },
      { pid: 304, ppid: 300, comm: 'worker-b', rssAnon: 200 },
      { pid: 305, ppid: 999, comm: 'other', rssAnon: 900 },
    ];
    const { k, slots } = oomMachine(spec, 32768, 0, { childFirst: true });
    const r = k.out_of_memory(oc());
    expect(r).toMatchObject({ action: 'killed', selected: slots[0], victim: slots[3], points: 200 });
    expect(r.log.at(-1)).toMatch(/Killed process 303 \(worker-a\)/);
  });

  it('a parent without a child with points dies itself', () => {
    const { k, slots } = oomMachine([{ pid: 300, comm: 'java', rssAnon: 6000 }, { pid: 302, ppid: 300, comm: 'idle' }], 32768, 0, { childFirst: true });
    expect(k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: slots[0], points: 6000 });
  });

  it('the child is marked as itself, not with the parent\'s slot generation', () => {
    const { k, tt, slots } = oomMachine([{ pid: 300, comm: 'java', rssAnon: 6000 }, { pid: 9, comm: 'gone' }], 32768, 0, { childFirst: true });
    tt.set(slots[1], T_FLAGS, 0);
    const child = tt.spawn({ pid: 301, ppid: 300, comm: 'worker', rssAnon: 10 });
    expect(tt.gen(child)).not.toBe(tt.gen(slots[0]));
    expect(k.out_of_memory(oc())).toMatchObject({ action: 'killed', victim: child, selected: slots[0], points: 10 });
    expect(tt.has(child, TF_OOM_VICTIM)).toBe(true);
  });
});
