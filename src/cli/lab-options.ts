import type { Command } from 'commander';
import { CHECKS } from '../lab/history/oracle.js';

/** `--check` of `memrace run` (the deterministic engine has it among its own options, options.ts). */
export function addCheckOption(cmd: Command): Command {
  return cmd.option('--check <what>', `${CHECKS.join('|')}: record every operation's call and return and check the history against the scenario's sequential spec`);
}
