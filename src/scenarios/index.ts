import type { Scenario } from '../lab/scenario.js';
import { UnknownNameError } from '../errors.js';
import { ringStress } from './ring-stress.js';
import { tlbShootdown } from './tlb-shootdown.js';
import { paging, swapThrash } from './paging.js';
import { contiguous } from './contiguous.js';
import { segmentation } from './segmentation.js';

/**
 * Every scenario the lab knows, in `memrace list` order. Workers import this same list, so
 * a scenario is found by name on both sides of the thread boundary.
 */
export const scenarios: readonly Scenario[] = [ringStress, tlbShootdown, paging, swapThrash, contiguous, segmentation];

export function findScenario(name: string): Scenario {
  const s = scenarios.find((x) => x.name === name);
  if (!s) throw new UnknownNameError('scenario', name, scenarios.filter((x) => !x.hidden).map((x) => x.name));
  return s;
}
