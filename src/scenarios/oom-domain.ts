import { __GFP_THISNODE, GFP_HIGHUSER_MOVABLE } from '../kernel/gfp.js';
import { type BadnessObserver, type OomControl, oom_cpuset_eligible } from '../kernel/oom_kill.js';
import { PageCounter } from '../kernel/page_counter.js';
import { T_MEMCG, T_MEMS_ALLOWED, T_MPOL_BIND, type TaskSpec, type TaskTable } from '../kernel/task.js';
import type { Mem } from '../shm/mem.js';

/**
 * The constrained OOMs of the oom-memcg, oom-cpuset and oom-mempolicy scenarios, on a
 * two-node machine. Odd processes (LTP's child) are inside the constraint: in the memory
 * cgroup /ltp (memory.max), in the cpuset /ltp with mems 1, or bound (MPOL_BIND) to node 1.
 * Even ones are outside: in the root cgroup, in the cpuset /other with mems 0, or bound to
 * node 0. What a task is placed in lives in its task slot (T_MEMCG, T_MEMS_ALLOWED,
 * T_MPOL_BIND), where the killer's eligibility test reads it.
 */
export const C_NONE = 0;
export const C_MEMCG = 1;
export const C_CPUSET = 2;
export const C_MEMPOLICY = 3;
export const CONSTRAINT_NAMES = ['none', 'memcg', 'cpuset', 'mempolicy'] as const;

/** The memory cgroup id of /ltp (0 is the root). */
const LTP_MEMCG = 1;

/** Odd processes are inside the constraint; inside is node 1, outside node 0. */
export function inside(idx: number): boolean {
  return idx % 2 === 1;
}

export interface DomainRef {
  constraint: number;
  /** The page counter of /ltp (C_MEMCG), else -1. */
  memcg: number;
  /** node_present_pages of each node. */
  nodePages: number[];
  swapPages: number;
  /** totalram_pages: what a CONSTRAINT_NONE OOM counts, with swap. */
  totalramPages: number;
}

export class OomDomain {
  readonly counter: PageCounter | null;

  constructor(
    private readonly tasks: TaskTable,
    mem: Mem,
    readonly ref: DomainRef,
  ) {
    this.counter = ref.memcg >= 0 ? new PageCounter(mem, ref.memcg) : null;
  }

  /** What the process of CPU `idx` is placed in at fork. */
  placement(idx: number): Pick<TaskSpec, 'memcg' | 'memsAllowed' | 'mpolBind'> {
    const node = 1 << (inside(idx) ? 1 : 0);
    if (this.ref.constraint === C_MEMCG) return { memcg: inside(idx) ? LTP_MEMCG : 0 };
    if (this.ref.constraint === C_CPUSET) return { memsAllowed: node };
    if (this.ref.constraint === C_MEMPOLICY) return { mpolBind: node };
    return {};
  }

  /**
   * The node the process of CPU `idx` allocates from, or -1 for its CPU's node with fallback
   * to the others. A cpuset or MPOL_BIND of one node is that node's zones only, which the
   * allocator walks as it does for __GFP_THISNODE (see gfp()).
   */
  node(idx: number): number {
    return this.ref.constraint === C_CPUSET || this.ref.constraint === C_MEMPOLICY ? (inside(idx) ? 1 : 0) : -1;
  }

  gfp(idx: number): number {
    return this.node(idx) >= 0 ? GFP_HIGHUSER_MOVABLE | __GFP_THISNODE : GFP_HIGHUSER_MOVABLE;
  }

  /** Does task `slot` charge its pages to a memory cgroup with a limit? */
  charges(slot: number): boolean {
    return this.counter !== null && this.tasks.get(slot, T_MEMCG) !== 0;
  }

  /**
   * May task `t` be chosen for the OOM `cur` ran into: in cur's memory cgroup (a memcg OOM:
   * mem_cgroup_scan_tasks walks only the group), else oom_cpuset_eligible with cur's
   * mempolicy nodemask (MPOL_BIND) or, without one, cur's cpuset mems.
   */
  eligible(cur: number, t: number, memcg: boolean): boolean {
    const tt = this.tasks;
    if (memcg) return tt.get(t, T_MEMCG) === tt.get(cur, T_MEMCG);
    const all = (1 << this.ref.nodePages.length) - 1;
    // A bind to every node is no nodemask (constrained_alloc clears it outside CONSTRAINT_MEMORY_POLICY).
    const bind = tt.get(cur, T_MPOL_BIND);
    return oom_cpuset_eligible(bind === all ? 0 : bind, tt.get(t, T_MPOL_BIND), tt.get(t, T_MEMS_ALLOWED) || all, tt.get(cur, T_MEMS_ALLOWED) || all);
  }

  /** Swap plus the present pages of the nodes in `mask`. */
  private pagesOf(mask: number): number {
    let n = this.ref.swapPages;
    for (let nid = 0; nid < this.ref.nodePages.length; nid++) if (mask & (1 << nid)) n += this.ref.nodePages[nid];
    return n;
  }

  /**
   * constrained_alloc for a failure of `cur`: the charge to its memory cgroup (CONSTRAINT_MEMCG,
   * totalpages memory.max), or the page allocator under an MPOL_BIND nodemask short of every
   * node (CONSTRAINT_MEMORY_POLICY) or a cpuset short of every node (CONSTRAINT_CPUSET),
   * totalpages the allowed nodes' pages plus swap; else CONSTRAINT_NONE over RAM and swap.
   * `eligible` is what select_bad_process must use; the broken variant leaves it out.
   */
  control(cur: number, memcg: boolean, eligible: (t: number) => boolean, evaluated: BadnessObserver): OomControl {
    const tt = this.tasks;
    const all = (1 << this.ref.nodePages.length) - 1;
    const bind = tt.get(cur, T_MPOL_BIND);
    const mems = tt.get(cur, T_MEMS_ALLOWED) || all;
    const base = { current: cur, order: 0, gfp_mask: GFP_HIGHUSER_MOVABLE, evaluated, eligible, mems_allowed: nodesOf(mems) };
    if (memcg) return { ...base, constraint: 'CONSTRAINT_MEMCG', totalpages: Math.max(1, this.counter!.max()), memcg: '/ltp', cpuset: '' };
    if (bind && bind !== all) return { ...base, constraint: 'CONSTRAINT_MEMORY_POLICY', totalpages: this.pagesOf(bind), nodemask: nodesOf(bind), cpuset: '' };
    if (mems !== all) return { ...base, constraint: 'CONSTRAINT_CPUSET', totalpages: this.pagesOf(mems), cpuset: mems === 2 ? 'ltp' : 'other' };
    return { ...base, constraint: 'CONSTRAINT_NONE', totalpages: this.ref.totalramPages + this.ref.swapPages, cpuset: '' };
  }
}

function nodesOf(mask: number): number[] {
  const out: number[] = [];
  for (let n = 0; mask >> n; n++) if (mask & (1 << n)) out.push(n);
  return out;
}
