import { EACCES, EINVAL, ENOENT, ENOMEM, ERANGE } from '../errors.js';
import { Arena } from '../shm/arena.js';
import { AtomicsMem } from '../shm/mem.js';
import { GFP_HIGHUSER_MOVABLE } from './gfp.js';
import { MemcgTree, parseNodelist } from './memcg.js';
import { MPOL_DEFAULT, NodeMemory, type Mempolicy, type MpolMode, type Placement } from './placement.js';
import { OomKiller, nodeBits, oom_cpuset_eligible, type OomResult } from './oom_kill.js';
import { PAGE_SIZE } from './mmzone.js';
import { calculate_min_free_kbytes } from './watermark.js';
import { VM_SYSCTLS, VmAccounting, type VmSysctl } from './overcommit.js';
import { ROOT, may_open_for_write, oom_adj_read, oom_adj_write, oom_score_adj_read, oom_score_adj_write, proc_oom_score, type Cred } from './proc_oom.js';
import {
  MMF_OOM_SKIP, T_COMMITTED, T_FLAGS, T_MM_FLAGS, T_MM_ID, T_OOM_SCORE_ADJ, T_OOM_SCORE_ADJ_MIN, T_PID, T_RSS_ANON, T_RSS_FILE, T_RSS_SHMEM, T_TOTAL_VM, T_UID, TF_EXITING, TF_OOM_VICTIM, TaskTable, type TaskSpec,
} from './task.js';

/**
 * A small userland on a booted machine, for the commands a person types (memrace proc,
 * sysctl, shell): a task list with the usual suspects, commit accounting, the OOM killer,
 * and /proc and /proc/sys/vm files that read and write as the kernel's do.
 */
export const DEFAULT_TASKS: TaskSpec[] = [
  { pid: 1, comm: 'systemd', init: true, rssAnon: 2300, totalVm: 42000 },
  { pid: 2, comm: 'kthreadd', kthread: true },
  { pid: 42, comm: 'postgres', uid: 999, rssAnon: 4000, rssShmem: 600, totalVm: 55000, pgtablesBytes: 196608 },
  { pid: 117, comm: 'sshd', rssAnon: 900, totalVm: 3900, oomScoreAdj: -1000 },
  { pid: 230, comm: 'java', uid: 1000, rssAnon: 9000, rssFile: 800, totalVm: 310000, pgtablesBytes: 1048576, swapents: 120 },
  { pid: 311, comm: 'redis-server', uid: 998, rssAnon: 2000, totalVm: 12000, oomScoreAdj: 300 },
];

export interface FileResult {
  /** 0, or a negative errno. */
  rc: number;
  text: string;
}

/** strerror of the errors a /proc write returns. */
const WRITE_ERRORS: Record<number, string> = { [EINVAL]: 'Invalid argument', [ERANGE]: 'Numerical result out of range', [EACCES]: 'Permission denied' };

const PID_FILE = /^\/proc\/(\d+)\/(oom_score|oom_score_adj|oom_adj|status)$/;
const SYS_VM = /^\/proc\/sys\/vm\/([a-z_]+)$/;
const kb = (pages: number) => `${String(pages * (PAGE_SIZE >> 10)).padStart(8)} kB`;

export class Userland {
  readonly tasks: TaskTable;
  readonly vm: VmAccounting;
  readonly killer: OomKiller;
  readonly memcg = new MemcgTree();
  /** Free pages per node: what is left of RAM after the tasks' resident pages. */
  readonly nodes: NodeMemory;
  /** set_mempolicy of each task slot (MPOL_DEFAULT when absent). */
  private readonly policies = new Map<number, Mempolicy>();

