import { ENGINE_PARAMS, paramSpecsOf, resolveScenarioParams } from '../engine-params.js';
import { type ParamSpec, type Params, resolveParams } from '../params.js';
import type { Scenario } from '../scenario.js';
import { STRATEGIES, type StrategyName } from './block.js';
import { MEMORY_MODES, type MemoryMode } from './store_buffer.js';
import { CHECKS, type CheckName } from '../history/oracle.js';

/**
 * The deterministic engine's options: their own namespace, apart from any scenario's
 * parameters. A scenario parameter of the same name is given as `--scenario-<name>` on the
 * command line (scenario-command.ts); a new engine option is added to this list, never to a
 * scenario, and every command that runs the engine (explore) takes it.
 */
export const DET_OPTIONS: readonly ParamSpec[] = [
  { name: 'strategy', type: 'choice', default: 'pct', choices: STRATEGIES, help: 'how schedules are chosen' },
  { name: 'iterations', type: 'int', default: 1000, min: 1, help: 'schedules to try' },
  { name: 'depth', type: 'int', default: 3, min: 0, max: 32, help: 'PCT bug depth (d - 1 priority change points); DFS preemption bound' },
  { name: 'ops', type: 'int', default: 4, min: 1, help: 'op budget per actor (a scheduled run needs an end)' },
  { name: 'seed', type: 'int', default: 1, min: 0, max: 4294967295, help: "seed of the schedules; given, it also pins the actors' data seed (else each iteration derives its own)" },
  { name: 'stepBudget', type: 'int', default: 0, min: 0, help: 'accesses one actor may make before the run turns fair, and twice that before it is STALE; 0 scales it with --ops' },
  { name: 'timeBudget', type: 'duration', default: 0, help: 'the whole exploration ends by this, reporting what completed (0: no limit)' },
  { name: 'shrink', type: 'bool', default: true, help: 'minimise a failing schedule before saving it' },
  { name: 'check', type: 'choice', default: 'none', choices: ['none', ...CHECKS], help: "linearizable: record every operation's call and return and check the history against the scenario's sequential spec" },
  { name: 'memory', type: 'choice', default: 'sc', choices: MEMORY_MODES, help: 'plain stores go through per-actor store buffers (tso: FIFO; relaxed: per-location order), flushed by Atomics operations' },
  { name: 'por', type: 'bool', default: true, help: 'DFS: dynamic partial-order reduction: only the choices that reverse a race (two dependent accesses nothing orders) a run showed are tried (docs/lab.md)' },
];

/** The scenario's engine parameters that the deterministic engine replaces with its own options. */
export const DET_REPLACES: readonly string[] = ['duration', 'ops', 'seed', 'spin', 'stride'];

export interface DetEngineOptions {
  strategy: StrategyName;
  iterations: number;
  depth: number;
  ops: number;
  seed: number;
  /** The user gave --seed: every iteration runs the actors on that data seed. */
  pinSeed: boolean;
  /** 0: scaled with the op budget (defaultStepBudget). */
  stepBudget: number;
  /** 0: no limit. */
  timeBudget: number;
  shrink: boolean;
  por: boolean;
  check: 'none' | CheckName;
  memory: MemoryMode;
}

/** Validate engine option values (CLI strings or typed): a ConfigError names the flag. */
export function resolveDetOptions(given: Record<string, unknown>): DetEngineOptions {
  const p = resolveParams(DET_OPTIONS, Object.fromEntries(DET_OPTIONS.map((s) => [s.name, given[s.name]])));
  return { ...(p as unknown as DetEngineOptions), pinSeed: given.seed !== undefined };
}

/** Accesses per op an actor gets before the run turns fair: scenarios' ops touch tens to thousands of words. */
const STEPS_PER_OP = 4000;
/** And for what an actor does before its first op and after its last (setup, drain). */
const STEPS_BASE = 20_000;

/** The step budget that scales with the op budget. */
export function defaultStepBudget(ops: number): number {
  return STEPS_BASE + STEPS_PER_OP * ops;
}

/** The scenario's parameter specs a deterministic command offers: its own, less those the engine replaces. */
export function detParamSpecs(s: Scenario): ParamSpec[] {
  return paramSpecsOf(s).filter((p) => !(DET_REPLACES.includes(p.name) && ENGINE_PARAMS.includes(p)));
}

/**
 * A scheduled run's scenario parameters: the scenario's own validated, with the engine's op
 * budget and data seed in the engine parameters' places (where the scenario keeps them).
 */
export function detParams(s: Scenario, raw: Record<string, unknown>, ops: number, dataSeed: number): Params {
  const own = paramSpecsOf(s);
  const engine = (name: string) => own.some((x) => x.name === name && ENGINE_PARAMS.includes(x));
  return resolveScenarioParams(s, { ...raw, ...(engine('ops') ? { ops } : {}), ...(engine('seed') ? { seed: dataSeed } : {}) });
}
