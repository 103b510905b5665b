import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemraceError } from './errors.js';
import { type ExploreResult, explore as exploreEngine } from './lab/det/explore.js';
import { parseDuration } from './lab/params.js';
import { type Report, forbiddenOutcomes } from './lab/report.js';
import { DEFINED_IN, type OracleResult, type Scenario, violationCount } from './lab/scenario.js';
import { runStress } from './lab/stress.js';
import { packageRoot } from './runtime/paths.js';
import { resolveScenario, scenarios } from './scenarios/index.js';
import { scenarioArg, scenarioKey, scenarioSource } from './scenarios/user.js';

/**
 * memrace from a test: stress or explore a scenario within a budget, and fail the test
 * with what went wrong — the forbidden outcome, the oracles' findings, the command that
 * replays it. Plain async functions that throw, so any test runner can use them; named
 * for vitest, where `await explore(...)` inside `test()` is the whole test.
 */

/** A scenario: a built-in's name, a path or file URL of a scenario module, or the object its module exports. */
export type ScenarioRef = string | URL | Scenario;

interface Common {
  /** The variant to run. @default the first ('correct') */
  variant?: string;
  /** Scenario and engine parameters, as `runStress`/`explore` take them (`workers`, `seed`, the scenario's own). */
  params?: Record<string, unknown>;
  /** The whole check ends by this (ms, or '10s'). */
  timeBudget?: number | string;
}

export interface StressBudget extends Common {
  /** How long the actors run (ms, or '2s'). @default 1s, unless `ops` is given */
  duration?: number | string;
  /** Operations per actor instead of a duration. */
  ops?: number;
}

export interface ExploreBudget extends Common {
  /** Schedules to try. @default 200 */
  iterations?: number;
  /** @default 'pct' */
  strategy?: 'pct' | 'random' | 'dfs';
  /** PCT's bug depth, DFS's preemption bound. @default 3 */
  depth?: number;
  /** Operations per actor in each schedule. @default 4 */
  ops?: number;
  /** Where a failing schedule is saved. @default ./failures */
  failuresDir?: string;
}

/** A scenario check failed: the message says what was seen and how to see it again. */
export class ScenarioCheckFailure extends Error {
  constructor(message: string, readonly detail: Report | ExploreResult) {
    super(message);
    this.name = 'ScenarioCheckFailure';
  }
}

const ms = (field: string, v: number | string | undefined) => (v === undefined ? undefined : typeof v === 'number' ? v : parseDuration(field, v));

/**
 * The scenario a reference names, resolved once: the engines take its key (scenarioKey), a
 * failure's replay command its argument (scenarioArg).
 */
async function scenarioOf(ref: ScenarioRef): Promise<Scenario> {
  if (ref instanceof URL) return resolveScenario(fileURLToPath(ref));
  if (typeof ref === 'string') return resolveScenario(ref);
  if (scenarioSource(ref)) return ref;
  const file = (ref as unknown as Partial<Record<symbol, string>>)[DEFINED_IN];
  const own = [join(packageRoot(), 'dist'), join(packageRoot(), 'src')];
  if (file && !own.some((d) => (file.startsWith('file:') ? fileURLToPath(file) : file).startsWith(d))) {
    const loaded = await resolveScenario(file);
    if (loaded.name !== ref.name) {
      throw new MemraceError('E_USAGE', `${file} exports scenario '${loaded.name}' by default, not '${ref.name}': the workers load a scenario from its module's default export`);
    }
    return loaded;
  }
  const builtin = scenarios.find((s) => s.name === ref.name);
  if (builtin) return builtin;
  throw new MemraceError('E_USAGE', `scenario '${ref.name}': its module is unknown; pass the file instead (new URL('./x.scenario.mjs', import.meta.url))`);
}

const oracleLines = (oracles: readonly OracleResult[]) => oracles.filter((o) => o.violations.length).map((o) =>
  `oracle ${o.name}: ${o.violations.slice(0, 3).map((v) => v.message).join('; ')}${violationCount(o) > 3 ? ` (+${violationCount(o) - 3} more)` : ''}`);

/**
 * Run the scenario on real worker threads, until the first forbidden outcome an actor counts
 * at the latest; throws ScenarioCheckFailure on a forbidden outcome, a broken oracle or a crashed actor.
 */
export async function stress(ref: ScenarioRef, o: StressBudget = {}): Promise<Report> {
  const loaded = await scenarioOf(ref);
  const scenario = scenarioKey(loaded);
  const params: Record<string, unknown> = { ...o.params, ...(o.variant ? { variant: o.variant } : {}) };
  if (o.ops !== undefined) params.ops = o.ops;
  else params.duration ??= ms('duration', o.duration) ?? 1000;
  const r = await runStress({ scenario, params, stopOnForbidden: true, timeBudgetMs: ms('timeBudget', o.timeBudget) });
  if (r.verdict === 'pass') return r;
  const lines = [
    `memrace: ${r.scenario} [${r.variant}] failed under stress (${r.workers} actors, ${(r.durationMs / 1000).toFixed(1)}s, seed ${r.seed})`,
    ...forbiddenOutcomes(r.outcomes).map((f) => `forbidden outcome '${f.outcome}' x${f.count} (${f.description})`),
    ...oracleLines(r.oracles),
    ...r.failures.map((f) => `actor ${f.actor} (${f.role}) ${f.kind} during '${f.lastOp}': ${f.message}`),
    `find a schedule that shows it: npx memrace explore ${scenarioArg(loaded)} --variant ${r.variant}`,
  ];
  throw new ScenarioCheckFailure(lines.join('\n  '), r);
}

/** Search schedules under the deterministic engine; throws ScenarioCheckFailure with the replay command when one fails. */
export async function explore(ref: ScenarioRef, o: ExploreBudget = {}): Promise<ExploreResult> {
  const loaded = await scenarioOf(ref);
  const scenario = scenarioKey(loaded);
  const { ops, seed, ...rest } = o.params ?? {};
  const params: Record<string, unknown> = { ...rest, ...(o.variant ? { variant: o.variant } : {}) };
  const iterations = o.iterations ?? 200;
  const r = await exploreEngine({
    scenario, params, strategy: o.strategy ?? 'pct', depth: o.depth, iterations, ops: o.ops ?? (ops as number | undefined) ?? 4,
    ...(seed === undefined ? {} : { seed: Number(seed) }), timeBudgetMs: ms('timeBudget', o.timeBudget), failuresDir: o.failuresDir,
  });
  const head = `memrace: ${r.scenario} [${r.params.variant as string}] failed under explore`;
  const warnings = r.uncontrolled.map((s) => `not fully controlled by the scheduler: ${s}`);
  if (r.unreplayable) {
    throw new ScenarioCheckFailure([`${head} (iteration ${r.unreplayable.iteration + 1}): ${r.unreplayable.message}`, 'but its schedule does not replay it', ...warnings].join('\n  '), r);
  }
  if (!r.failure) return r;
  const { run, schedule, file } = r.failure;
  const lines = [
    `${head} (iteration ${schedule.iteration + 1} of ${iterations}, ${r.strategy}): ${run.failure!.message}`,
    ...forbiddenOutcomes(run.outcomes).map((f) => `forbidden outcome '${f.outcome}' x${f.count} (${f.description})`),
    ...oracleLines(run.oracles),
    ...warnings,
    `schedule: ${run.decisions.length} decisions, ${run.steps} turns, saved to ${file}`,
    `replay it: npx memrace replay ${scenarioArg(loaded)} --variant ${r.params.variant as string} --schedule ${file}`,
  ];
  throw new ScenarioCheckFailure(lines.join('\n  '), r);
}
