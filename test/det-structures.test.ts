import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';

/**
 * Races in unit tests: each concurrent structure, two or three actors doing two or three
 * operations each, under the deterministic scheduler with a fixed seed. The correct code
 * passes every schedule tried; the broken variant (a plain read-modify-write, a missing
 * lock) fails within the same budget, so a missing atomic fails this file every time rather
 * than a stress run some of the time. Each budget was checked against hand-made mutants of
 * the correct code (docs/testing.md lists them).
 */
const dir = () => mkdtempSync(join(tmpdir(), 'memrace-det-structures-'));

interface Case {
  structure: string;
  scenario: string;
  params: Record<string, unknown>;
  broken: string;
  strategy: 'random' | 'pct';
  iterations: number;
}

const CASES: Case[] = [
  {
    structure: 'mbuf refcnt (rte_mbuf_refcnt_update on shared packets)',
    scenario: 'mbuf-refcnt',
    params: { lcores: 3, mbufs: 1, maxRefs: 3, cache: 0, ops: 2 },
    broken: 'plain-refcnt',
    strategy: 'random',
    iterations: 40,
  },
  {
    structure: 'pagesets and the buddy lists under the zone lock',
    scenario: 'page-alloc-stress',
    params: { nodes: 1, cpusPerNode: 3, mem: '8M', zones: 'DMA=8M', orders: '0-1', hold: 2, kswapd: false, touch: false, remote: 0, ops: 3 },
    broken: 'no-zone-lock',
    strategy: 'random',
    iterations: 30,
  },
  {
    structure: 'the buddy lists straight (orders above PAGE_ALLOC_COSTLY_ORDER: rmqueue_buddy, free_one_page), under the zone lock',
    scenario: 'page-alloc-stress',
    params: { nodes: 1, cpusPerNode: 3, mem: '8M', zones: 'DMA=8M', orders: '4-5', hold: 2, kswapd: false, touch: false, remote: 0, ops: 3 },
    broken: 'no-zone-lock',
    strategy: 'random',
    iterations: 20,
  },
  {
    structure: 'free_pcppages_bulk and rmqueue_bulk under the zone lock (--pcp off: high 0, every free is a bulk free)',
    scenario: 'page-alloc-stress',
    params: { nodes: 1, cpusPerNode: 3, mem: '8M', zones: 'DMA=8M', orders: '0-1', hold: 1, pcp: false, kswapd: false, touch: false, remote: 0, ops: 3 },
    broken: 'no-zone-lock',
    strategy: 'random',
    iterations: 15,
  },
  ...(['classic', 'v26'] as const).map((algo): Case => ({
    structure: `the mempool cache (${algo}: put and get through an lcore's cache, flushes and refills through ring_mp_mc)`,
    scenario: 'mempool-stress',
    params: { lcores: 3, cache: 4, bulk: 2, n: 24, cacheAlgo: algo, ops: 2 },
    broken: 'shared-lcore-id',
    strategy: 'random',
    iterations: 20,
  })),
];

describe('each concurrent structure under the deterministic scheduler: the correct code holds, a missing atomic fails', () => {
  for (const c of CASES) {
    it(`${c.structure}: ${c.scenario} correct passes ${c.iterations} schedules, ${c.broken} fails within them`, async () => {
      const { ops, ...params } = c.params;
      const run = (variant: string) =>
        explore({ scenario: c.scenario, params: { ...params, variant }, ops: ops as number, seed: 1, strategy: c.strategy, iterations: c.iterations, shrink: false, failuresDir: dir() });
      const ok = await run('correct');
      expect(ok.failure?.run.failure ?? null).toBeNull();
      expect(ok.iterations).toBe(c.iterations);
      const bad = await run(c.broken);
      expect(bad.failure?.run.failure?.kind).toBe('forbidden');
    });
  }
});
