import { describe, expect, it } from 'vitest';
import {
  PF_KTHREAD, TASK_COMM_LEN, TASK_WORDS, TF_ALIVE, TF_FORKING, TF_GEN_SHIFT, TF_INIT, TF_OOM_ORIGIN, TF_VFORK, T_COMM, T_FLAGS, T_GEN, T_MM_ID,
  T_OOM_SCORE_ADJ, T_PID, TaskTable,
} from '../src/kernel/task.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The task list in the image (the model's task_struct slots): fork into a free slot with a
 * compare-and-swap, each slot's words in its own 32-word stretch, comm cut to TASK_COMM_LEN
 * - 1 bytes as set_task_comm does, the slot's generation counted in its flags word, and the
 * checks that name what is wrong.
 */
function table(capacity = 4) {
  const arena = Arena.create(1 << 14);
  const mem = new AtomicsMem(arena.sab);
  return { mem, tt: TaskTable.create(arena, mem, capacity), arena };
}

describe('TaskTable', () => {
  it('spawns into the first free slot, flags from the spec, the mm its pid unless shared (a kernel thread none); finds by pid', () => {
    const { tt } = table();
    const init = tt.spawn({ pid: 1, comm: 'init', init: true });
    const kt = tt.spawn({ pid: 2, comm: 'kthreadd', kthread: true });
    const v = tt.spawn({ pid: 3, comm: 'child', vfork: true, origin: true, mm: 1 });
    expect([init, kt, v]).toEqual([0, 1, 2]);
    const bits = (s: number) => tt.get(s, T_FLAGS) & ((1 << TF_GEN_SHIFT) - 1);
    expect([bits(init), bits(kt), bits(v)]).toEqual([TF_ALIVE | TF_INIT, TF_ALIVE | PF_KTHREAD, TF_ALIVE | TF_VFORK | TF_OOM_ORIGIN]);
    expect([tt.get(init, T_MM_ID), tt.get(kt, T_MM_ID), tt.get(v, T_MM_ID)]).toEqual([1, 0, 1]);
    expect([tt.find(3), tt.find(4)]).toEqual([2, -1]);
    tt.set(v, T_FLAGS, 0);
    expect(tt.find(3)).toBe(-1);
    expect(tt.live()).toEqual([0, 1]);
    expect(tt.spawn({ pid: 5, comm: 'next' })).toBe(2);
  });

  it('counts the slot\'s generation in its flags word, so a slot reused is another process', () => {
    const { tt } = table(1);
    const s = tt.spawn({ pid: 10, comm: 'a' });
    const first = tt.gen(s);
    expect(first).toBe(1 << TF_GEN_SHIFT);
    tt.set(s, T_FLAGS, 0);
    tt.spawn({ pid: 11, comm: 'b' });
    expect(tt.gen(s)).toBe(2 << TF_GEN_SHIFT);
    // It wraps within its 15 bits.
    tt.set(s, T_FLAGS, 0);
    tt.set(s, T_GEN, 0x7fff);
    tt.spawn({ pid: 12, comm: 'c' });
    expect([tt.get(s, T_GEN), tt.gen(s)]).toEqual([0, 0]);
  });

  it('spawnAt: -1 for a slot taken, or being forked into (TF_FORKING), and the slot is left as it was', () => {
    const { tt } = table(2);
    tt.spawn({ pid: 10, comm: 'a' });
    expect(tt.spawnAt(0, { pid: 11, comm: 'b' })).toBe(-1);
    expect(tt.get(0, T_PID)).toBe(10);
    tt.set(1, T_FLAGS, TF_FORKING);
    expect(tt.spawnAt(1, { pid: 12, comm: 'c' })).toBe(-1);
    expect(tt.get(1, T_FLAGS)).toBe(TF_FORKING);
    expect(() => tt.spawn({ pid: 13, comm: 'd' })).toThrow('tasks: the task table is full (2 slots) (allowed: at most 2 tasks)');
  });

  it('refuses an oom_score_adj outside -1000..1000 and takes both ends', () => {
    const { tt } = table();
    expect(tt.get(tt.spawn({ pid: 1, comm: 'a', oomScoreAdj: -1000 }), T_OOM_SCORE_ADJ)).toBe(-1000);
    expect(tt.get(tt.spawn({ pid: 2, comm: 'b', oomScoreAdj: 1000 }), T_OOM_SCORE_ADJ)).toBe(1000);
    for (const adj of [-1001, 1001]) expect(() => tt.spawn({ pid: 3, comm: 'c', oomScoreAdj: adj })).toThrow(`oom_score_adj: ${adj} is out of range (allowed: -1000 to 1000)`);
    expect(tt.live()).toEqual([0, 1]);
  });

  it('comm: at most 15 bytes (set_task_comm), a longer name\'s tail cleared when the slot is reused; each slot in its own words', () => {
    const { tt, mem } = table(3);
    const a = tt.spawn({ pid: 1, comm: 'a-very-long-process-name' });
    expect(tt.comm(a)).toBe('a-very-long-pro');
    expect(tt.comm(a)).toHaveLength(TASK_COMM_LEN - 1);
    tt.set(a, T_FLAGS, 0);
    tt.spawn({ pid: 2, comm: 'sh' });
    expect(tt.comm(a)).toBe('sh');
    const b = tt.spawn({ pid: 3, comm: 'other' });
    expect(tt.w(b, 0) - tt.w(a, 0)).toBe(TASK_WORDS);
    expect(tt.w(a, T_COMM) - tt.w(a, 0)).toBe(T_COMM);
    expect(tt.comm(a)).toBe('sh');
    expect(TaskTable.bytes(3)).toBe(3 * TASK_WORDS * 4 + 64);
    expect(mem.load(tt.w(2, T_FLAGS))).toBe(0);
  });
});
