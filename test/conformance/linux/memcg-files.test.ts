import { describe, expect, it } from 'vitest';
import { shellLine } from '../../../src/cli/shell-commands.js';
import { EACCES, EEXIST, EINVAL, ENOENT, ESRCH } from '../../../src/errors.js';
import { MemcgTree, nodelist, parseNodelist } from '../../../src/kernel/memcg.js';
import { PAGE_SIZE } from '../../../src/kernel/mmzone.js';
import { Userland } from '../../../src/kernel/userland.js';

/**
 * The cgroup v2 files a memory cgroup has in the model (Linux 6.6), read and written as a
 * shell does: mm/memcontrol.c (memory_max_show/write, memory_current_read,
 * memory_events_show), mm/page_counter.c (page_counter_memparse), kernel/cgroup/cgroup.c
 * (cgroup_mkdir, cgroup_procs_write_start, cgroup_procs_show), kernel/cgroup/cpuset.c
 * (cpuset.mems: update_nodemask, cpuset_common_seq_show) and lib/bitmap.c's node lists
 * (bitmap_parselist, bitmap_print_to_pagebuf's %*pbl). fs/kernfs/file.c
 * (kernfs_fop_open) refuses a write to a file without a write handler.
 */
const G = '/sys/fs/cgroup/g';
const MiB = 2 ** 20;
/** A tree with group g; slots 0-3 are pids 100-103. */
function tree() {
  const t = new MemcgTree();
  expect(t.mkdir(G)).toEqual({ rc: 0, text: '' });
  return t;
}
const slotOf = (pid: number) => (pid >= 100 && pid < 104 ? pid - 100 : -1);
const none = () => [];

describe('node lists as the kernel prints and parses them (lib/bitmap.c)', () => {
  it('bitmap_print_to_pagebuf (%*pbl): ranges of consecutive nodes, in ascending order, whatever order given', () => {
    expect(nodelist([5, 1, 0, 2])).toBe('0-2,5');
    expect(nodelist([3])).toBe('3');
    expect(nodelist([0, 2])).toBe('0,2');
    expect(nodelist([1, 0])).toBe('0-1');
    expect(nodelist([7, 6, 4, 3, 0])).toBe('0,3-4,6-7');
    expect(nodelist([])).toBe('');
  });

  it('bitmap_parselist: N and N-M separated by commas, any order, duplicates once; a range backwards or past the last node is refused', () => {
    expect(parseNodelist('0-2,5', 6)).toEqual([0, 1, 2, 5]);
    expect(parseNodelist('5,0-2', 6)).toEqual([0, 1, 2, 5]);
    expect(parseNodelist('0,1', 2)).toEqual([0, 1]);
    expect(parseNodelist('1,1', 2)).toEqual([1]);
    expect(parseNodelist('10', 11)).toEqual([10]);
    expect(parseNodelist('9-11', 12)).toEqual([9, 10, 11]);
    // The last node is nodes - 1: node `nodes` is past it.
    expect(parseNodelist('5', 6)).toEqual([5]);
    expect(parseNodelist('6', 6)).toBeNull();
    expect(parseNodelist('4-6', 6)).toBeNull();
    expect(parseNodelist('2-1', 6)).toBeNull();
    for (const bad of ['', 'x', 'a1', '1a', '0-', '0-a', '-1', '0--1', '0,,1']) expect(parseNodelist(bad, 6), bad).toBeNull();
  });
});