  constructor(readonly totalramPages: number, readonly swapPages = 0, tasks: TaskSpec[] = DEFAULT_TASKS, nrNodes = 1) {
    const arena = Arena.create(1 << 16);
    const mem = new AtomicsMem(arena.sab);
    this.tasks = TaskTable.create(arena, mem, 64);
    // init_per_zone_wmark_min: min_free_kbytes from the memory free at boot.
    const minFreeKbytes = calculate_min_free_kbytes(totalramPages * (PAGE_SIZE >> 10));
    this.vm = VmAccounting.create(arena, mem, { totalramPages, swapPages, minFreeKbytes });
    this.killer = new OomKiller(this.tasks, this.vm);
    this.nodes = new NodeMemory(totalramPages, nrNodes);
    for (const t of tasks) {
      const slot = this.tasks.spawn(t);
      this.nodes.preload(this.tasks.get(slot, T_MM_ID), this.tasks.rss(slot));
      this.tasks.set(slot, T_COMMITTED, t.rssAnon ?? 0);
      this.vm.vm_acct_memory(t.rssAnon ?? 0);
    }
  }

  /** Free pages, all nodes. */
  get free(): number {
    return this.nodes.totalFree();
  }

  private slotOf(pid: number): number {
    return this.tasks.find(pid);
  }

  /** cat PATH. */
  read(path: string): FileResult {
    const m = PID_FILE.exec(path);
    if (m) {
      const t = this.slotOf(Number(m[1]));
      if (t < 0) return { rc: -ENOENT, text: `cat: ${path}: No such file or directory` };
      if (m[2] === 'oom_score') return { rc: 0, text: String(proc_oom_score(this.killer, t)) };
      if (m[2] === 'oom_score_adj') return { rc: 0, text: String(oom_score_adj_read(this.killer, t)) };
      if (m[2] === 'oom_adj') return { rc: 0, text: String(oom_adj_read(this.killer, t)) };
      return { rc: 0, text: [`Name:\t${this.tasks.comm(t)}`, `Pid:\t${m[1]}`, `VmSize:\t${kb(this.tasks.get(t, T_TOTAL_VM))}`, `VmRSS:\t${kb(this.tasks.rss(t))}`, `RssAnon:\t${kb(this.tasks.get(t, T_RSS_ANON))}`].join('\n') };
    }
    const s = SYS_VM.exec(path);
    if (s && `vm.${s[1]}` in VM_SYSCTLS) return { rc: 0, text: String(this.vm.sysctl(`vm.${s[1]}` as VmSysctl)) };
    const cg = this.memcg.read(path, (name) => this.tasks.live().filter((s) => this.memcg.groupOf(s) === name).map((s) => this.tasks.get(s, T_PID)));
    if (cg) return cg;
    if (path === '/proc/meminfo') {
      // No swap-out is modelled: SwapFree is all of swap. MemAvailable: free above the min watermark.
      const rows: Array<[string, number]> = [['MemTotal', this.totalramPages], ['MemFree', this.free], ['MemAvailable', Math.max(0, this.free - this.minPages())], ['SwapTotal', this.swapPages], ['SwapFree', this.swapPages]];
      return { rc: 0, text: [...rows.map(([n, p]) => `${(n + ':').padEnd(16)}${kb(p)}`), ...this.vm.meminfo()].join('\n') };
    }
    return { rc: -ENOENT, text: `cat: ${path}: No such file or directory` };
  }

  /** echo TEXT > PATH, by a writer with `cred` (root unless given). */
  write(path: string, text: string, cred: Cred = ROOT): FileResult {
    const m = PID_FILE.exec(path);
    if (m && m[2] !== 'oom_score' && m[2] !== 'status') {
      const t = this.slotOf(Number(m[1]));
      if (t < 0) return { rc: -ENOENT, text: `${path}: No such file or directory` };
      // The file is the task owner's, mode 0644: opening it for writing is the first check.
      if (may_open_for_write(this.killer, t, cred)) return { rc: -EACCES, text: `${path}: Permission denied` };
      const rc = m[2] === 'oom_adj' ? oom_adj_write(this.killer, t, text, cred) : oom_score_adj_write(this.killer, t, text, cred);
      return { rc, text: rc ? `write error: ${WRITE_ERRORS[-rc]}` : '' };
    }
    if (path.startsWith('/sys/fs/cgroup/')) {
      if (cred.uid !== 0) return { rc: -EACCES, text: `${path}: Permission denied` };
      const cg = this.memcg.write(path, text, (pid) => this.slotOf(pid), this.nodes.nodes);
      if (cg) return cg;
    }
    const s = SYS_VM.exec(path);
    if (s && `vm.${s[1]}` in VM_SYSCTLS) {
      if (cred.uid !== 0) return { rc: -EACCES, text: `${path}: Permission denied` };
      // echo prints nothing; proc_dointvec_minmax's -EINVAL is the write's error.
      const rc = this.sysctlWrite(`vm.${s[1]}`, text.trim()).rc;
      return { rc, text: rc ? `write error: ${WRITE_ERRORS[-rc]}` : '' };
    }
    return { rc: -EACCES, text: `${path}: Permission denied` };
  }

