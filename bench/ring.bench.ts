import type { BenchSuite } from './suite.js';

export const ringSuite: BenchSuite = {
  name: 'ring',
  summary: 'rte_ring against ringbuf.js, single-object and lock-based queues, and Atomics.add',
  async run() {
    return { suite: 'ring', cpus: 0, measurements: [], targets: [] };
  },
};
