import { Command } from 'commander';
import { findScenario, scenarios } from '../scenarios/index.js';
import type { Scenario } from '../lab/scenario.js';
import { paramSpecsOf } from '../lab/engine-params.js';
import type { ParamSpec } from '../lab/params.js';
import { addScenarioOptions, scenarioValues } from './options.js';

export interface ScenarioCommandSpec {
  name: string;
  description: string;
  /** The command's own options; a scenario parameter of the same name becomes `--scenario-<name>`. */
  options: (cmd: Command, scenario: Scenario) => Command;
  /** The scenario parameters the command offers. @default paramSpecsOf (all, the engine's included) */
  params?: (scenario: Scenario) => ParamSpec[];
  /** `opts`: everything parsed; `values`: the scenario's parameters given, by their own names. */
  action: (scenario: Scenario, opts: Record<string, unknown>, values: Record<string, unknown>) => Promise<void>;
}

/**
 * A command whose options depend on its scenario (`memrace run ring-stress --count 8`): the
 * outer command takes the name, then an inner one, built for that scenario, parses the rest,
 * so each scenario's flags are checked and listed in its own help.
 */
export function registerScenarioCommand(program: Command, spec: ScenarioCommandSpec): void {
  program
    .command(spec.name)
    .description(`${spec.description} (${scenarios.filter((s) => !s.hidden).map((s) => s.name).join(', ')})`)
    .argument('<scenario>', 'scenario name (memrace list)')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .addHelpText('after', `\nEach scenario has its own flags: memrace ${spec.name} <scenario> --help`)
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      // The scenario's flags are parsed by the inner command, so a bare --help reaches here as the name.
      if (name === '--help' || name === '-h') {
        cmd.outputHelp();
        return;
      }
      const scenario = findScenario(name);
      const inner = spec.options(new Command(`memrace ${spec.name} ${scenario.name}`), scenario);
      const taken = new Set(inner.options.map((o) => o.attributeName()));
      const params = (spec.params ?? paramSpecsOf)(scenario);
      addScenarioOptions(inner, scenario, params, taken).description(scenario.summary).exitOverride();
      inner.parse(cmd.args.slice(1), { from: 'user' });
      const opts = inner.opts();
      await spec.action(scenario, opts, scenarioValues(params, taken, opts));
    });
}
