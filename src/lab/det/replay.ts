import { actorPool } from '../../runtime/actors.js';
import { findScenario } from '../../scenarios/index.js';
import { type DetRun, runScheduled } from './engine.js';
import { type ScheduleFile, readSchedule, replayPlan } from './schedule.js';
import { type TraceEntry, traceOf } from './trace.js';

export interface ReplayResult {
  schedule: ScheduleFile;
  run: DetRun;
  trace: TraceEntry[];
  /** The replay ended as the recorded run did: same failure, same number of turns. */
  reproduced: boolean;
}

/** Run a saved schedule again, exactly, and decode its trace. */
export async function replay(scenarioName: string, file: string): Promise<ReplayResult> {
  return replaySchedule(readSchedule(file, findScenario(scenarioName).name));
}

/** Run a schedule already read (and checked) again. */
export async function replaySchedule(schedule: ScheduleFile): Promise<ReplayResult> {
  const scenario = findScenario(schedule.scenario);
  const pool = actorPool(scenario.actors(schedule.params).length);
  try {
    const run = await runScheduled(scenario.name, schedule.params, replayPlan(schedule), {
      stepBudget: schedule.stepBudget, stopOnForbidden: schedule.stopOnForbidden, timeBudgetMs: 60_000,
      check: schedule.check, memory: schedule.memory,
    }, pool);
    const reproduced = schedule.decisions === undefined
      || (run.failure?.kind === schedule.failure?.kind && run.failure?.message === schedule.failure?.message && run.steps === schedule.steps);
    return { schedule, run, trace: traceOf(run), reproduced };
  } finally {
    await pool.destroy();
  }
}
