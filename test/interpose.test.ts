import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATING } from './mutating.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { interposer } from '../src/lab/det/interpose.js';
import { explore } from '../src/lab/det/explore.js';
import { runScheduled } from '../src/lab/det/engine.js';
import { opBudgetOf, replayPlan } from '../src/lab/det/schedule.js';
import { differenceOf } from '../src/lab/det/replay.js';
import { actorPool } from '../src/runtime/actors.js';

const rawLock = resolve('test/fixtures/user/raw-lock.scenario.mjs');
const dir = () => mkdtempSync(join(tmpdir(), 'memrace-interpose-'));

describe('the Atomics interposer', () => {
  it('turns every Atomics call on the image into a port call with the same result, for every element type', () => {
    const image = new SharedArrayBuffer(256);
    const plain = new SharedArrayBuffer(256);
    const port = new AtomicsMem(image);
    const calls: string[] = [];
    const counting = new Proxy(port, {
      get: (t, k) => (typeof t[k as keyof AtomicsMem] === 'function' ? (...a: unknown[]) => (calls.push(String(k)), (t[k as keyof AtomicsMem] as (...x: unknown[]) => unknown)(...a)) : t[k as keyof AtomicsMem]),
    });
    const runtime: Array<[number, number]> = [[48, 64]];
    const ip = interposer(counting, image, runtime);
    const views = (b: SharedArrayBuffer) => [new Int8Array(b, 4, 16), new Uint8Array(b, 20, 16), new Int16Array(b, 36, 8), new Uint16Array(b, 52, 8), new Int32Array(b, 68, 8), new Uint32Array(b, 100, 8)];
    const ops = (V: Array<Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array>, log: unknown[]) => {
      for (const v of V) {
        for (const k of [0, 1, 3]) {
          log.push(Atomics.store(v, k, -3), Atomics.add(v, k, 200), Atomics.sub(v, k, 7), Atomics.and(v, k, 0x7c), Atomics.or(v, k, 0x181));
          log.push(Atomics.xor(v, k, -1), Atomics.exchange(v, k, 0x1234), Atomics.compareExchange(v, k, 0x1234, -2), Atomics.compareExchange(v, k, 5, 6), Atomics.load(v, k));
        }
      }
    };
    const want: unknown[] = [];
    ops(views(plain), want);
    const got: unknown[] = [];
    const kept = Atomics;
    const originals = Object.getOwnPropertyNames(Atomics).map((k) => (Atomics as unknown as Record<string, unknown>)[k]);
    ip.install();
    try {
      ops(views(image), got);
      const q = new BigInt64Array(image, 128, 4);
      const uq = new BigUint64Array(image, 160, 4);
      got.push(Atomics.store(q, 1, -5n), Atomics.add(q, 1, 7n), Atomics.xor(uq, 2, 3n), Atomics.compareExchange(uq, 2, 3n, 2n ** 64n - 1n), Atomics.load(uq, 2), Atomics.load(q, 1));
      // A reference to the Atomics object kept from before is covered: its methods are replaced in place.
      const n = calls.length;
      kept.load(new Int32Array(image), 0);
      expect(calls.slice(n)).toEqual(['load']);
      // The runtime's words pass straight through; another buffer's calls are scheduling points of their own.
      const before = calls.length;
      Atomics.add(new Int32Array(image), 50, 1);
      expect(calls.length).toBe(before);
      Atomics.add(new Int32Array(plain), 0, 1);
      expect(calls.slice(before)).toEqual(['pause']);
    } finally {
      ip.restore();
    }
    expect(got.slice(0, want.length)).toEqual(want);
    expect(got.slice(want.length)).toEqual([-5n, -5n, 0n, 3n, 2n ** 64n - 1n, 2n]);
    expect(Object.getOwnPropertyNames(Atomics).map((k) => (Atomics as unknown as Record<string, unknown>)[k])).toEqual(originals);
    expect(calls).toContain('compareExchange64');
    expect(calls.filter((c) => c === 'load').length).toBeGreaterThan(100);
  });

  it.skipIf(MUTATING)('lets explore find the raw-Atomics check-then-set lock, and its schedule replays it 10 times out of 10', async () => {
    const params = { variant: 'check-then-set', workers: 2, ops: 2, seed: 2 };
    const r = await explore({ scenario: rawLock, params, strategy: 'random', iterations: 2000, failuresDir: dir() });
    expect(r.failure?.run.failure?.kind).toBe('forbidden');
    expect(r.failure!.run.outcomes.find((o) => o.outcome === 'lost-update')?.count).toBe(1);
    expect(r.failure!.run.decisions.length).toBeGreaterThan(0);
    expect(r.uncontrolled).toEqual([]);
    const { schedule } = r.failure!;
    const pool = actorPool(2);
    try {
      let same = 0;
      for (let i = 0; i < 10; i++) {
        const run = await runScheduled(rawLock, schedule.params, replayPlan(schedule), { stepBudget: schedule.stepBudget, opBudget: opBudgetOf(schedule), stopOnForbidden: true, timeBudgetMs: 30_000 }, pool);
        if (differenceOf(schedule, run) === undefined) same++;
      }
      expect(same).toBe(10);
    } finally {
      await pool.destroy();
    }
    const cli = spawnSync('node', ['dist/cli/main.js', 'replay', rawLock, '--schedule', r.failure!.file], { encoding: 'utf8', timeout: 60_000 });
    expect(cli.stdout).toMatch(/a\d incr\s+cas|a\d incr\s+load\s+lock\+0/);
    expect(cli.stdout).toMatch(/reproduced: the recorded run, exactly/);
  });

  it.skipIf(MUTATING)('finds nothing wrong with the correct raw lock; flags plain accesses and a long stretch between scheduling points, and reports no schedule it cannot replay', async () => {
    const ok = await explore({ scenario: rawLock, params: { workers: 2, ops: 3 }, strategy: 'random', iterations: 60, failuresDir: dir() });
    expect(ok.failure).toBeNull();
    expect(ok.uncontrolled).toEqual([]);
    const plain = await explore({ scenario: rawLock, params: { variant: 'plain', workers: 2, ops: 20 }, strategy: 'random', iterations: 10, failuresDir: dir() });
    expect(plain.uncontrolled.join()).toMatch(/word\(s\) changed behind the scheduler's back .*count\+0/);
    expect(plain.failure).toBeNull();
    const slow = await explore({ scenario: rawLock, params: { variant: 'long-gap', workers: 1, ops: 1 }, strategy: 'random', iterations: 1, failuresDir: dir() });
    expect(slow.uncontrolled).toEqual([expect.stringMatching(/^actor 0 \(incr\) ran \d{4,} ms between two scheduling points/)]);
  });
});
