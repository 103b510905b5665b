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
    // check: 'none' explicitly: explore otherwise records the check the variant names (VariantSpec.check).
    const blind = await explore({ scenario: 'ring-stress', params: { ...tiny, variant: 'reorder' }, strategy: 'pct', iterations: 30, check: 'none', failuresDir: dir() });
    expect(blind.failure).toBeNull();
    const r = await explore({ scenario: 'ring-stress', params: { ...tiny, variant: 'reorder' }, strategy: 'pct', iterations: 30, check: 'linearizable', failuresDir: dir() });
    const oracle = r.failure?.run.oracles.find((o) => o.name === 'linearizable');
    expect(oracle?.violations[0].message).toMatch(/^not linearizable \(rte_ring FIFO of capacity 7/);
    expect(oracle?.violations[0].message).toMatch(/(\d+) went in before (\d+) and came out after it\n.*\n  out: a\d dequeue_bulk\(2\) -> \[\2 \1\]  \[\d+, \d+\]: \2 ahead of \1 in one call/);
    const file = r.failure!.file;
    expect(JSON.parse(readFileSync(file, 'utf8')).check).toBe('linearizable');
    const again = await replay('ring-stress', file);
    expect(again.reproduced).toBe(true);
  });

  it('reorder is caught 10 times out of 10 (ten seeds, 20 schedules each)', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = await explore({ scenario: 'ring-stress', params: { ...tiny, variant: 'reorder' }, strategy: 'pct', seed, iterations: 20, shrink: false, check: 'linearizable', failuresDir: dir() });
      if (r.failure?.run.oracles.some((o) => o.name === 'linearizable' && /went in before \d+ and came out after it/.test(o.violations[0]?.message ?? ''))) caught++;
    }
    expect(caught).toBe(10);
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
    expect(bad.oracles.find((o) => o.name === 'linearizable')?.violations[0].message).toMatch(/FIFO: (the oldest|objects come out in the order they went in)/);
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
    // 700 schedules: ~20 s on 2 quiet cores, past 60 s at a load average of 25.
  }, 180_000);

  it('the correct ring stays clean under tso and relaxed', async () => {
    for (const memory of ['tso', 'relaxed'] as const) {
      const r = await explore({ scenario: 'ring-stress', params: { ...tiny, seed: 4 }, strategy: 'pct', iterations: 60, memory, failuresDir: dir() });
      expect(r.failure).toBeNull();
    }
  });
});

describe('peterson --memory: the store-buffering litmus test', () => {
  it('plain-stores is right under sc and loses an update under tso and under relaxed; the correct lock stays clean in both', async () => {
    // memory: 'sc' explicitly: the variant's explore settings otherwise choose tso.
    const sc = await explore({ scenario: 'peterson', params: { variant: 'plain-stores' }, strategy: 'pct', iterations: 200, memory: 'sc', failuresDir: dir() });
    expect(sc.failure).toBeNull();
    for (const memory of ['tso', 'relaxed'] as const) {
      const bad = await explore({ scenario: 'peterson', params: { variant: 'plain-stores' }, strategy: 'pct', iterations: 200, memory, failuresDir: dir() });
      expect(bad.failure?.run.oracles.find((o) => o.name === 'mutual exclusion')?.violations[0].message).toMatch(/both actors were inside at once/);
      const ok = await explore({ scenario: 'peterson', params: {}, strategy: 'pct', iterations: 200, memory, failuresDir: dir() });
      expect(ok.failure).toBeNull();
    }
  });
});

it('mempool-stress --check linearizable: the pool is a bag, checked object by object', async () => {
  const r = await runStress({ scenario: 'mempool-stress', params: { duration: 300 }, check: 'linearizable' });
  expect(r.verdict).toBe('pass');
  expect(r.notes.join('\n')).toMatch(/history: \d+ operations in \d+ independent groups linearizable against rte_mempool as a set of objects/);
});

