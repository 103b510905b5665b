import type { Command } from 'commander';
import { CHECKS } from '../lab/history/oracle.js';
import { MEMORY_MODES } from '../lab/det/store_buffer.js';

/** `--check`: what is checked besides the scenario's end-state oracles. */
export function addCheckOption(cmd: Command): Command {
  return cmd.option('--check <what>', `${CHECKS.join('|')}: record every operation's call and return and check the history against the scenario's sequential spec`);
}

/** `--memory`: the memory model the deterministic engine gives plain accesses. */
export function addMemoryOption(cmd: Command): Command {
  return cmd.option('--memory <model>', `${MEMORY_MODES.join('|')}: plain stores go through per-actor store buffers (tso: FIFO; relaxed: per-location order) flushed by Atomics operations [default: sc]`);
}
