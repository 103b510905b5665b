import { Bench } from 'tinybench';
import { measurement, type Measurement } from './suite.js';

/**
 * Time single-threaded loops with tinybench, all in one Bench so that they share the same
 * machine state. `opsPerCall` converts one call of `fn` into operations.
 *
 * Each loop's figure is its fastest call, not the mean: on a shared machine everything
 * else running (other processes, GC, a timer interrupt) only ever adds time to a call, so
 * the mean measures the machine's load as much as the loop. On the 2-core machine at load
 * 12 the mean of the bulk-32 ring cost over one `Atomics.add` read 0.30x to 1.13x in six
 * runs, the fastest calls 0.45x to 0.52x (Chen and Revels, "Robust benchmarking in noisy
 * environments", 2016, make the same case).
 *
 * The loops take turns over `ROUNDS` rounds (the same time in all) and each keeps its
 * fastest call of any round: a slow spell of the machine that lasts as long as one loop's
 * turn then falls on every loop alike, as the worker pairs' rounds do (pair.ts).
 */
const ROUNDS = 4;

export async function measureSync(
  cases: ReadonlyArray<{ name: string; fn: () => void; opsPerCall: number; note?: string }>,
  quick: boolean,
): Promise<Measurement[]> {
  const fastest = cases.map(() => Infinity);
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: (quick ? 50 : 600) / ROUNDS, warmupTime: round === 0 ? (quick ? 10 : 100) : 0 });
    for (const c of cases) bench.add(c.name, c.fn);
    await bench.run();
    bench.tasks.forEach((t, i) => {
      const r = t.result;
      if (r.state !== 'completed') throw new Error(`bench task '${cases[i].name}' ended ${r.state}`);
      fastest[i] = Math.min(fastest[i], r.latency.min);
    });
  }
  return cases.map((c, i) => measurement(c.name, c.opsPerCall, fastest[i], c.note));
}