describe('cgroup v2 memory files (mm/memcontrol.c, kernel/cgroup/cgroup.c)', () => {
  it('cgroup_mkdir: one level under /sys/fs/cgroup; a name taken is -EEXIST; anything else the model refuses by name', () => {
    const t = tree();
    expect(t.mkdir(G)).toEqual({ rc: -EEXIST, text: `mkdir: cannot create directory '${G}': File exists` });
    for (const p of ['/sys/fs/cgroup/g/h', '/x/sys/fs/cgroup/h', '/sys/fs/cgroup/', '/sys/fs/cgroup/a b']) {
      expect(t.mkdir(p)).toEqual({ rc: -EINVAL, text: `mkdir: cannot create directory '${p}': only /sys/fs/cgroup/NAME (one level) is modelled` });
    }
    expect([...t.groups.keys()]).toEqual(['g']);
    expect(t.groups.get('g')).toEqual({ max: Infinity, current: 0, events: { max: 0, oom: 0, oom_kill: 0 }, mems: null });
  });

  it('a new group reads memory.max "max", memory.current 0, memory.events all 0 (6.6\'s six keys), cpuset.mems empty, cgroup.procs its pids one a line', () => {
    const t = tree();
    const pids = (name: string) => (name === 'g' ? [100, 103] : []);
    expect(t.read(`${G}/memory.max`, pids)).toEqual({ rc: 0, text: 'max' });
    expect(t.read(`${G}/memory.current`, pids)).toEqual({ rc: 0, text: '0' });
    expect(t.read(`${G}/memory.events`, pids)).toEqual({ rc: 0, text: 'low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0' });
    expect(t.read(`${G}/cpuset.mems`, pids)).toEqual({ rc: 0, text: '' });
    expect(t.read(`${G}/cgroup.procs`, pids)).toEqual({ rc: 0, text: '100\n103' });
  });

  it('a file of a group that does not exist is -ENOENT for cat and echo; a path that is no group file is not the tree\'s (null)', () => {
    const t = tree();
    expect(t.read('/sys/fs/cgroup/h/memory.max', none)).toEqual({ rc: -ENOENT, text: 'cat: /sys/fs/cgroup/h/memory.max: No such file or directory' });
    expect(t.write('/sys/fs/cgroup/h/memory.max', '1M', slotOf)).toEqual({ rc: -ENOENT, text: '/sys/fs/cgroup/h/memory.max: No such file or directory' });
    for (const p of [`${G}/memory.maxx`, `/x${G}/memory.max`, `${G}/memory.low`, '/sys/fs/cgroup/memory.max']) {
      expect(t.read(p, none), p).toBeNull();
      expect(t.write(p, '1', slotOf), p).toBeNull();
    }
  });

  it('memory_max_write: "max", or page_counter_memparse\'s size rounded down to whole pages; memory_max_show prints bytes; garbage is -EINVAL and keeps the limit', () => {
    const t = tree();
    const max = () => t.read(`${G}/memory.max`, none)!;
    expect(t.write(`${G}/memory.max`, '4097\n', slotOf)).toEqual({ rc: 0, text: '' });
    expect(t.groups.get('g')!.max).toBe(1);
    expect(max()).toEqual({ rc: 0, text: String(PAGE_SIZE) });
    expect(t.write(`${G}/memory.max`, '4095', slotOf)).toEqual({ rc: 0, text: '' });
    expect(max().text).toBe('0');
    expect(t.write(`${G}/memory.max`, '64M', slotOf)!.rc).toBe(0);
    expect(max().text).toBe(String(64 * MiB));
    expect(t.groups.get('g')!.max).toBe(16384);
    for (const bad of ['64Mx', '-1', 'maxx', 'none', '1.5G']) expect(t.write(`${G}/memory.max`, bad, slotOf), bad).toEqual({ rc: -EINVAL, text: 'write error: Invalid argument' });
    expect(max().text).toBe(String(64 * MiB));
    expect(t.write(`${G}/memory.max`, 'max\n', slotOf)!.rc).toBe(0);
    expect(max().text).toBe('max');
  });

  it('memory.current and memory.events are read-only: kernfs_fop_open refuses a write with -EACCES, for root too', () => {
    const t = tree();
    for (const f of ['memory.current', 'memory.events']) expect(t.write(`${G}/${f}`, '0', slotOf)).toEqual({ rc: -EACCES, text: `${G}/${f}: Permission denied` });
    const u = new Userland((256 * MiB) / PAGE_SIZE);
    expect(shellLine(u, `mkdir ${G}`).rc).toBe(0);
    expect(shellLine(u, `echo 0 > ${G}/memory.current`)).toEqual({ rc: -EACCES, text: `${G}/memory.current: Permission denied` });
  });

  it('cpuset.mems: a node list within the machine\'s nodes, read back in canonical form (all nodes too); empty clears it; a bad list is -EINVAL and keeps the old one', () => {
    const t = tree();
    const mems = () => t.read(`${G}/cpuset.mems`, none)!.text;
    expect(t.write(`${G}/cpuset.mems`, '5,0-2\n', slotOf, 6)).toEqual({ rc: 0, text: '' });
    expect(mems()).toBe('0-2,5');
    expect(t.memsOf(0)).toBeNull();
    // Written as every node, it reads back as every node (cpuset.mems is what was set, not the effective mask).
    expect(t.write(`${G}/cpuset.mems`, '0-5', slotOf, 6)!.rc).toBe(0);
    expect(mems()).toBe('0-5');
    expect(t.write(`${G}/cpuset.mems`, '1', slotOf, 6)!.rc).toBe(0);
    for (const bad of ['6', 'x', '1-0']) expect(t.write(`${G}/cpuset.mems`, bad, slotOf, 6), bad).toEqual({ rc: -EINVAL, text: 'write error: Invalid argument' });
    expect(mems()).toBe('1');
    // Two nodes are the default's one too many: node 1 does not exist on a one-node machine.
    expect(t.write(`${G}/cpuset.mems`, '1', slotOf)!.rc).toBe(-EINVAL);
    expect(t.write(`${G}/cpuset.mems`, '\n', slotOf, 6)).toEqual({ rc: 0, text: '' });
    expect(mems()).toBe('');
    expect(t.groups.get('g')!.mems).toBeNull();
  });

  it('cgroup_procs_write_start: kstrtoint of the stripped pid, a negative one or garbage -EINVAL, an unknown pid -ESRCH; the task moves in', () => {
    const t = tree();
    for (const bad of ['x', '-1', '1 2', '101x', '']) expect(t.write(`${G}/cgroup.procs`, bad, slotOf), bad).toEqual({ rc: -EINVAL, text: 'write error: Invalid argument' });
    expect(t.write(`${G}/cgroup.procs`, '99', slotOf)).toEqual({ rc: -ESRCH, text: 'write error: No such process' });
    expect(t.write(`${G}/cgroup.procs`, '0', slotOf)).toEqual({ rc: -ESRCH, text: 'write error: No such process' });
    expect(t.groupOf(1)).toBe('');
    expect(t.write(`${G}/cgroup.procs`, ' 101\n', slotOf)).toEqual({ rc: 0, text: '' });
    expect(t.groupOf(1)).toBe('g');
    // Base 0, as kstrtoint reads it: 0x64 is pid 100, slot 0.
    expect(t.write(`${G}/cgroup.procs`, '0x64', slotOf)!.rc).toBe(0);
    expect(t.groupOf(0)).toBe('g');
    expect(t.groupOf(2)).toBe('');
  });
});

