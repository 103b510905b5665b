import type { Scenario } from '../lab/scenario.js';
import { MemraceError, UnknownNameError } from '../errors.js';
import { faultProbe, mailboxRelay } from './probes.js';
import { ringPair } from './ring-pair.js';
import { ringStress } from './ring-stress.js';
import { methodCache } from './method-cache.js';
import { oom, oomCpuset, oomMemcg, oomMempolicy, oomRace } from './oom.js';
import { schedProbe } from './sched-probe.js';
import { mempoolStress } from './mempool-stress.js';
import { mbufRefcnt } from './mbuf-refcnt.js';
import { mempoolBench } from './mempool-bench.js';
import { pktmbufPipeline } from './pktmbuf-pipeline.js';
import { pageAllocStress } from './page-alloc-stress.js';
import { tlbShootdown } from './tlb-shootdown.js';
import { paging, swapThrash } from './paging.js';
import { contiguous } from './contiguous.js';
import { segmentation } from './segmentation.js';
import { mempoolNuma } from './mempool-numa.js';
import { pageFaultProbe } from './page-fault-probe.js';
import { isScenarioPath, loadScenarioFile, loadedScenario } from './user.js';

/**
 * Every scenario the lab knows, in `memrace list` order. Workers import this same list, so
 * a scenario is found by name on both sides of the thread boundary.
 */
export const scenarios: readonly Scenario[] = [
  ringStress,
  mempoolStress,
  mbufRefcnt,
  pktmbufPipeline,
  pageAllocStress,
  mempoolNuma,
  methodCache,
  oom,
  oomRace,
  oomMemcg,
  oomCpuset,
  oomMempolicy,
  paging,
  swapThrash,
  tlbShootdown,
  contiguous,
  segmentation,
  ringPair,
  mempoolBench,
  mailboxRelay,
  faultProbe,
  schedProbe,
  pageFaultProbe,
];

/**
 * A built-in scenario by name, or a user's scenario file this thread has loaded already
 * (resolveScenario loads it): the synchronous lookup engines use once a run is set up.
 */
export function findScenario(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name) ?? loadedScenario(name);
  if (!s && isScenarioPath(name)) throw new MemraceError('E_USAGE', `scenario file ${name} is not loaded: call resolveScenario first`);
  if (!s) throw new UnknownNameError('scenario', name, scenarios.filter((x) => !x.hidden).map((x) => x.name));
  return s;
}

/** A built-in scenario by name, or the default export of a scenario file (.mjs, .js, .ts), loaded once. */
export async function resolveScenario(nameOrPath: string): Promise<Scenario> {
  if (!isScenarioPath(nameOrPath) || scenarios.some((x) => x.name === nameOrPath)) return findScenario(nameOrPath);
  return loadScenarioFile(nameOrPath);
}
