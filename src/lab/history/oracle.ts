import { ConfigError } from '../../errors.js';
import type { Machine } from '../../runtime/machine.js';
import type { OracleResult } from '../scenario.js';
import { type Verdict, checkLinearizable, cpuMs } from './checker.js';
import { readHistory } from './recorder.js';

/** What `--check` accepts. */
export const CHECKS = ['linearizable'] as const;
export type CheckName = (typeof CHECKS)[number];

/** Words of history per actor: the stress engine's (seconds of operations) and the deterministic engine's. */
export const STRESS_HISTORY_WORDS = 1 << 21;
export const DET_HISTORY_WORDS = 1 << 14;

/** Parse `--check` for `scenario`: undefined when not given; a ConfigError when unknown or unsupported. */
export function parseCheck(raw: unknown, scenario: { name: string; history?: unknown }): CheckName | undefined {
  if (raw === undefined) return undefined;
  if (!CHECKS.includes(raw as CheckName)) throw new ConfigError('--check', `unknown check '${String(raw)}'`, CHECKS.join(', '));
  if (!scenario.history) throw new ConfigError('--check', `scenario ${scenario.name} records no history to check`, 'a scenario with a sequential spec (ring-stress, mempool-stress, page-alloc-stress, method-cache)');
  return raw as CheckName;
}

export interface HistoryCheck {
  /** Null when the check could not settle (unknown): the note says so, no oracle passes. */
  oracle: OracleResult | null;
  verdict: Verdict;
  note: string;
}

/**
 * Read the run's history back and check it against the scenario's spec. Not linearizable
 * is a violation whose message is the counter-example; unknown is a note, never a pass.
 */
export function checkRunHistory(run: Machine, timeLimitMs: number): HistoryCheck {
  const spec = run.scenario.history!.spec(run.params, run.state, run.mem);
  const h = readHistory(run.mem.i32, run.history!, run.roles.length);
  const t0 = performance.now();
  const c0 = cpuMs();
  const verdict = checkLinearizable(spec, h.ops, { timeLimitMs, late: h.late });
  const ms = `${Math.round(performance.now() - t0)} ms, ${Math.round(cpuMs() - c0)} ms of CPU`;
  const cut = h.truncated ? ' (a history area filled: the check covers the prefix up to it)' : '';
  const where = `${verdict.ops} operations${verdict.groups > 1 ? ` in ${verdict.groups} independent groups` : ''}`;
  let note: string;
  const violations = [];
  if (verdict.result === 'linearizable') note = `history: ${where} linearizable against ${spec.name} (${ms})${cut}`;
  else if (verdict.result === 'unknown') note = `history: ${where}: linearizability UNKNOWN, ${verdict.why}${cut}`;
  else {
    note = `history: ${where}: NOT linearizable against ${spec.name} (${ms})${cut}`;
    violations.push({ message: verdict.counterExample.text });
  }
  return { oracle: verdict.result === 'unknown' ? null : { name: 'linearizable', violations }, verdict, note };
}
