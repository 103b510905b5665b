import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { actorPool } from '../../runtime/actors.js';
import { findScenario } from '../../scenarios/index.js';
import { resolveScenarioParams } from '../engine-params.js';
import type { Params } from '../params.js';
import type { StrategyName } from './block.js';
import { type DetOptions, type DetRun, type IterationPlan, runScheduled } from './engine.js';
import { SCHEDULE_VERSION, type ScheduleFile, encodeDecisions, memraceVersion, writeSchedule } from './schedule.js';
import { makeStrategy } from './strategy.js';
import type { CheckName } from '../history/oracle.js';
import type { MemoryMode } from './store_buffer.js';

export interface ExploreOptions {
  scenario: string;
  /** Raw parameter values (CLI strings or typed); `ops` must be set (a scheduled run needs an end). */
  params: Record<string, unknown>;
  strategy: string;
  /** PCT's bug depth, DFS's preemption bound. @default 3 */
  depth?: number;
  iterations: number;
  /** @default 5000 */
  stepBudget?: number;
  /** The whole exploration ends by this. @default no limit */
  timeBudgetMs?: number;
  /** Where failing schedules are saved. @default ./failures */
  failuresDir?: string;
  /** `linearizable`: check each finished iteration's history against the scenario's spec. */
  check?: CheckName;
  /** The memory model of plain accesses. @default 'sc' */
  memory?: MemoryMode;
  /** Called after each iteration. */
  onIteration?: (it: number, run: DetRun) => void;
}

export interface ExploreResult {
  scenario: string;
  params: Params;
  strategy: StrategyName;
  iterations: number;
  /** DFS tried every schedule within its bound. */
  exhausted: boolean;
  /** The time budget ended the exploration. */
  outOfTime: boolean;
  elapsedMs: number;
  /** The first failing run, its schedule and the file it was saved to. */
  failure: { run: DetRun; schedule: ScheduleFile; file: string } | null;
}

/** Per-iteration wall-clock limit: a scheduled run is bounded by its step budget; this is a net. */
const ITERATION_MS = 30_000;

/**
 * Run the scenario under the scheduler, iteration after iteration, until a schedule fails
 * (a forbidden outcome, a broken oracle, a deadlock, a stale actor) or the budget is spent.
 * Before each iteration its plan is written to disk, so a crash of the whole process still
 * leaves the schedule to replay; the first failing schedule is saved with its decisions.
 */
export async function explore(o: ExploreOptions): Promise<ExploreResult> {
  const scenario = findScenario(o.scenario);
  const params = resolveScenarioParams(scenario, o.params);
  if (!((params.ops as number) > 0)) throw new ConfigError('--ops', 'a scheduled run needs an op budget per actor', 'an integer from 1, e.g. --ops 4');
  const actors = scenario.actors(params).length;
  const seed = params.seed as number;
  const depth = o.depth ?? 3;
  const strategy = makeStrategy(o.strategy, { seed, depth, actors });
  const memory = o.memory ?? 'sc';
  const det: DetOptions = { stepBudget: o.stepBudget ?? 5000, stopOnForbidden: true, timeBudgetMs: ITERATION_MS, check: o.check, memory };
  const dir = o.failuresDir ?? 'failures';
  const inflight = join(dir, `${scenario.name}-${seed}.running.schedule`);
  const header = (it: number, plan: IterationPlan): ScheduleFile => ({
    format: 'memrace-schedule', version: SCHEDULE_VERSION, memrace: memraceVersion(), scenario: scenario.name,
    variant: params.variant as string, params, seed, iteration: it, plan, stepBudget: det.stepBudget, stopOnForbidden: det.stopOnForbidden,
    ...(o.check ? { check: o.check } : {}),
    ...(memory !== 'sc' ? { memory } : {}),
  });
  // The budget covers the threads' start too.
  const t0 = performance.now();
  const pool = actorPool(actors);
  const result: ExploreResult = {
    scenario: scenario.name, params, strategy: strategy.name, iterations: 0, exhausted: false, outOfTime: false, elapsedMs: 0, failure: null,
  };
  try {
    for (let it = 0; it < o.iterations; it++) {
      if (o.timeBudgetMs !== undefined && performance.now() - t0 >= o.timeBudgetMs) {
        result.outOfTime = true;
        break;
      }
      const plan = strategy.plan(it);
      if (!plan) {
        result.exhausted = true;
        break;
      }
      writeSchedule(inflight, header(it, plan));
      const left = o.timeBudgetMs === undefined ? ITERATION_MS : o.timeBudgetMs - (performance.now() - t0);
      const run = await runScheduled(scenario.name, params, plan, { ...det, timeBudgetMs: Math.min(ITERATION_MS, left) }, pool);
      result.iterations = it + 1;
      strategy.observe(run);
      o.onIteration?.(it, run);
      if (run.failure) {
        const schedule: ScheduleFile = {
          ...header(it, plan), decisions: encodeDecisions(run.decisions.map((d) => d.chosen)), steps: run.steps, failure: run.failure,
        };
        const file = join(dir, `${scenario.name}-${seed}.schedule`);
        writeSchedule(file, schedule);
        result.failure = { run, schedule, file };
        break;
      }
    }
    rmSync(inflight, { force: true });
  } finally {
    await pool.destroy();
    result.elapsedMs = performance.now() - t0;
  }
  return result;
}
