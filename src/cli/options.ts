import type { Command } from 'commander';
import { type ParamSpec, flagOf } from '../lab/params.js';
import type { Scenario } from '../lab/scenario.js';

/** 67108864 → '64M', as people write sizes on the command line. */
function sizeText(bytes: number): string {
  for (const [unit, shift] of [['G', 30], ['M', 20], ['K', 10]] as const) {
    if (bytes >= 2 ** shift && bytes % 2 ** shift === 0) return `${bytes / 2 ** shift}${unit}`;
  }
  return String(bytes);
}

function describe(s: ParamSpec): string {
  const def = s.type === 'duration' ? `${s.default}ms` : s.type === 'size' ? sizeText(s.default) : String(s.default);
  const choices = s.type === 'choice' ? ` (${s.choices.join('|')})` : '';
  return `${s.help}${choices} [default: ${def}]`;
}

/**
 * The option name a scenario parameter takes in a command: its own, or `scenario<Name>`
 * (`--scenario-depth`) when the command has an option of that name (the engine's namespace
 * comes first: no scenario parameter can shadow an engine option).
 */
export function scenarioOptionName(name: string, taken: ReadonlySet<string>): string {
  return taken.has(name) ? `scenario${name[0].toUpperCase()}${name.slice(1)}` : name;
}

/**
 * Add a scenario's parameters to a command as options, after the command's own. Values stay
 * strings here: the lab validates them, so the CLI and the library give the same errors.
 */
export function addScenarioOptions(cmd: Command, scenario: Scenario, specs: readonly ParamSpec[], taken: ReadonlySet<string>): Command {
  for (const spec of specs) {
    const name = scenarioOptionName(spec.name, taken);
    const flag = flagOf(name);
    const help = name === spec.name ? describe(spec) : `${describe(spec)} (the scenario's ${flagOf(spec.name)})`;
    if (spec.type === 'bool') cmd.option(`${flag} [on|off]`, help);
    else cmd.option(`${flag} <value>`, help);
  }
  cmd.option('--variant <name>', `variant (${scenario.variants.map((v) => v.name).join('|')}) [default: correct]`);
  return cmd;
}

/** The scenario's parameter values the user gave (by the scenario's names), bools as given. */
export function scenarioValues(specs: readonly ParamSpec[], taken: ReadonlySet<string>, opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) {
    const v = opts[scenarioOptionName(spec.name, taken)];
    if (v === undefined) continue;
    out[spec.name] = v === true ? 'on' : v;
  }
  if (opts.variant !== undefined) out.variant = opts.variant;
  return out;
}
