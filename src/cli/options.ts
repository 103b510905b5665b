import type { Command } from 'commander';
import { type ParamSpec, flagOf } from '../lab/params.js';
import { paramSpecsOf } from '../lab/engine-params.js';
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
 * Add a scenario's parameters to a command as options. Values stay strings here: the lab
 * validates them, so the CLI and the library give the same errors.
 */
export function addScenarioOptions(cmd: Command, scenario: Scenario): Command {
  for (const spec of paramSpecsOf(scenario)) {
    const flag = flagOf(spec.name);
    if (spec.type === 'bool') cmd.option(`${flag} [on|off]`, describe(spec));
    else cmd.option(`${flag} <value>`, describe(spec));
  }
  cmd.option('--variant <name>', `variant (${scenario.variants.map((v) => v.name).join('|')}) [default: correct]`);
  return cmd;
}

/** The scenario's option values the user gave (commander's camelCase keys), bools as given. */
export function scenarioValues(scenario: Scenario, opts: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of paramSpecsOf(scenario)) {
    const v = opts[spec.name];
    if (v === undefined) continue;
    out[spec.name] = v === true ? 'on' : v;
  }
  if (opts.variant !== undefined) out.variant = opts.variant;
  return out;
}
