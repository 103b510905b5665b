import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';
import { replay } from '../src/lab/det/replay.js';
import { runStress } from '../src/lab/stress.js';

const tiny = { count: 8, bulk: 2, ops: 4 };
const dir = () => mkdtempSync(join(tmpdir(), 'memrace-hist-'));

describe('ring-stress --check linearizable', () => {
  it('the reorder variant passes every end-state oracle and only the history check catches it', async () => {
    const blind = await explore({ scenario: 'ring-stress', params: { ...tiny, variant: 'reorder' }, strategy: 'pct', iterations: 30, failuresDir: dir() });
    expect(blind.failure).toBeNull();
    const r = await explore({ scenario: 'ring-stress', params: { ...tiny, variant: 'reorder' }, strategy: 'pct', iterations: 30, check: 'linearizable', failuresDir: dir() });
    const oracle = r.failure?.run.oracles.find((o) => o.name === 'linearizable');
    expect(oracle?.violations[0].message).toMatch(/^not linearizable \(rte_ring FIFO of capacity 7/);
    expect(oracle?.violations[0].message).toMatch(/dequeue_bulk\(2\) -> \[(\d+) (\d+)\]  \[\d+, \d+\]: FIFO: the oldest 2 are \[\2 \1\], not \[\1 \2\]/);
    const file = r.failure!.file;
    expect(JSON.parse(readFileSync(file, 'utf8')).check).toBe('linearizable');
    const again = await replay('ring-stress', file);
    expect(again.reproduced).toBe(true);
  });

  it('the correct ring passes the history check under the scheduler', async () => {
    const r = await explore({ scenario: 'ring-stress', params: { ...tiny, seed: 5 }, strategy: 'pct', iterations: 80, check: 'linearizable', failuresDir: dir() });
    expect(r.failure).toBeNull();
    expect(r.iterations).toBe(80);
  });

  it('a stress run records and checks its history: correct passes, reorder is caught', async () => {
    const params = { count: 16, bulk: 4, duration: 300 };
    const ok = await runStress({ scenario: 'ring-stress', params, check: 'linearizable' });
    expect(ok.verdict).toBe('pass');
    expect(ok.notes.join('\n')).toMatch(/history: \d+ operations linearizable against rte_ring FIFO of capacity 15/);
    const bad = await runStress({ scenario: 'ring-stress', params: { ...params, variant: 'reorder' }, check: 'linearizable' });
    expect(bad.oracles.find((o) => o.name === 'exactly-once')?.violations).toEqual([]);
    expect(bad.oracles.find((o) => o.name === 'linearizable')?.violations[0].message).toMatch(/FIFO: the oldest/);
    expect(bad.verdict).toBe('fail');
  });
});

describe('ring-stress --memory', () => {
  const plainTail = { ...tiny, prod: 'SP', cons: 'SC', workers: 2, variant: 'plain-tail', seed: 5 };

  it('plain-tail is right under sc and tso and torn under relaxed, and the replay drains the same way', async () => {
    for (const memory of ['sc', 'tso'] as const) {
      const r = await explore({ scenario: 'ring-stress', params: plainTail, strategy: 'pct', iterations: 300, memory, failuresDir: dir() });
      expect(r.failure).toBeNull();
    }
    const r = await explore({ scenario: 'ring-stress', params: plainTail, strategy: 'pct', iterations: 300, memory: 'relaxed', failuresDir: dir() });
    expect(r.failure?.run.failure?.kind).toBe('forbidden');
    expect(JSON.parse(readFileSync(r.failure!.file, 'utf8')).memory).toBe('relaxed');
    const again = await replay('ring-stress', r.failure!.file);
    expect(again.reproduced).toBe(true);
    // The store that publishes the tail reaches memory before a slot it publishes.
    const flushes = again.trace.filter((e) => e.access === 'flush').map((e) => e.name);
    expect(flushes.some((n, k) => n === 'ring.prod.tail' && flushes.slice(k + 1).some((m) => m.startsWith('ring.slot[')))).toBe(true);
  });

  it('the correct ring stays clean under tso and relaxed', async () => {
    for (const memory of ['tso', 'relaxed'] as const) {
      const r = await explore({ scenario: 'ring-stress', params: { ...tiny, seed: 4 }, strategy: 'pct', iterations: 60, memory, failuresDir: dir() });
      expect(r.failure).toBeNull();
    }
  });
});

it('mempool-stress --check linearizable: the pool is a bag, checked object by object', async () => {
  const r = await runStress({ scenario: 'mempool-stress', params: { duration: 300 }, check: 'linearizable' });
  expect(r.verdict).toBe('pass');
  expect(r.notes.join('\n')).toMatch(/history: \d+ operations in \d+ independent groups linearizable against rte_mempool as a set of objects/);
});

it('page-alloc-stress --check linearizable: frames are a set, checked one frame at a time', async () => {
  const r = await runStress({ scenario: 'page-alloc-stress', params: { duration: 300 }, check: 'linearizable' });
  expect(r.verdict).toBe('pass');
  expect(r.notes.join('\n')).toMatch(/history: \d+ operations in \d+ independent groups linearizable against the page allocator as a set of frames/);
});
