import type { OomConstraint } from './oom_kill.js';

/**
 * Where a user page comes from on a NUMA machine (mm/mempolicy.c and the cpuset hardwall,
 * Linux 6.6), for the shell's userland: free pages per node, a memory policy per task
 * (MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_PREFERRED) and the cpuset's mems. When no
 * allowed node has a page above its min watermark, constrained_alloc names the OOM:
 * a bind nodemask short of every node is CONSTRAINT_MEMORY_POLICY, a cpuset short of every
 * node CONSTRAINT_CPUSET, else CONSTRAINT_NONE; totalpages is swap plus the constraining
 * nodes' pages.
 */
export type MpolMode = 'default' | 'bind' | 'interleave' | 'preferred';

export interface Mempolicy {
  mode: MpolMode;
  nodes: readonly number[];
}

export const MPOL_DEFAULT: Mempolicy = { mode: 'default', nodes: [] };

export interface Placement {
  /** Nodes to take pages from, in order (interleave: all of them, round-robin). */
  order: number[];
  interleave: boolean;
  constraint: OomConstraint;
  /** The nodemask a MEMORY_POLICY OOM carries (the bind nodes), or null. */
  nodemask: readonly number[] | null;
  /** The nodes of the constraint (all nodes for CONSTRAINT_NONE). */
  domain: readonly number[];
}

export class NodeMemory {
  readonly free: number[];
  readonly present: number[];
  /** Pages each mm holds on each node. */
  private readonly held = new Map<number, number[]>();

  constructor(totalPages: number, readonly nodes: number) {
    this.present = Array.from({ length: nodes }, (_, n) => Math.floor(totalPages / nodes) + (n < totalPages % nodes ? 1 : 0));
    this.free = [...this.present];
  }

  get all(): number[] {
    return Array.from({ length: this.nodes }, (_, n) => n);
  }

  totalFree(): number {
    return this.free.reduce((s, f) => s + f, 0);
  }

  /** A node's share of the min watermark (setup_per_zone_wmarks spreads it by managed pages). */
  minOf(node: number, minPages: number): number {
    return Math.floor((minPages * this.present[node]) / this.present.reduce((s, p) => s + p, 0));
  }

  /**
   * The allocation's nodes and, should it fail, the OOM's constraint: the cpuset's mems
   * (null: every node) and the task's policy. The task's local node is the first allowed.
   */
  placement(pol: Mempolicy, mems: readonly number[] | null): Placement {
    const cpuset = mems ?? this.all;
    const bind = pol.mode === 'bind' ? pol.nodes.filter((n) => cpuset.includes(n)) : null;
    const allowed = bind ?? cpuset;
    let order = [...allowed];
    // Stryker disable next-line ConditionalExpression: a bind's allowed nodes are its own nodes in its order and the default policy's nodemask is empty, so putting the policy's first node first changes no other mode's order (equivalent)
    if (pol.mode === 'preferred' && allowed.includes(pol.nodes[0])) order = [pol.nodes[0], ...allowed.filter((n) => n !== pol.nodes[0])];
    const interleave = pol.mode === 'interleave';
    // Stryker disable next-line ConditionalExpression: as above, the policy's nodes first is every other mode's order already (equivalent)
    if (interleave) order = pol.nodes.filter((n) => allowed.includes(n)).concat(allowed.filter((n) => !pol.nodes.includes(n)));
    if (bind && bind.length < this.nodes) return { order, interleave, constraint: 'CONSTRAINT_MEMORY_POLICY', nodemask: bind, domain: bind };
    if (cpuset.length < this.nodes) return { order, interleave, constraint: 'CONSTRAINT_CPUSET', nodemask: null, domain: cpuset };
    return { order, interleave, constraint: 'CONSTRAINT_NONE', nodemask: null, domain: this.all };
  }

  /** Take up to `want` pages for `mm` from the placement's nodes above their min; returns how many. */
  take(mm: number, p: Placement, want: number, minPages: number): number {
    const held = this.held.get(mm) ?? new Array<number>(this.nodes).fill(0);
    this.held.set(mm, held);
    let got = 0;
    if (p.interleave) {
      // One page per node in turn while any node of the policy has room.
      // Stryker disable next-line EqualityOperator: a round once got === want takes nothing (each node is skipped) and ends the loop (equivalent)
      while (got < want) {
        let took = false;
        for (const n of p.order) {
          if (got === want || this.free[n] <= this.minOf(n, minPages)) continue;
          this.free[n]--;
          held[n]++;
          got++;
          took = true;
        }
        if (!took) break;
      }
      return got;
    }
    for (const n of p.order) {
      const k = Math.min(want - got, this.free[n] - this.minOf(n, minPages));
      // Stryker disable next-line EqualityOperator: taking k = 0 pages changes nothing (equivalent)
      if (k <= 0) continue;
      this.free[n] -= k;
      held[n] += k;
      got += k;
    }
    return got;
  }

  /** Pages the boot-time tasks already hold: from node 0 up. */
  preload(mm: number, pages: number): void {
    const held = this.held.get(mm) ?? new Array<number>(this.nodes).fill(0);
    this.held.set(mm, held);
    for (let n = 0; n < this.nodes; n++) {
      const k = Math.min(pages, this.free[n]);
      this.free[n] -= k;
      held[n] += k;
      pages -= k;
    }
  }

  /** exit_mmap: every page of the mm back to its node. */
  release(mm: number): void {
    const held = this.held.get(mm);
    if (!held) return;
    held.forEach((k, n) => (this.free[n] += k));
    this.held.delete(mm);
  }
}
