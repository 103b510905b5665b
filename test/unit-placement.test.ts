import { describe, expect, it } from 'vitest';
import { MPOL_DEFAULT, NodeMemory } from '../src/kernel/placement.js';

/**
 * Where the shell's user pages come from on a NUMA machine (mm/mempolicy.c, the cpuset
 * hardwall and constrained_alloc, Linux 6.6): each policy's node order and the OOM
 * constraint it would name, pages taken above each node's share of the min watermark,
 * round-robin for interleave, and every page back on exit.
 */
describe('NodeMemory', () => {
  it('MPOL_DEFAULT is the default mode with an empty nodemask (a task with no set_mempolicy)', () => {
    expect(MPOL_DEFAULT).toEqual({ mode: 'default', nodes: [] });
  });

  it('splits RAM evenly, the remainder to the first nodes; each node\'s share of min by its pages', () => {
    const m = new NodeMemory(10, 3);
    expect(m.present).toEqual([4, 3, 3]);
    expect(m.free).toEqual([4, 3, 3]);
    expect(m.all).toEqual([0, 1, 2]);
    expect(m.totalFree()).toBe(10);
    expect([0, 1, 2].map((n) => m.minOf(n, 5))).toEqual([2, 1, 1]);
  });

  it('placement: default over the cpuset\'s nodes; bind narrowed to the cpuset; preferred first; interleave its nodes first; and the constraint each names', () => {
    const m = new NodeMemory(400, 4);
    expect(m.placement(MPOL_DEFAULT, null)).toEqual({ order: [0, 1, 2, 3], interleave: false, constraint: 'CONSTRAINT_NONE', nodemask: null, domain: [0, 1, 2, 3] });
    expect(m.placement(MPOL_DEFAULT, [1, 3])).toEqual({ order: [1, 3], interleave: false, constraint: 'CONSTRAINT_CPUSET', nodemask: null, domain: [1, 3] });
    expect(m.placement(MPOL_DEFAULT, [0, 1, 2, 3])).toMatchObject({ constraint: 'CONSTRAINT_NONE' });
    expect(m.placement({ mode: 'bind', nodes: [1, 2] }, null)).toEqual({ order: [1, 2], interleave: false, constraint: 'CONSTRAINT_MEMORY_POLICY', nodemask: [1, 2], domain: [1, 2] });
    // A bind is taken within the cpuset: the nodes outside it are gone from the mask.
    expect(m.placement({ mode: 'bind', nodes: [1, 2] }, [2, 3])).toMatchObject({ order: [2], constraint: 'CONSTRAINT_MEMORY_POLICY', nodemask: [2] });
    // Bound to every node: no narrower than the machine, so no mempolicy constraint.
    expect(m.placement({ mode: 'bind', nodes: [0, 1, 2, 3] }, null)).toMatchObject({ constraint: 'CONSTRAINT_NONE', nodemask: null });
    expect(m.placement({ mode: 'bind', nodes: [0, 1, 2, 3] }, [0])).toMatchObject({ order: [0], constraint: 'CONSTRAINT_MEMORY_POLICY', nodemask: [0] });
    expect(m.placement({ mode: 'preferred', nodes: [2] }, null)).toMatchObject({ order: [2, 0, 1, 3], constraint: 'CONSTRAINT_NONE' });
    // A preferred node outside the cpuset is no preference.
    expect(m.placement({ mode: 'preferred', nodes: [2] }, [0, 1])).toMatchObject({ order: [0, 1], constraint: 'CONSTRAINT_CPUSET' });
    expect(m.placement({ mode: 'interleave', nodes: [3, 1] }, null)).toMatchObject({ order: [3, 1, 0, 2], interleave: true, constraint: 'CONSTRAINT_NONE' });
    expect(m.placement({ mode: 'interleave', nodes: [3, 1] }, [0, 1])).toMatchObject({ order: [1, 0], interleave: true, constraint: 'CONSTRAINT_CPUSET' });
  });

  it('take: node by node in order, never below a node\'s min share; what could not be had is not taken', () => {
    const m = new NodeMemory(40, 2);
    const p = m.placement(MPOL_DEFAULT, null);
    // min 4 pages: 2 a node.
    expect(m.take(7, p, 15, 4)).toBe(15);
    expect(m.free).toEqual([5, 20]);
    expect(m.take(7, p, 30, 4)).toBe(21);
    expect(m.free).toEqual([2, 2]);
    expect(m.take(7, p, 1, 4)).toBe(0);
    m.release(7);
    expect(m.free).toEqual([20, 20]);
    m.release(7);
    expect(m.free).toEqual([20, 20]);
  });

  it('take: the rest of a request from the next node, only what is still wanted; a node already below its min share gives nothing back', () => {
    const m = new NodeMemory(40, 2);
    const p = m.placement(MPOL_DEFAULT, null);
    expect(m.take(1, p, 25, 0)).toBe(25);
    expect(m.free).toEqual([0, 15]);
    m.free[0] = 1;
    // min 4 pages: 2 a node, so node 0 (1 free) is 1 below its share.
    expect(m.take(1, p, 5, 4)).toBe(5);
    expect(m.free).toEqual([1, 10]);
  });

  it('take with interleave: one page a node in turn, skipping a node at its min, until the request or every node is done', () => {
    const m = new NodeMemory(30, 3);
    const p = m.placement({ mode: 'interleave', nodes: [0, 1, 2] }, null);
    expect(m.take(1, p, 5, 0)).toBe(5);
    expect(m.free).toEqual([8, 8, 9]);
    m.free[1] = 0;
    expect(m.take(1, p, 4, 0)).toBe(4);
    expect(m.free).toEqual([6, 0, 7]);
    // min 3 pages: 1 a node.
    expect(m.take(1, p, 100, 3)).toBe(11);
    expect(m.free).toEqual([1, 0, 1]);
    // Node 1's two pages come back too (its free count was set by hand).
    m.release(1);
    expect(m.free).toEqual([10, 2, 10]);
  });

  it('preload: the boot tasks\' pages from node 0 up, spilling over; released per node', () => {
    const m = new NodeMemory(20, 2);
    m.preload(5, 13);
    expect(m.free).toEqual([0, 7]);
    m.preload(6, 2);
    expect(m.free).toEqual([0, 5]);
    m.release(5);
    expect(m.free).toEqual([10, 8]);
  });

  it('preload: more than RAM takes every page and stops at the last node', () => {
    const m = new NodeMemory(20, 2);
    m.preload(5, 25);
    expect(m.free).toEqual([0, 0]);
    m.release(5);
    expect(m.free).toEqual([10, 10]);
  });
});
