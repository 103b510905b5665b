import { describe, expect, it } from 'vitest';
import { MUTATING } from './mutating.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { ContiguousAllocator } from '../src/paging/contiguous.js';
import { compareFits } from '../src/paging/fits.js';
import { runStress } from '../src/lab/stress.js';
import { resolveScenarioParams } from '../src/lab/engine-params.js';
import { findScenario } from '../src/scenarios/index.js';

function allocator(size = 100) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  return new ContiguousAllocator(mem, ContiguousAllocator.create(arena, mem, 'c', size, 64), 0);
}

/** Holes of 10 @0..10, 30 @20..50, 20 @60..80, 5 @90..95, from a fresh 100-unit memory. */
function holes() {
  const a = allocator(100);
  a.alloc(100, 'first');
  a.free(0, 10);
  a.free(20, 30);
  a.free(60, 20);
  a.free(90, 5);
  return a;
}

describe('variable partitions', () => {
  it('first fit takes the first hole big enough, best the smallest, worst the largest', () => {
    expect(holes().alloc(15, 'first')).toBe(20);
    expect(holes().alloc(15, 'best')).toBe(60);
    expect(holes().alloc(4, 'worst')).toBe(20);
    expect(holes().alloc(4, 'best')).toBe(90);
    expect(holes().alloc(31, 'first')).toBe(-1);
  });

  it('next fit resumes after the last allocation instead of at the start', () => {
    const a = holes();
    expect(a.alloc(5, 'next')).toBe(0);
    expect(a.alloc(5, 'next')).toBe(5);
    expect(a.alloc(5, 'next')).toBe(20);
    expect(a.alloc(5, 'next')).toBe(25);
  });

  it('counts the holes searched: best and worst look at every hole', () => {
    const a = holes();
    a.alloc(15, 'first');
    expect(a.searched).toBe(2);
    a.alloc(1, 'best');
    expect(a.searched).toBe(4);
  });

  it('merges a released partition with both neighbours', () => {
    const a = allocator(30);
    const x = a.alloc(10, 'first');
    const y = a.alloc(10, 'first');
    const z = a.alloc(10, 'first');
    a.free(x, 10);
    a.free(z, 10);
    expect(a.holeCount()).toBe(2);
    expect(a.externalFragmentation()).toBeCloseTo(0.5);
    a.free(y, 10);
    expect(a.holeCount()).toBe(1);
    expect(a.holeSize(0)).toBe(30);
    expect(a.audit()).toEqual([]);
  });

  it('compaction slides partitions down, reports what moved, and leaves one hole', () => {
    const a = holes();
    const starts = Int32Array.of(50, 10, 80, 95);
    const sizes = Int32Array.of(10, 10, 10, 5);
    const moves: string[] = [];
    const moved = a.compactLocked(starts, sizes, 4, (i, from, to, size) => moves.push(`${i}:${from}->${to}/${size}`));
    expect(moves).toEqual(['1:10->0/10', '0:50->10/10', '2:80->20/10', '3:95->30/5']);
    expect(moved).toBe(35);
    expect(a.holeCount()).toBe(1);
    expect([a.holeStart(0), a.holeSize(0)]).toEqual([35, 65]);
  });

  it('on one stream, first and best fit refuse no more than worst fit (measured)', () => {
    const f = compareFits({ memoryUnits: 1024, unitBytes: 256, maxRequestBytes: 32 << 10, requests: 5000, seed: 7 });
    const by = Object.fromEntries(f.map((x) => [x.fit, x]));
    expect(by.first.refused).toBeLessThanOrEqual(by.worst.refused);
    expect(by.best.refused).toBeLessThanOrEqual(by.worst.refused);
    expect(by.worst.externalFragmentation).toBeGreaterThan(by.best.externalFragmentation);
  });
});

describe.skipIf(MUTATING)('contiguous scenario on real workers', () => {
  it('correct with compaction: every read finds its stamp, memory is one hole at the end', async () => {
    const r = await runStress({ scenario: 'contiguous', params: { procs: 2, fit: 'best', requests: 3000, compact: true, memory: '128K' }, stopOnForbidden: true });
    expect(r.verdict).toBe('pass');
    expect(r.perActor.reduce((t, a) => t + a.counters.compactions, 0)).toBeGreaterThan(0);
  });

  it('no-limit-check: an access past the limit reaches a neighbour', async () => {
    const r = await runStress({ scenario: 'contiguous', params: { procs: 2, requests: 100000, variant: 'no-limit-check', duration: '5s' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(r.outcomes.find((o) => o.outcome === 'missed-trap')?.count).toBeGreaterThan(0);
  });

  it('refuses an unknown fit and a memory that is not a multiple of the unit', () => {
    const s = findScenario('contiguous');
    expect(() => resolveScenarioParams(s, { fit: 'good' })).toThrow(/--fit: unknown value 'good'/);
    expect(() => resolveScenarioParams(s, { memory: '1000', unit: '256' })).toThrow(/--memory/);
  });
});