describe('mempool-stress flush-first: a legacy cache put that flushes before it copies', () => {
  // The variant's own settings (VariantSpec.defaults and .explore) make every half put back into a refilled cache flush.
  const pattern = { cacheAlgo: 'legacy', cache: 3, bulk: 2, putBack: 'halves', flushEvery: 1, debug: false };
  const handedTwice = (r: { oracles: { name: string; violations: { message: string }[] }[] }) =>
    /^not linearizable \(rte_mempool as a set of objects[^]*: object \d+ is already out: handed out twice/.test(r.oracles.find((o) => o.name === 'linearizable')?.violations[0]?.message ?? '');

  it('passes every end-state oracle; only the history check sees the object handed to two lcores', async () => {
    const blind = await explore({ scenario: 'mempool-stress', params: { variant: 'flush-first' }, strategy: 'pct', iterations: 200, check: 'none', failuresDir: dir() });
    expect(blind.failure).toBeNull();
    const r = await runStress({ scenario: 'mempool-stress', params: { variant: 'flush-first', duration: 500 } });
    expect(r.oracles.filter((o) => o.name !== 'linearizable').flatMap((o) => o.violations)).toEqual([]);
    expect(r.outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0)).toEqual([]);
    expect(handedTwice(r)).toBe(true);
  });

  it('is caught 10 times out of 10 (ten seeds, 400 schedules at most each)', async () => {
    let caught = 0;
    for (let seed = 1; seed <= 10; seed++) {
      const r = await explore({ scenario: 'mempool-stress', params: { variant: 'flush-first' }, strategy: 'pct', seed, iterations: 400, shrink: false, failuresDir: dir() });
      if (r.failure && handedTwice(r.failure.run)) caught++;
    }
    expect(caught).toBe(10);
  });

  it('the correct legacy cache with the same pattern passes the history check', async () => {
    const r = await runStress({ scenario: 'mempool-stress', params: { ...pattern, n: 16, duration: 300 }, check: 'linearizable' });
    expect(r.verdict).toBe('pass');
    const e = await explore({ scenario: 'mempool-stress', params: { ...pattern, lcores: 2, n: 5, eltSize: 4 }, strategy: 'pct', iterations: 200, check: 'linearizable', failuresDir: dir() });
    expect(e.failure).toBeNull();
  });
});

it('page-alloc-stress --check linearizable: frames are a set, checked one frame at a time', async () => {
  const r = await runStress({ scenario: 'page-alloc-stress', params: { duration: 300 }, check: 'linearizable' });
  expect(r.verdict).toBe('pass');
  expect(r.notes.join('\n')).toMatch(/history: \d+ operations in \d+ independent groups linearizable against the page allocator as a set of frames/);
});

describe('method-cache --check linearizable: a call runs what a lookup finds at some instant during it', () => {
  it('the correct caches pass, in a stress run and under the scheduler', async () => {
    const r = await runStress({ scenario: 'method-cache', params: { duration: 300 }, check: 'linearizable' });
    expect(r.verdict).toBe('pass');
    expect(r.notes.join('\n')).toMatch(/history: \d+ operations in \d+ independent groups linearizable against method lookup/);
    const e = await explore({ scenario: 'method-cache', params: { seed: 3 }, strategy: 'pct', iterations: 8, check: 'linearizable', failuresDir: dir() });
    expect(e.failure).toBeNull();
  });

  it('include-no-invalidate is caught: a call after the include returned runs the body it shadows', async () => {
    const r = await runStress({ scenario: 'method-cache', params: { duration: 1000, variant: 'include-no-invalidate' }, check: 'linearizable' });
    const msg = r.oracles.find((o) => o.name === 'linearizable')?.violations[0]?.message ?? '';
    expect(msg).toMatch(/^not linearizable \(method lookup/);
    expect(msg).toMatch(/a\d redefine: \S+ from .* to .*  \[\d+, \d+\]/);
    expect(msg).toMatch(/a\d call \S+ -> .*: a lookup now finds .*, so the call runs .*, not /);
  });
});
