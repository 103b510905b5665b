import { UnknownNameError } from '../src/errors.js';
import type { BenchSuite } from './suite.js';
import { labSuite } from './lab.bench.js';
import { ringSuite } from './ring.bench.js';
import { methodCacheSuite } from './method-cache.bench.js';
import { mempoolSuite } from './mempool.bench.js';
import { pageAllocSuite } from './page-alloc.bench.js';
import { pageFaultSuite } from './page-fault.bench.js';
import { pagingSuite } from './paging.bench.js';

/** Every suite `memrace bench` knows; `all` runs them in this order. */
export const suites: readonly BenchSuite[] = [ringSuite, mempoolSuite, pageAllocSuite, pageFaultSuite, pagingSuite, methodCacheSuite, labSuite];

export function findSuite(name: string): BenchSuite[] {
  if (name === 'all') return [...suites];
  const s = suites.find((x) => x.name === name);
  if (!s) throw new UnknownNameError('suite', name, ['all', ...suites.map((x) => x.name)]);
  return [s];
}