describe('charging a group (mm/memcontrol.c: try_charge, uncharge; cgroup v2 moves no charges)', () => {
  it('charges the task\'s group page by page, reports it in bytes, and gives each group back what the task charged it when its memory goes', () => {
    const t = tree();
    t.mkdir('/sys/fs/cgroup/h');
    expect(t.room(0)).toBe(Infinity);
    t.charge(0, 5); // the root group: not counted anywhere
    expect(t.groups.get('g')!.current).toBe(0);
    t.write(`${G}/cgroup.procs`, '100', slotOf);
    t.write(`${G}/memory.max`, '10', slotOf); // 10 bytes: 0 pages
    expect(t.room(0)).toBe(0);
    t.write(`${G}/memory.max`, String(10 * PAGE_SIZE), slotOf);
    t.charge(0, 3);
    t.charge(0, 4);
    expect(t.room(0)).toBe(3);
    expect(t.read(`${G}/memory.current`, none)!.text).toBe(String(7 * PAGE_SIZE));
    // Moving the task does not move its charges (v2): g keeps 7, h gets what comes after.
    t.write('/sys/fs/cgroup/h/cgroup.procs', '100', slotOf);
    t.charge(0, 2);
    t.write(`${G}/cgroup.procs`, '101', slotOf);
    t.charge(1, 1);
    expect([t.groups.get('g')!.current, t.groups.get('h')!.current]).toEqual([8, 2]);
    t.uncharge(0);
    expect([t.groups.get('g')!.current, t.groups.get('h')!.current]).toEqual([1, 0]);
    expect(t.groupOf(0)).toBe('');
    t.uncharge(0); // nothing left to give back
    t.uncharge(3); // never charged
    expect(t.groups.get('g')!.current).toBe(1);
  });

  it('a child starts in its parent\'s group (cgroup_fork), a child of the root in the root; memsOf is its group\'s cpuset.mems', () => {
    const t = tree();
    t.write(`${G}/cgroup.procs`, '100', slotOf);
    t.write(`${G}/cpuset.mems`, '1', slotOf, 2);
    t.inherit(0, 1);
    t.inherit(2, 3);
    expect([t.groupOf(1), t.groupOf(3)]).toEqual(['g', '']);
    expect(t.memsOf(1)).toEqual([1]);
    expect(t.memsOf(3)).toBeNull();
  });

  it('through the shell: a cloned child is in its parent\'s group, shows in cgroup.procs, and its pages come off memory.current when it exits', () => {
    const u = new Userland((256 * MiB) / PAGE_SIZE);
    const parent = Number(shellLine(u, 'run app').text);
    for (const line of [`mkdir ${G}`, `echo ${parent} > ${G}/cgroup.procs`]) expect(shellLine(u, line).rc).toBe(0);
    const child = Number(shellLine(u, `clone ${parent}`).text);
    expect(shellLine(u, `cat ${G}/cgroup.procs`).text).toBe(`${parent}\n${child}`);
    expect(shellLine(u, `touch ${child} 1M`).rc).toBe(0);
    expect(shellLine(u, `cat ${G}/memory.current`).text).toBe(String(MiB));
    u.exit(u.tasks.find(child));
    expect(shellLine(u, `cat ${G}/memory.current`).text).toBe('0');
    expect(shellLine(u, `cat ${G}/cgroup.procs`).text).toBe(String(parent));
  });
});
