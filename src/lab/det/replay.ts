import { actorPool } from '../../runtime/actors.js';
import { findScenario } from '../../scenarios/index.js';
import { type DetRun, runScheduled } from './engine.js';
import { type ScheduleFile, decodeDecisions, opBudgetOf, readSchedule, replayPlan } from './schedule.js';
import { type TraceEntry, traceOf } from './trace.js';

export interface ReplayResult {
  schedule: ScheduleFile;
  run: DetRun;
  trace: TraceEntry[];
  /** The replay ended as the recorded run did: same failure, same number of turns, every decision the same. */
  reproduced: boolean;
  /** Why not, when it was not: the first difference. */
  difference?: string;
}

/** A replay's wall-clock limit: a long schedule (a million turns) takes a while. */
const REPLAY_MS = 600_000;

/** Run a saved schedule again, exactly, and decode its trace. */
export async function replay(scenarioName: string, file: string): Promise<ReplayResult> {
  return replaySchedule(readSchedule(file, findScenario(scenarioName).name));
}

/** The first way the replayed run differs from the recorded one, or undefined when it does not. */
export function differenceOf(schedule: ScheduleFile, run: DetRun): string | undefined {
  if (schedule.decisions === undefined) return undefined;
  const want = decodeDecisions(schedule.decisions);
  const n = Math.min(want.length, run.decisions.length);
  for (let k = 0; k < n; k++) {
    if (want[k] !== run.decisions[k].chosen) return `decision ${k} chose actor ${run.decisions[k].chosen}, the schedule says ${want[k]}`;
  }
  if (want.length !== run.decisions.length) return `${run.decisions.length} decisions, the schedule has ${want.length}`;
  if (run.failure?.kind !== schedule.failure?.kind || run.failure?.message !== schedule.failure?.message) {
    return `ended with ${run.failure?.message ?? 'a pass'}, recorded: ${schedule.failure?.message ?? 'a pass'}`;
  }
  if (run.steps !== schedule.steps) return `${run.steps} turns, recorded ${schedule.steps}`;
  return undefined;
}

/** Run a schedule already read (and checked) again. */
export async function replaySchedule(schedule: ScheduleFile): Promise<ReplayResult> {
  const scenario = findScenario(schedule.scenario);
  const pool = actorPool(scenario.actors(schedule.params).length);
  try {
    const run = await runScheduled(scenario.name, schedule.params, replayPlan(schedule), {
      stepBudget: schedule.stepBudget, opBudget: opBudgetOf(schedule), stopOnForbidden: schedule.stopOnForbidden, timeBudgetMs: REPLAY_MS,
      check: schedule.check, memory: schedule.memory,
    }, pool);
    const difference = differenceOf(schedule, run);
    return { schedule, run, trace: traceOf(run), reproduced: difference === undefined, ...(difference ? { difference } : {}) };
  } finally {
    await pool.destroy();
  }
}
