import { Command } from 'commander';
import { exploreOptions } from './commands/explore.js';
import { detParamSpecs } from '../lab/det/options.js';
import { flagOf } from '../lab/params.js';
import type { CheckName } from '../lab/history/oracle.js';
import type { Report } from '../lab/report.js';
import type { Scenario } from '../lab/scenario.js';
import { scenarioOptionName } from './options.js';
import { scenarioArg } from '../scenarios/user.js';

/** The explore command's own option names, from its definition: a scenario parameter of the same name takes --scenario-<name> there. */
const EXPLORE_TAKEN: ReadonlySet<string> = new Set(exploreOptions(new Command()).options.map((o) => o.attributeName()));

/**
 * The explore arguments most likely to reproduce a stress failure: the same scenario,
 * variant and parameters (spelled as explore spells them), the run's seed pinned, and the
 * defaults for the rest (PCT, 1000 iterations, four ops an actor); the run's history check,
 * if it had one.
 */
export function exploreArgs(scenario: Scenario, report: Report, given: Record<string, unknown>, check?: CheckName): { args: string[]; values: Record<string, unknown> } {
  const specs = detParamSpecs(scenario);
  const values: Record<string, unknown> = {};
  const args = ['explore', scenarioArg(scenario), '--variant', report.variant];
  for (const spec of specs) {
    if (given[spec.name] === undefined) continue;
    values[spec.name] = given[spec.name];
    args.push(flagOf(scenarioOptionName(spec.name, EXPLORE_TAKEN)), String(given[spec.name]));
  }
  // A failure only the history showed needs the history checked there too.
  if (check) args.push('--check', check);
  args.push('--seed', String(report.seed));
  return { args, values: { ...values, variant: report.variant } };
}
