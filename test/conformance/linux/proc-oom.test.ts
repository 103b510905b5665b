import { describe, expect, it } from 'vitest';
import { EACCES, EINVAL, ERANGE } from '../../../src/errors.js';
import { kstrtoint, strstrip } from '../../../src/kernel/kstrtox.js';
import { OomKiller } from '../../../src/kernel/oom_kill.js';
import { VmAccounting } from '../../../src/kernel/overcommit.js';
import { ROOT, oom_adj_read, oom_adj_write, oom_score_adj_read, oom_score_adj_write, user } from '../../../src/kernel/proc_oom.js';
import { T_OOM_SCORE_ADJ_MIN, TaskTable, type TaskSpec } from '../../../src/kernel/task.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * /proc/<pid>/oom_adj and oom_score_adj as fs/proc/base.c has them in Linux 6.6
 * (oom_adj_read, oom_adj_write, oom_score_adj_write, __set_oom_adj) with lib/kstrtox.c's
 * kstrtoint(strstrip(buf), 0) parsing.
 */
function machine(tasks: TaskSpec[]) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const tt = TaskTable.create(arena, mem, 16);
  const vm = VmAccounting.create(arena, mem, { totalramPages: 32768, swapPages: 0 });
  const slots = tasks.map((t) => tt.spawn(t));
  return { k: new OomKiller(tt, vm), tt, slots };
}
const APP: TaskSpec[] = [
  { pid: 1, comm: 'init', init: true },
  { pid: 500, comm: 'app', uid: 1000, rssAnon: 100 },
  { pid: 501, comm: 'app-clone', uid: 1000, mm: 500 },
  { pid: 502, comm: 'other', uid: 1001 },
  { pid: 503, comm: 'vfork-child', uid: 1000, mm: 500, vfork: true },
];

describe('kstrtoint(strstrip(buf), 0) (lib/kstrtox.c, 6.6)', () => {
  it('strips whitespace, takes base 0 (0x hex, leading 0 octal), one trailing newline', () => {
    const ok: Array<[string, number]> = [[' 7 \n', 7], ['0x10', 16], ['0X1f', 31], ['010', 8], ['0', 0], ['-0x10', -16], ['+5', 5], ['-1000\n', -1000], ['2147483647', 2147483647]];
    for (const [s, v] of ok) expect(kstrtoint(strstrip(s))).toEqual({ value: v, err: 0 });
  });
  it('refuses what is not a number with -EINVAL, what overflows int with -ERANGE', () => {
    for (const s of ['', 'abc', '08', '0x', '1 2', '- 5', '5k', '1\n\n']) expect(kstrtoint(s).err).toBe(-EINVAL);
    for (const s of ['2147483648', '-2147483649', '99999999999999999999999']) expect(kstrtoint(s).err).toBe(-ERANGE);
  });
  it('strstrip takes every isspace character, any number of them, from both ends', () => {
    expect(strstrip('\t\v\f\r \n5 \v\n\r')).toBe('5');
    expect(strstrip('\v5\v')).toBe('5');
    expect(strstrip(' 1 2 ')).toBe('1 2');
  });
  it('_kstrtoull: one newline may end the digits, unstripped; int\'s bounds are both in range', () => {
    expect(kstrtoint('5\n')).toEqual({ value: 5, err: 0 });
    expect(kstrtoint('-2147483648')).toEqual({ value: -2147483648, err: 0 });
    expect(kstrtoint('\n').err).toBe(-EINVAL);
  });
  it('_parse_integer_fixup_radix: hex only after a leading "0x"; an "x" elsewhere ends the number', () => {
    expect(kstrtoint('1x5').err).toBe(-EINVAL);
    expect(kstrtoint('00x5').err).toBe(-EINVAL);
  });
  it('_kstrtoull: an overflow of unsigned long long is -ERANGE before trailing garbage is looked at; ULLONG_MAX itself is no overflow', () => {
    expect(kstrtoint('18446744073709551616x').err).toBe(-ERANGE);
    expect(kstrtoint('18446744073709551615x').err).toBe(-EINVAL);
    expect(kstrtoint('0x10000000000000000g').err).toBe(-ERANGE);
  });
});