  /** sysctl NAME, as sysctl(8) prints it. */
  sysctlRead(name: string): FileResult {
    if (!(name in VM_SYSCTLS)) return { rc: -ENOENT, text: `sysctl: cannot stat /proc/sys/${name.replace(/\./g, '/')}: No such file or directory` };
    return { rc: 0, text: `${name} = ${this.vm.sysctl(name as VmSysctl)}` };
  }

  /** sysctl -w NAME=VALUE. */
  sysctlWrite(name: string, value: string): FileResult {
    if (!(name in VM_SYSCTLS)) return { rc: -ENOENT, text: `sysctl: cannot stat /proc/sys/${name.replace(/\./g, '/')}: No such file or directory` };
    const v = /^-?\d+$/.test(value) ? Number(value) : NaN;
    const rc = this.vm.sysctl_write(name as VmSysctl, v);
    return rc ? { rc, text: `sysctl: setting key "${name}": Invalid argument` } : { rc: 0, text: `${name} = ${v}` };
  }

  /** A process maps `bytes` of private writable memory: the overcommit decision. */
  malloc(pid: number, bytes: number): FileResult {
    const t = this.slotOf(pid);
    if (t < 0) return { rc: -ENOENT, text: `no process ${pid}` };
    const pages = Math.ceil(bytes / 4096);
    const rc = this.vm.vm_enough_memory(this.tasks.get(t, T_TOTAL_VM), pages, this.tasks.get(t, 3) === 0);
    if (rc === -ENOMEM) return { rc, text: `mmap: Cannot allocate memory (Committed_AS ${this.vm.committed()} pages, CommitLimit ${this.vm.vm_commit_limit()})` };
    this.tasks.add(t, T_COMMITTED, pages);
    this.tasks.add(t, T_TOTAL_VM, pages);
    return { rc: 0, text: `pid ${pid}: mapped ${pages} pages; Committed_AS ${this.vm.committed()} of CommitLimit ${this.vm.vm_commit_limit()} pages` };
  }

  /**
   * fork (or clone(CLONE_VM) when `shareVm`): a child of `pid` with its credentials and
   * oom_score_adj (and oom_score_adj_min); with CLONE_VM it shares the mm, so it reports
   * the same memory and the OOM killer's mm rules apply to both.
   */
  clone(pid: number, shareVm: boolean): FileResult {
    const p = this.slotOf(pid);
    if (p < 0) return { rc: -ENOENT, text: `no process ${pid}` };
    const tt = this.tasks;
    const child = this.nextPid();
    const c = tt.spawn({
      pid: child, ppid: pid, comm: tt.comm(p), uid: tt.get(p, T_UID), oomScoreAdj: tt.get(p, T_OOM_SCORE_ADJ),
      mm: shareVm ? tt.get(p, T_MM_ID) : child, totalVm: shareVm ? tt.get(p, T_TOTAL_VM) : 0,
      rssAnon: shareVm ? tt.get(p, T_RSS_ANON) : 0, rssFile: shareVm ? tt.get(p, T_RSS_FILE) : 0, rssShmem: shareVm ? tt.get(p, T_RSS_SHMEM) : 0,
    });
    tt.set(c, T_OOM_SCORE_ADJ_MIN, tt.get(p, T_OOM_SCORE_ADJ_MIN));
    this.memcg.inherit(p, c);
    const pol = this.policies.get(p);
    if (pol) this.policies.set(c, pol);
    return { rc: 0, text: `${child}` };
  }

