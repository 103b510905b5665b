import { UnknownNameError } from '../src/errors.js';
import type { BenchSuite } from './suite.js';
import { ringSuite } from './ring.bench.js';
import { pagingSuite } from './paging.bench.js';

/** Every suite `memrace bench` knows; `all` runs them in this order. */
export const suites: readonly BenchSuite[] = [ringSuite, pagingSuite];

export function findSuite(name: string): BenchSuite[] {
  if (name === 'all') return [...suites];
  const s = suites.find((x) => x.name === name);
  if (!s) throw new UnknownNameError('suite', name, ['all', ...suites.map((x) => x.name)]);
  return [s];
}