describe('oom_score_adj and oom_adj writes (fs/proc/base.c 6.6)', () => {
  it('parses " 7 \\n" as 7, "0x10" as 16 and "010" as 8', () => {
    const { k, slots } = machine(APP);
    for (const [text, v] of [[' 7 \n', 7], ['0x10', 16], ['010', 8]] as const) {
      expect(oom_score_adj_write(k, slots[1], text)).toBe(0);
      expect(oom_score_adj_read(k, slots[1])).toBe(v);
    }
    expect(oom_adj_write(k, slots[1], '0xf\n')).toBe(0);
    expect(oom_score_adj_read(k, slots[1])).toBe(1000);
    expect(oom_score_adj_write(k, slots[1], '2147483648')).toBe(-ERANGE);
    expect(oom_score_adj_write(k, slots[1], '1001')).toBe(-EINVAL);
  });

  it('reads oom_adj clamped to 15 (since 5.10): oom_score_adj 942..999 read 15, not 16', () => {
    const { k, slots } = machine(APP);
    for (const [adj, read] of [[941, 15], [942, 15], [999, 15], [1000, 15], [882, 14], [-1000, -17]] as const) {
      expect(oom_score_adj_write(k, slots[1], String(adj))).toBe(0);
      expect(oom_adj_read(k, slots[1])).toBe(read);
    }
  });

  it('an unprivileged owner may raise oom_score_adj and lower it to oom_score_adj_min, not below: -EACCES', () => {
    const { k, slots } = machine(APP);
    const me = user(1000);
    expect(oom_score_adj_write(k, slots[1], '500', me)).toBe(0);
    expect(oom_score_adj_write(k, slots[1], '0', me)).toBe(0);
    expect(oom_score_adj_write(k, slots[1], '-1', me)).toBe(-EACCES);
    expect(oom_score_adj_read(k, slots[1])).toBe(0);
  });

  it('a privileged oom_score_adj write moves oom_score_adj_min; the owner cannot go below it afterwards', () => {
    const { k, tt, slots } = machine(APP);
    expect(oom_score_adj_write(k, slots[1], '300', ROOT)).toBe(0);
    expect(tt.get(slots[1], T_OOM_SCORE_ADJ_MIN)).toBe(300);
    expect(oom_score_adj_write(k, slots[1], '299', user(1000))).toBe(-EACCES);
    expect(oom_score_adj_write(k, slots[1], '600', user(1000))).toBe(0);
    expect(oom_score_adj_write(k, slots[1], '300', user(1000))).toBe(0);
    expect(oom_score_adj_write(k, slots[1], '-1000', ROOT)).toBe(0);
    expect(tt.get(slots[1], T_OOM_SCORE_ADJ_MIN)).toBe(-1000);
  });

  it('the legacy oom_adj may not be lowered below the current value without CAP_SYS_RESOURCE, and never moves the min', () => {
    const { k, tt, slots } = machine(APP);
    const me = user(1000);
    expect(oom_adj_write(k, slots[1], '5', me)).toBe(0);
    expect(oom_score_adj_read(k, slots[1])).toBe(294);
    expect(oom_adj_write(k, slots[1], '4', me)).toBe(-EACCES);
    expect(oom_adj_write(k, slots[1], '4', ROOT)).toBe(0);
    expect(tt.get(slots[1], T_OOM_SCORE_ADJ_MIN)).toBe(0);
  });

  it("another user's process: -EACCES without CAP_DAC_OVERRIDE (the file is its owner's, 0644)", () => {
    const { k, slots } = machine(APP);
    expect(oom_score_adj_write(k, slots[3], '100', user(1000))).toBe(-EACCES);
    expect(oom_score_adj_write(k, slots[3], '100', ROOT)).toBe(0);
  });

  it('propagates to every process sharing the mm, not to a vfork child or init; the min too when privileged', () => {
    const { k, tt, slots } = machine(APP);
    expect(oom_score_adj_write(k, slots[1], '-200', ROOT)).toBe(0);
    expect(slots.map((s) => oom_score_adj_read(k, s))).toEqual([0, -200, -200, 0, 0]);
    expect(tt.get(slots[2], T_OOM_SCORE_ADJ_MIN)).toBe(-200);
    expect(oom_adj_write(k, slots[2], '3', user(1000))).toBe(0);
    expect(oom_score_adj_read(k, slots[1])).toBe(176);
    // A vfork child wants its own value: no propagation from it.
    expect(oom_score_adj_write(k, slots[4], '700', ROOT)).toBe(0);
    expect(slots.map((s) => oom_score_adj_read(k, s))).toEqual([0, 176, 176, 0, 700]);
  });
});