  /** alloc_pid, simplified: one past the highest pid in use. */
  private nextPid(): number {
    let pid = 1;
    for (const t of this.tasks.live()) pid = Math.max(pid, this.tasks.get(t, T_PID) + 1);
    return pid;
  }

  /** A new process COMM owned by `uid`, a child of init with nothing mapped yet; prints its pid. */
  run(comm: string, uid: number): FileResult {
    const pid = this.nextPid();
    this.tasks.spawn({ pid, ppid: 1, comm, uid });
    return { rc: 0, text: `${pid}` };
  }

  /**
   * LTP's alloc_mem loop (testcases/kernel/mem/lib/mem.c): map `chunk` bytes and touch them,
   * again and again, until mmap fails (the overcommit policy refuses) or the process is
   * killed. At most `rounds` rounds.
   */
  memhog(pid: number, chunk: number, rounds = 100_000): FileResult {
    const lines: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const m = this.malloc(pid, chunk);
      if (m.rc) return { rc: m.rc, text: [...lines, m.text].join('\n') };
      const r = this.touch(pid, chunk);
      if (r.text.includes('invoked oom-killer') || r.rc) lines.push(r.text);
      if (this.slotOf(pid) < 0) return { rc: 0, text: lines.join('\n') };
      if (r.rc) return { rc: r.rc, text: lines.join('\n') };
    }
    return { rc: 0, text: [...lines, `pid ${pid}: still running after ${rounds} rounds`].join('\n') };
  }

  mkdir(path: string, cred: Cred): FileResult {
    if (cred.uid !== 0) return { rc: -EACCES, text: `mkdir: cannot create directory '${path}': Permission denied` };
    return this.memcg.mkdir(path);
  }

  /** The min watermark in pages: faults stop there and the OOM killer runs. */
  minPages(): number {
    return Math.floor(this.vm.sysctl('vm.min_free_kbytes') / (PAGE_SIZE >> 10));
  }

  /** Slots of the live tasks using `t`'s mm (t included). */
  private mmUsers(t: number): number[] {
    const mm = this.tasks.get(t, T_MM_ID);
    return mm === 0 ? [t] : this.tasks.live().filter((s) => this.tasks.get(s, T_MM_ID) === mm);
  }

  /**
   * A process touches `bytes` of its memory: pages fault in, each charged to the task's
   * memory cgroup. When free memory reaches the min watermark the global OOM killer runs;
   * when the group reaches memory.max, the group's (CONSTRAINT_MEMCG, no panic).
   */
  touch(pid: number, bytes: number): FileResult {
    let t = this.slotOf(pid);
    if (t < 0) return { rc: -ENOENT, text: `no process ${pid}` };
    const lines: string[] = [];
    let pages = Math.ceil(bytes / PAGE_SIZE);
    while (pages > 0) {
      const room = this.memcg.room(t);
      const place = this.nodes.placement(this.policies.get(t) ?? MPOL_DEFAULT, this.memcg.memsOf(t));
      const n = room > 0 ? this.nodes.take(this.tasks.get(t, T_MM_ID), place, Math.min(pages, room), this.minPages()) : 0;
      if (n > 0) {
        for (const s of this.mmUsers(t)) this.tasks.add(s, T_RSS_ANON, n);
        this.memcg.charge(t, n);
        pages -= n;
        continue;
      }
      const r = room > 0 ? this.constrainedOom(t, place) : this.memcgOom(t);
      lines.push(...r.log);
      if (r.panic || r.victim < 0) {
        if (room <= 0 && !r.panic) lines.push(`pid ${pid}: the charge to ${this.memcg.groupOf(t)} fails (VM_FAULT_OOM: the fault is retried)`);
        return { rc: -ENOMEM, text: lines.join('\n') };
      }
      // The victim and every process sharing its mm got SIGKILL (init, sharing it, does not).
      for (const s of this.mmUsers(r.victim)) if (this.tasks.has(s, TF_EXITING)) this.exit(s);
      t = this.slotOf(pid);
      if (t < 0) {
        lines.push(`pid ${pid} was the victim`);
        return { rc: 0, text: lines.join('\n') };
      }
    }
    return { rc: 0, text: [...lines, `pid ${pid}: resident ${this.tasks.rss(t)} pages, ${this.free} pages free`].join('\n') };
  }

  /**
   * out_of_memory for a failed user allocation: constrained_alloc's constraint and
   * totalpages, and oom_cpuset_eligible: under a mempolicy nodemask, a task is eligible
   * unless it is bound (MPOL_BIND) to nodes outside it; otherwise unless its cpuset's mems
   * miss the allocating task's.
   */
  private constrainedOom(t: number, p: Placement): OomResult {
    const all = this.nodes.all;
    const mems = this.memcg.memsOf(t) ?? all;
    const nodemask = p.nodemask ? nodeBits(p.nodemask) : 0;
    const eligible = (s: number) => {
      const pol = this.policies.get(s);
      return oom_cpuset_eligible(nodemask, pol?.mode === 'bind' ? nodeBits(pol.nodes) : 0, nodeBits(this.memcg.memsOf(s) ?? all), nodeBits(mems));
    };
    return this.killer.out_of_memory({
      current: t, order: 0, totalpages: this.swapPages + p.domain.reduce((sum, n) => sum + this.nodes.present[n], 0), constraint: p.constraint,
      eligible, gfp_mask: GFP_HIGHUSER_MOVABLE, nodemask: p.nodemask ?? undefined, cpuset: this.memcg.groupOf(t), mems_allowed: mems,
    });
  }

  /** set_mempolicy(2) for a process: MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE or MPOL_PREFERRED over a node list. */
  set_mempolicy(pid: number, mode: string, nodes: string): FileResult {
    const t = this.slotOf(pid);
    if (t < 0) return { rc: -ENOENT, text: `no process ${pid}` };
    const list = mode === 'default' ? [] : parseNodelist(nodes, this.nodes.nodes);
    if (!['default', 'bind', 'interleave', 'preferred'].includes(mode) || !list || (mode !== 'default' && list.length === 0)) {
      return { rc: -EINVAL, text: `set_mempolicy: Invalid argument (MODE: default, bind, interleave, preferred; NODES: a list within 0-${this.nodes.nodes - 1})` };
    }
    this.policies.set(t, { mode: mode as MpolMode, nodes: list });
    return { rc: 0, text: '' };
  }

  /** mem_cgroup_out_of_memory: the group's OOM killer, over the group's tasks; memory.events counts. */
  private memcgOom(t: number): OomResult {
    const name = this.memcg.groupOf(t);
    const g = this.memcg.groups.get(name)!;
    g.events.max++;
    g.events.oom++;
    const r = this.killer.out_of_memory({
      current: t, order: 0, totalpages: Math.max(1, g.max), constraint: 'CONSTRAINT_MEMCG', memcg: `/${name}`,
      eligible: (s) => this.memcg.groupOf(s) === name, gfp_mask: GFP_HIGHUSER_MOVABLE, cpuset: name, mems_allowed: this.memcg.memsOf(t) ?? this.nodes.all,
    });
    if (r.victim >= 0) g.events.oom_kill++;
    return r;
  }

  /** release_task, and exit_mmap when the last user of the mm goes: every page and commitment back. */
  exit(t: number): void {
    const others = this.mmUsers(t).filter((s) => s !== t);
    if (others.length) this.tasks.add(others[0], T_COMMITTED, this.tasks.get(t, T_COMMITTED));
    else {
      this.memcg.uncharge(t);
      this.nodes.release(this.tasks.get(t, T_MM_ID));
      this.vm.vm_unacct_memory(this.tasks.get(t, T_COMMITTED));
      this.tasks.or(t, T_MM_FLAGS, MMF_OOM_SKIP);
    }
    this.policies.delete(t);
    this.tasks.set(t, T_FLAGS, 0);
  }

  /** ps: oom_dump_tasks' table. */
  ps(): string {
    return this.killer.dump_tasks({ current: -1, order: 0, totalpages: this.totalramPages + this.swapPages, constraint: 'CONSTRAINT_NONE' }).join('\n');
  }

  victims(): number[] {
    return this.tasks.live().filter((t) => this.tasks.has(t, TF_OOM_VICTIM)).map((t) => this.tasks.get(t, T_PID));
  }
}
