import { runStress } from '../src/lab/stress.js';
import type { Span } from '../src/scenarios/ring-pair.js';
import { measurement, type Measurement } from './suite.js';

export interface PairConfig {
  name: string;
  params: Record<string, unknown>;
  note?: string;
}

/**
 * Move `objects` values between a producer worker and a consumer worker through each
 * queue kind; the rate is taken from the actors' own clocks (first start to last end).
 * The configurations take turns, `rounds` times, and each keeps its best: a slow spell
 * of a shared machine then falls on every configuration alike, not on one of them.
 */
export async function measurePairs(configs: readonly PairConfig[], rounds: number, log: (line: string) => void): Promise<Measurement[]> {
  const best = new Array<Measurement | undefined>(configs.length);
  for (let round = 0; round < rounds; round++) {
    for (const [k, c] of configs.entries()) {
      log(`round ${round + 1}: ${c.name}`);
      const r = await runStress({ scenario: 'ring-pair', params: c.params, timeBudgetMs: 60_000 });
      if (r.failures.length) throw new Error(`${c.name}: ${r.failures.map((f) => f.message).join('; ')}`);
      const m = measurement(c.name, Number(c.params.objects), spanOf(r.actorResults as Span[]), c.note);
      if (!best[k] || m.opsPerSec > best[k]!.opsPerSec) best[k] = m;
    }
  }
  return best.map((m) => m!);
}

function spanOf(spans: Span[]): number {
  return Math.max(...spans.map((s) => s.t1)) - Math.min(...spans.map((s) => s.t0));
}
