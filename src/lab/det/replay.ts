import { MemraceError } from '../../errors.js';
import { actorPool } from '../../runtime/actors.js';
import { resolveScenario } from '../../scenarios/index.js';
import { scenarioKey, scenarioSource } from '../../scenarios/user.js';
import type { Scenario } from '../scenario.js';
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

/** Run a saved schedule again, exactly, and decode its trace. `scenario`: a built-in's name or a scenario file. */
export async function replay(scenario: string, file: string): Promise<ReplayResult> {
  const s = await resolveScenario(scenario);
  return replaySchedule(readSchedule(file, s.name), s);
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

const short = (h: string) => h.slice(0, 12);

/**
 * A schedule replays the code it was recorded on: a user's scenario file must be the one
 * explored, byte for byte (its sha256), and a built-in must not stand in for a file or back.
 */
export function checkScenarioSource(schedule: ScheduleFile, scenario: Scenario): void {
  const src = scenarioSource(scenario);
  const refuse = (why: string) => new MemraceError('E_SCHEDULE', `the schedule cannot replay: ${why}`);
  if (!src) {
    if (schedule.sha256 !== undefined) throw refuse(`it was recorded for the scenario file ${schedule.scenarioFile ?? '?'}, not the built-in '${scenario.name}'`);
    return;
  }
  if (schedule.sha256 === undefined) throw refuse(`it was recorded for the built-in scenario '${schedule.scenario}', not the file ${src.file}`);
  if (schedule.sha256 !== src.sha256) {
    throw refuse(`the scenario file ${src.file} has changed since the schedule was recorded (sha256 ${short(schedule.sha256)}… then, ${short(src.sha256)}… now), so its decisions would drive different code: explore it again`);
  }
}

/**
 * Run a schedule already read (and checked) again, on `scenario` when given (a file the
 * caller loaded), else on the scenario or file the schedule names.
 */
export async function replaySchedule(schedule: ScheduleFile, scenario?: Scenario): Promise<ReplayResult> {
  const s = scenario ?? await resolveScenario(schedule.scenarioFile ?? schedule.scenario);
  checkScenarioSource(schedule, s);
  const pool = actorPool(s.actors(schedule.params).length);
  try {
    const run = await runScheduled(scenarioKey(s), schedule.params, replayPlan(schedule), {
      stepBudget: schedule.stepBudget, opBudget: opBudgetOf(schedule), stopOnForbidden: schedule.stopOnForbidden, timeBudgetMs: REPLAY_MS,
      check: schedule.check, memory: schedule.memory,
    }, pool);
    const difference = differenceOf(schedule, run);
    return { schedule, run, trace: traceOf(run), reproduced: difference === undefined, ...(difference ? { difference } : {}) };
  } finally {
    await pool.destroy();
  }
}
