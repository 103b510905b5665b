import { join } from 'node:path';
import type { Piscina } from 'piscina';
import { actorPool } from '../../runtime/actors.js';
import { resolveScenario } from '../../scenarios/index.js';
import { scenarioKey, scenarioSource } from '../../scenarios/user.js';
import { ENGINE_PARAMS, paramSpecsOf } from '../engine-params.js';
import type { Params } from '../params.js';
import { type Scenario, variantSpec } from '../scenario.js';
import type { StrategyName } from './block.js';
import { Coverage, type CoverageReport } from './coverage.js';
import { mix32 } from './decide.js';
import { type DetOptions, type DetRun, type IterationPlan, runScheduled } from './engine.js';
import { type DetEngineOptions, DET_OPTIONS, defaultStepBudget, detParams, resolveDetOptions } from './options.js';
import { RunningSchedule, SCHEDULE_VERSION, type ScheduleFile, encodeDecisions, memraceVersion, replayPlan, writeSchedule } from './schedule.js';
import { differenceOf } from './replay.js';
import { MIN_RUN_MS, SHRUNK_PLAN, type ScheduleSize, sequentialRun, shrink } from './shrink.js';
import { makeStrategy } from './strategy.js';
import { parseCheck } from '../history/oracle.js';

export interface ExploreOptions extends Partial<Omit<DetEngineOptions, 'strategy' | 'pinSeed' | 'timeBudget'>> {
  /** A built-in scenario's name, or a path to a scenario file (.mjs, .js, .ts). */
  scenario: string;
  /** The scenario's raw parameter values (CLI strings or typed). */
  params: Record<string, unknown>;
  /** @default 'pct' */
  strategy?: string;
  /** The whole exploration ends by this. @default no limit */
  timeBudgetMs?: number;
  /** Where failing schedules are saved. @default ./failures */
  failuresDir?: string;
  /** Aborting it ends the exploration after the current iteration. */
  signal?: AbortSignal;
  /** Called after each iteration. */
  onIteration?: (it: number, run: DetRun) => void;
}

export interface ExploreFailure {
  run: DetRun;
  schedule: ScheduleFile;
  file: string;
  /** The failing schedule's size as found and shrunk, when it was shrunk. */
  shrunk?: { from: ScheduleSize; to: ScheduleSize; runs: number };
}

export interface ExploreResult {
  scenario: string;
  /** The scenario's module, when it came from a file (scenario is then the name it exports). */
  scenarioFile?: string;
  params: Params;
  strategy: StrategyName;
  /** The engine's options as resolved (the step budget as calibrated). */
  engine: DetEngineOptions;
  /** Iterations that ran to their end (one the time budget cut short is not counted). */
  iterations: number;
  /** DFS tried every schedule within its bound. */
  exhausted: boolean;
  /** The time budget ended the exploration. */
  outOfTime: boolean;
  /** Ctrl-C or SIGTERM ended it. */
  interrupted?: boolean;
  elapsedMs: number;
  coverage: CoverageReport;
  /** The first failing run, its (shrunk) schedule and the file it was saved to. */
  failure: ExploreFailure | null;
  /**
   * Signs that a user scenario's code ran outside the scheduler's control, from any
   * iteration (uncontrolled.ts): its schedules need not replay.
   */
  uncontrolled: string[];
  /**
   * A failure in a user scenario's run whose schedule, replayed at once, did not reproduce
   * it (the code escaped the scheduler): not reported as found (`failure` stays null), the
   * exploration stops.
   */
  unreplayable: { message: string; iteration: number } | null;
}


/** Per-iteration wall-clock limit: a scheduled run is bounded by its step budget; this is a net. */
const ITERATION_MS = 60_000;

/**
 * The engine's options: those given, else (older callers) the scenario's engine parameters
 * for the op budget and base seed, else the variant's explore settings (VariantSpec.explore).
 */
function engineDefaults(s: Scenario, o: ExploreOptions, variant: Record<string, unknown>): Record<string, unknown> {
  const engineOwn = (name: string) => paramSpecsOf(s).some((p) => p.name === name && ENGINE_PARAMS.includes(p));
  const out: Record<string, unknown> = Object.fromEntries(DET_OPTIONS.map((spec) => [spec.name, (o as unknown as Record<string, unknown>)[spec.name] ?? variant[spec.name]]));
  if ((o as { ops?: number }).ops === undefined && engineOwn('ops') && o.params.ops !== undefined) out.ops = o.params.ops;
  if (out.seed === undefined && engineOwn('seed') && o.params.seed !== undefined) out.seed = o.params.seed;
  return out;
}

