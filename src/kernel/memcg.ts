import { EACCES, EEXIST, EINVAL, ENOENT, ESRCH } from '../errors.js';
import { memparse } from './bootconfig.js';
import { kstrtoint, strstrip } from './kstrtox.js';
import { PAGE_SIZE } from './mmzone.js';

/**
 * Memory cgroups (cgroup v2, mm/memcontrol.c, Linux 6.6), as the shell's userland needs
 * them: one level of groups under /sys/fs/cgroup, each with memory.max, memory.current,
 * memory.events, cgroup.procs and the cpuset controller's cpuset.mems. A page is charged to the group of the task that faults
 * it in, and uncharged when the task's memory goes; moving a task does not move its charges
 * (v2). Past memory.max there is no reclaim here: the group's OOM killer runs at once.
 */
export const CGROUP_ROOT = '/sys/fs/cgroup';

export interface MemCgroup {
  /** memory.max in pages (Infinity: "max"). */
  max: number;
  current: number;
  /** memory.events: max (charges over the limit), oom (OOM invocations), oom_kill (kills). */
  events: { max: number; oom: number; oom_kill: number };
  /** cpuset.mems: the nodes the group's tasks may allocate from (null: every node, as when unset). */
  mems: number[] | null;
}

/** A node list as the kernel prints and parses it (%*pbl, cpulist_parse): "0-2,5". */
export function nodelist(nodes: readonly number[]): string {
  const out: string[] = [];
  const s = [...nodes].sort((a, b) => a - b);
  for (let i = 0; i < s.length; ) {
    let j = i;
    // Past the end s[j + 1] is undefined, which ends the run.
    while (s[j + 1] === s[j] + 1) j++;
    out.push(j > i ? `${s[i]}-${s[j]}` : `${s[i]}`);
    i = j + 1;
  }
  return out.join(',');
}

export function parseNodelist(text: string, nodes: number): number[] | null {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b >= nodes) return null;
    for (let n = a; n <= b; n++) out.add(n);
  }
  return [...out].sort((x, y) => x - y);
}

const GROUP_FILE = /^\/sys\/fs\/cgroup\/([A-Za-z0-9_.-]+)\/(memory\.max|memory\.current|memory\.events|cgroup\.procs|cpuset\.mems)$/;


export class MemcgTree {
  readonly groups = new Map<string, MemCgroup>();
  /** Task slot → its group's name ('' for the root). */
  private readonly member = new Map<number, string>();
  /** Task slot → pages it charged, per group. */
  private readonly charges = new Map<number, Map<string, number>>();

  mkdir(path: string): { rc: number; text: string } {
    const m = /^\/sys\/fs\/cgroup\/([A-Za-z0-9_.-]+)$/.exec(path);
    if (!m) return { rc: -EINVAL, text: `mkdir: cannot create directory '${path}': only ${CGROUP_ROOT}/NAME (one level) is modelled` };
    // cgroup_mkdir: kernfs_create_dir of a name the parent already has is -EEXIST.
    if (this.groups.has(m[1])) return { rc: -EEXIST, text: `mkdir: cannot create directory '${path}': File exists` };
    this.groups.set(m[1], { max: Infinity, current: 0, events: { max: 0, oom: 0, oom_kill: 0 }, mems: null });
    return { rc: 0, text: '' };
  }

  /** The group a task is in ('' for the root), and a predicate for "in the same group". */
  groupOf(slot: number): string {
    return this.member.get(slot) ?? '';
  }

  /** The cpuset mems of the task's group (null: every node). */
  memsOf(slot: number): number[] | null {
    return this.groups.get(this.groupOf(slot))?.mems ?? null;
  }

  /** Pages the task may still charge before its group's memory.max. */
  room(slot: number): number {
    const g = this.groups.get(this.groupOf(slot));
    return g ? g.max - g.current : Infinity;
  }

  charge(slot: number, pages: number): void {
    const name = this.groupOf(slot);
    const g = this.groups.get(name);
    if (!g) return;
    g.current += pages;
    const per = this.charges.get(slot) ?? new Map<string, number>();
    per.set(name, (per.get(name) ?? 0) + pages);
    this.charges.set(slot, per);
  }

  /** The task's memory is gone: every page it charged comes off its groups. */
  uncharge(slot: number): void {
    // No rmdir: a group a page was charged to is still there.
    for (const [name, pages] of this.charges.get(slot) ?? []) this.groups.get(name)!.current -= pages;
    this.charges.delete(slot);
    this.member.delete(slot);
  }

  /** A child starts in its parent's group (fork). */
  inherit(parent: number, child: number): void {
    this.member.set(child, this.groupOf(parent));
  }

  read(path: string, pidsOf: (name: string) => number[]): { rc: number; text: string } | null {
    const m = GROUP_FILE.exec(path);
    if (!m) return null;
    const g = this.groups.get(m[1]);
    if (!g) return { rc: -ENOENT, text: `cat: ${path}: No such file or directory` };
    switch (m[2]) {
      case 'memory.max':
        return { rc: 0, text: g.max === Infinity ? 'max' : String(g.max * PAGE_SIZE) };
      case 'memory.current':
        return { rc: 0, text: String(g.current * PAGE_SIZE) };
      case 'cpuset.mems':
        return { rc: 0, text: g.mems ? nodelist(g.mems) : '' };
      case 'memory.events':
        return { rc: 0, text: `low 0\nhigh 0\nmax ${g.events.max}\noom ${g.events.oom}\noom_kill ${g.events.oom_kill}\noom_group_kill 0` };
      default:
        return { rc: 0, text: pidsOf(m[1]).join('\n') };
    }
  }

  /**
   * memory.max ("max" or a memparse size, rounded down to pages), cpuset.mems (a node list;
   * empty: the parent's) or cgroup.procs (a pid to move in). memory.current and
   * memory.events have no write handler: kernfs_fop_open refuses them with -EACCES, root too.
   */
  write(path: string, text: string, slotOf: (pid: number) => number, nodes = 1): { rc: number; text: string } | null {
    const m = GROUP_FILE.exec(path);
    if (!m) return null;
    const g = this.groups.get(m[1]);
    if (!g) return { rc: -ENOENT, text: `${path}: No such file or directory` };
    const v = text.trim();
    if (m[2] === 'memory.max') {
      // page_counter_memparse: "max", or memparse's whole string.
      const bytes = v === 'max' ? Infinity : memparse(v);
      if (bytes === null) return { rc: -EINVAL, text: 'write error: Invalid argument' };
      g.max = Math.floor(bytes / PAGE_SIZE);
      return { rc: 0, text: '' };
    }
    if (m[2] === 'cpuset.mems') {
      const mems = parseNodelist(v, nodes);
      if (v !== '' && !mems) return { rc: -EINVAL, text: 'write error: Invalid argument' };
      g.mems = mems;
      return { rc: 0, text: '' };
    }
    if (m[2] === 'cgroup.procs') {
      // cgroup_procs_write_start: kstrtoint of the stripped text, a negative pid -EINVAL, an
      // unknown one -ESRCH (0 is `current`, the writing shell, which is no task here).
      const pid = kstrtoint(strstrip(text));
      if (pid.err || pid.value < 0) return { rc: -EINVAL, text: 'write error: Invalid argument' };
      const slot = slotOf(pid.value);
      if (slot < 0) return { rc: -ESRCH, text: 'write error: No such process' };
      this.member.set(slot, m[1]);
      return { rc: 0, text: '' };
    }
    return { rc: -EACCES, text: `${path}: Permission denied` };
  }
}
