import { runStress } from '../src/lab/stress.js';
import type { Span } from '../src/scenarios/ring-pair.js';
import { measurement, type Measurement } from './suite.js';

/**
 * Move `objects` values between a producer worker and a consumer worker through one queue
 * kind; the rate is taken from the actors' own clocks (first start to last end), the best
 * of `runs`.
 */
export async function measurePair(name: string, params: Record<string, unknown>, runs: number, note?: string): Promise<Measurement> {
  let best: Measurement | undefined;
  for (let i = 0; i < runs; i++) {
    const r = await runStress({ scenario: 'ring-pair', params, timeBudgetMs: 60_000 });
    if (r.failures.length) throw new Error(`${name}: ${r.failures.map((f) => f.message).join('; ')}`);
    const m = measurement(name, Number(params.objects), spanOf(r.actorResults as Span[]), note);
    if (!best || m.opsPerSec > best.opsPerSec) best = m;
  }
  return best!;
}

function spanOf(spans: Span[]): number {
  return Math.max(...spans.map((s) => s.t1)) - Math.min(...spans.map((s) => s.t0));
}
