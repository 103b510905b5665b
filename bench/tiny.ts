import { Bench } from 'tinybench';
import { measurement, type Measurement } from './suite.js';

/**
 * Time single-threaded loops with tinybench, all in one Bench so that they share the same
 * machine state. `opsPerCall` converts one call of `fn` into operations.
 */
export async function measureSync(
  cases: ReadonlyArray<{ name: string; fn: () => void; opsPerCall: number; note?: string }>,
  quick: boolean,
): Promise<Measurement[]> {
  const bench = new Bench({ time: quick ? 50 : 600, warmupTime: quick ? 10 : 100 });
  for (const c of cases) bench.add(c.name, c.fn);
  await bench.run();
  return cases.map((c, i) => {
    const r = bench.tasks[i].result;
    if (r.state !== 'completed') throw new Error(`bench task '${c.name}' ended ${r.state}`);
    return measurement(c.name, c.opsPerCall, r.period, c.note);
  });
}
