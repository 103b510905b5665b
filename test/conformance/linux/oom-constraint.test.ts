import { describe, expect, it } from 'vitest';
import { nodeBits, oom_cpuset_eligible } from '../../../src/kernel/oom_kill.js';
import { MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL, PageCounter } from '../../../src/kernel/page_counter.js';
import { TaskTable } from '../../../src/kernel/task.js';
import { C_CPUSET, C_MEMCG, C_MEMPOLICY, OomDomain } from '../../../src/scenarios/oom-domain.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * The pieces of a constrained OOM, as Linux 6.6 has them: mm/page_counter.c
 * page_counter_try_charge, mm/oom_kill.c oom_cpuset_eligible (with mm/mempolicy.c
 * mempolicy_in_oom_domain and kernel/cgroup/cpuset.c cpuset_mems_allowed_intersects) and
 * constrained_alloc's constraint and totalpages.
 */
function image() {
  const arena = Arena.create(1 << 16);
  return { arena, mem: new AtomicsMem(arena.sab) };
}

describe('page_counter_try_charge (mm/page_counter.c)', () => {
  it('adds, compares with max, and takes the pages back when over; uncharge gives them back', () => {
    const { arena, mem } = image();
    const pc = new PageCounter(mem, PageCounter.create(arena, mem, 10));
    expect(pc.try_charge(8)).toBe(true);
    expect(pc.try_charge(3)).toBe(false);
    expect(pc.usage()).toBe(8);
    expect(pc.try_charge(2)).toBe(true);
    expect(pc.usage()).toBe(10);
    pc.uncharge(10);
    expect(pc.usage()).toBe(0);
    pc.event(MEMCG_MAX);
    expect(pc.events()).toEqual({ max: 1, oom: 0, oom_kill: 0 });
  });

  it('keeps its words in its own region of the image: usage, max, failcnt (a charge refused), the three memory.events; the words around it untouched', () => {
    const { arena, mem } = image();
    const before = arena.allocWords('test.before', 16);
    const base = PageCounter.create(arena, mem, 4);
    const after = arena.allocWords('test.after', 16);
    expect(arena.region('memcg.page-counter')).toEqual({ offset: base * 4, bytes: 64 });
    for (let w = before; w < after + 16; w++) if (w < base || w >= base + 16) mem.store(w, 0x5a5a);
    const pc = new PageCounter(mem, base);
    expect(pc.try_charge(3)).toBe(true);
    expect(pc.try_charge(2)).toBe(false);
    expect(pc.try_charge(2)).toBe(false);
    pc.uncharge(1);
    for (const [e, n] of [[MEMCG_MAX, 1], [MEMCG_OOM, 2], [MEMCG_OOM_KILL, 3]]) for (let i = 0; i < n; i++) pc.event(e);
    // page_counter: usage 2, max 4, failcnt 2; then memory.events max 1, oom 2, oom_kill 3.
    expect(Array.from({ length: 6 }, (_, i) => mem.load(base + i))).toEqual([2, 4, 2, 1, 2, 3]);
    expect([pc.usage(), pc.max(), pc.events()]).toEqual([2, 4, { max: 1, oom: 2, oom_kill: 3 }]);
    for (let w = before; w < after + 16; w++) if (w < base || w >= base + 16) expect(mem.load(w), `word ${w}`).toBe(0x5a5a);
  });
});

describe('oom_cpuset_eligible (mm/oom_kill.c)', () => {
  const n0 = nodeBits([0]);
  const n1 = nodeBits([1]);
  const all = nodeBits([0, 1]);
  it('under a mempolicy nodemask: eligible unless MPOL_BIND to nodes all outside it (mempolicy_in_oom_domain)', () => {
    expect(oom_cpuset_eligible(n1, n0, all, all)).toBe(false);
    expect(oom_cpuset_eligible(n1, all, all, all)).toBe(true);
    expect(oom_cpuset_eligible(n1, n1, all, all)).toBe(true);
    // Not bound (MPOL_DEFAULT, INTERLEAVE, PREFERRED): always in the domain, whatever its cpuset.
    expect(oom_cpuset_eligible(n1, 0, n0, n1)).toBe(true);
  });
  it('without one: the task\'s cpuset mems must meet the allocating task\'s (cpuset_mems_allowed_intersects)', () => {
    expect(oom_cpuset_eligible(0, 0, n0, n1)).toBe(false);
    expect(oom_cpuset_eligible(0, 0, all, n1)).toBe(true);
    expect(oom_cpuset_eligible(0, n0, n1, n1)).toBe(true);
  });
});

describe('constrained_alloc (mm/oom_kill.c) for the worker scenarios', () => {
  function domain(constraint: number) {
    const { arena, mem } = image();
    const tt = TaskTable.create(arena, mem, 8);
    const ref = { constraint, memcg: constraint === C_MEMCG ? PageCounter.create(arena, mem, 1024) : -1, nodePages: [3000, 4096], swapPages: 100, totalramPages: 7040 };
    const d = new OomDomain(tt, mem, ref);
    const slots = [0, 1, 2, 3].map((idx) => tt.spawn({ pid: 100 + idx, comm: `memhog-${idx}`, ...d.placement(idx) }));
    return { d, slots };
  }
  const all = () => true;

  it('a memcg OOM: CONSTRAINT_MEMCG, totalpages memory.max, only the group\'s tasks (odd ones)', () => {
    const { d, slots } = domain(C_MEMCG);
    expect(d.control(slots[1], true, all, () => {})).toMatchObject({ constraint: 'CONSTRAINT_MEMCG', totalpages: 1024, memcg: '/ltp' });
    expect(slots.map((t) => d.eligible(slots[1], t, true))).toEqual([false, true, false, true]);
    // The page allocator failing for anyone is a global OOM over everyone.
    expect(d.control(slots[0], false, all, () => {})).toMatchObject({ constraint: 'CONSTRAINT_NONE', totalpages: 7140 });
    expect(slots.every((t) => d.eligible(slots[0], t, false))).toBe(true);
  });

  it('a cpuset of node 1: CONSTRAINT_CPUSET, totalpages node 1 plus swap, tasks whose mems meet node 1', () => {
    const { d, slots } = domain(C_CPUSET);
    expect(d.control(slots[3], false, all, () => {})).toMatchObject({ constraint: 'CONSTRAINT_CPUSET', totalpages: 4196, cpuset: 'ltp', mems_allowed: [1] });
    expect(slots.map((t) => d.eligible(slots[3], t, false))).toEqual([false, true, false, true]);
  });

  it('MPOL_BIND node 1: CONSTRAINT_MEMORY_POLICY, nodemask=1, tasks bound to node 0 spared', () => {
    const { d, slots } = domain(C_MEMPOLICY);
    expect(d.control(slots[1], false, all, () => {})).toMatchObject({ constraint: 'CONSTRAINT_MEMORY_POLICY', totalpages: 4196, nodemask: [1] });
    expect(slots.map((t) => d.eligible(slots[1], t, false))).toEqual([false, true, false, true]);
    expect(slots.map((t) => d.eligible(slots[0], t, false))).toEqual([true, false, true, false]);
  });
});