/**
 * The variant's explore settings, split into the engine's options and the scenario's
 * parameters; its history check (VariantSpec.check, as `memrace run` takes it) unless they name one.
 */
function variantSettings(s: Scenario, variant: unknown): { engine: Record<string, unknown>; params: Record<string, unknown> } {
  const spec = variantSpec(s, variant);
  const all = Object.entries({ ...(spec?.check ? { check: spec.check } : {}), ...spec?.explore });
  const engine = (k: string) => DET_OPTIONS.some((o) => o.name === k);
  return { engine: Object.fromEntries(all.filter(([k]) => engine(k))), params: Object.fromEntries(all.filter(([k]) => !engine(k))) };
}

/** The actors' data seed of iteration `it`: the base seed first, then one derived per iteration (DFS and a pinned seed: the base). */
export function dataSeedOf(e: DetEngineOptions, it: number): number {
  return e.pinSeed || e.strategy === 'dfs' || it === 0 ? e.seed : mix32(e.seed ^ 0x5eed5eed, it);
}

/**
 * Run the scenario under the scheduler, iteration after iteration, until a schedule fails
 * (a forbidden outcome, a broken oracle, a deadlock, a stale actor) or the budget is spent.
 * Before each iteration its plan is written to disk, so a crash of the whole process still
 * leaves the schedule to replay; the first failing schedule is shrunk, checked for a race,
 * and saved with its decisions.
 */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const scenario = await resolveScenario(o.scenario);
  const source = scenarioSource(scenario);
  const variant = variantSettings(scenario, o.params.variant);
  const e = resolveDetOptions(engineDefaults(scenario, o, variant.engine));
  const raw = { ...variant.params, ...o.params };
  const first = detParams(scenario, raw, e.ops, e.seed);
  const actors = scenario.actors(first).length;
  // Under store buffers an access's effect is not where the trace has it: the races DFS reverses would not be all.
  const strategy = makeStrategy(e.strategy, { seed: e.seed, depth: e.depth, actors, por: e.por && e.memory === 'sc' });
  const check = parseCheck(e.check === 'none' ? undefined : e.check, scenario);
  const det: DetOptions = {
    stepBudget: e.stepBudget || defaultStepBudget(e.ops), opBudget: e.ops, stopOnForbidden: true, timeBudgetMs: ITERATION_MS, check, memory: e.memory,
  };
  const dir = o.failuresDir ?? 'failures';
  const header = (it: number, params: Params, plan: IterationPlan): ScheduleFile => ({
    format: 'memrace-schedule', version: SCHEDULE_VERSION, memrace: memraceVersion(), scenario: scenario.name,
    variant: params.variant as string, params, seed: e.seed, iteration: it, plan, stepBudget: det.stepBudget, stopOnForbidden: det.stopOnForbidden,
    dataSeed: dataSeedOf(e, it), opBudget: e.ops,
    ...(source ? { scenarioFile: source.file, sha256: source.sha256 } : {}),
    ...(check ? { check } : {}),
    ...(e.memory !== 'sc' ? { memory: e.memory } : {}),
  });
  const budget = o.timeBudgetMs ?? (e.timeBudget || undefined);
  // The budget covers the threads' start too.
  const t0 = performance.now();
  const left = () => (budget === undefined ? ITERATION_MS : Math.min(ITERATION_MS, budget - (performance.now() - t0)));
  const pool = actorPool(actors);
  if (!e.stepBudget) det.stepBudget = await calibrate(header(0, first, { strategy: 'dfs', seed: 0 }), det, pool, left);
  const coverage = new Coverage();
  const result: ExploreResult = {
    scenario: scenario.name, ...(source ? { scenarioFile: source.file } : {}), params: first, strategy: strategy.name, engine: { ...e, stepBudget: det.stepBudget }, iterations: 0, exhausted: false, outOfTime: false, elapsedMs: 0,
    coverage: coverage.report(strategy), failure: null, uncontrolled: [], unreplayable: null,
  };
  let inflight: RunningSchedule | undefined;
  try {
    inflight = new RunningSchedule(join(dir, `${scenario.name}-${e.seed}.running.schedule`));
    for (let it = 0; it < e.iterations; it++) {
      if (o.signal?.aborted) {
        result.interrupted = true;
        break;
      }
      if (left() < MIN_RUN_MS) {
        result.outOfTime = true;
        break;
      }
      const plan = strategy.plan(it);
      if (!plan) {
        result.exhausted = true;
        break;
      }
      const params = detParams(scenario, raw, e.ops, dataSeedOf(e, it));
      inflight.write(header(it, params, plan));
      const run = await runScheduled(scenarioKey(scenario), params, plan, { ...det, timeBudgetMs: left() }, pool);
      if (run.outOfTime) {
        result.outOfTime = true; // cut short by the budget: neither a pass nor a failure
        break;
      }
      result.iterations = it + 1;
      strategy.observe(run);
      coverage.add(run);
      o.onIteration?.(it, run);
      for (const sign of run.uncontrolled) if (!result.uncontrolled.includes(sign) && result.uncontrolled.length < 5) result.uncontrolled.push(sign);
      // A run the scheduler did not fully control proves nothing, even where its replay happens to fail alike.
      if (run.failure && source && (run.uncontrolled.length > 0 || !(await replays(header(it, params, plan), run, { ...det, timeBudgetMs: left() }, pool)))) {
        result.unreplayable = { message: run.failure.message, iteration: it };
        break;
      }
      if (run.failure) {
        result.failure = await settle(header(it, params, plan), run, det, pool, e.shrink, join(dir, `${scenario.name}-${e.seed}.schedule`), left);
        break;
      }
    }
    inflight.close(true);
  } finally {
    inflight?.close(false);
    await pool.destroy();
    result.elapsedMs = performance.now() - t0;
  }
  result.coverage = coverage.report(strategy);
  return result;
}

/**
 * A user's code may escape the scheduler: its failure is reported as found only if its
 * schedule, run again at once, reproduces it.
 */
async function replays(head: ScheduleFile, run: DetRun, det: DetOptions, pool: Piscina): Promise<boolean> {
  const schedule = recorded(head, run);
  return differenceOf(schedule, await runScheduled(head.scenarioFile ?? head.scenario, head.params, replayPlan(schedule), det, pool)) === undefined;
}

/** The largest step budget calibration tries: the block grows with it (36 bytes a turn). */
const MAX_STEP_BUDGET = 320_000;

/**
 * The step budget that scales with the scenario's ops: a sequential schedule (no preemption)
 * of the first iteration runs with the default budget, four times more while it overruns,
 * and the budget is twice the most steps one actor took there (at least the default).
 */
async function calibrate(head: ScheduleFile, det: DetOptions, pool: Piscina, left: () => number): Promise<number> {
  for (let budget = det.stepBudget; ; budget *= 4) {
    if (budget >= MAX_STEP_BUDGET || left() <= 0) return Math.min(budget, MAX_STEP_BUDGET);
    const run = await sequentialRun(head, { ...det, stepBudget: budget, timeBudgetMs: left() }, pool);
    if (run.status !== 'stale') return Math.max(det.stepBudget, 2 * run.positions.reduce((m, p) => Math.max(m, p.steps), 0));
  }
}

/** The schedule of a failing run: its head, decisions, turns and failure. */
function recorded(head: ScheduleFile, run: DetRun): ScheduleFile {
  return { ...head, decisions: encodeDecisions(run.decisions.map((d) => d.chosen)), steps: run.steps, failure: run.failure! };
}

/**
 * A failure found: shrink its schedule, rerun it without preemptions (race or logic bug), save
 * it. Within the time `left`: a shrink cut short keeps what it had; a sequential rerun there is
 * no time for leaves race-or-not unknown (`sequential` absent).
 */
async function settle(head: ScheduleFile, found: DetRun, det: DetOptions, pool: Piscina, minimise: boolean, file: string, left: () => number): Promise<ExploreFailure> {
  const small = minimise && left() >= MIN_RUN_MS ? await shrink(head, found, det, pool, left) : null;
  const run = small?.run ?? found;
  const sequential = left() >= MIN_RUN_MS ? await sequentialRun(head, { ...det, timeBudgetMs: left() }, pool) : null;
  const schedule: ScheduleFile = {
    ...recorded(head, run),
    plan: small ? SHRUNK_PLAN : head.plan,
    ...(small ? { shrunk: { from: small.from, to: small.to, runs: small.runs } } : {}),
    ...(sequential && !sequential.outOfTime ? { sequential: sequential.failure?.kind === found.failure!.kind } : {}),
  };
  writeSchedule(file, schedule);
  return { run, schedule, file, ...(small ? { shrunk: { from: small.from, to: small.to, runs: small.runs } } : {}) };
}
