import { STOP } from '../runtime/control.js';
import { LiveActor } from '../runtime/live.js';
import type { StepReport } from '../runtime/live-api.js';
import type { CheckResult } from './scenario.js';
import { prepareRun } from './stress.js';

/** A live step that does not return within this is reported as a hang. */
const STEP_TIMEOUT_MS = 10_000;

export interface StepRound {
  round: number;
  steps: StepReport[];
  /** Outcome counts after the round, those above zero. */
  outcomes: Record<string, number>;
}

/**
 * `memrace step`: every actor is a live worker driven through comlink; each round lets each
 * actor in turn run a few operations, so a person can watch the structure evolve one step at
 * a time. A serving actor (Scenario.serves) loops until the stop flag: it is stepped with the
 * flag up, so it does what it does on the way out and returns (no other actor runs meanwhile).
 * The oracles run on the image at the end.
 */
export async function stepScenario(scenarioName: string, values: Record<string, unknown>, rounds: number, steps: number, onRound?: (r: StepRound) => void): Promise<CheckResult> {
  const run = prepareRun(scenarioName, values);
  const stop = run.control.control + STOP;
  const actors = await Promise.all(run.tasks.map((t) => LiveActor.start(t)));
  try {
    for (let round = 1; round <= rounds; round++) {
      const reports: StepReport[] = [];
      for (const a of actors) {
        const serves = run.scenario.serves?.includes(run.roles[a.actor]) === true;
        if (serves) Atomics.store(run.mem.i32, stop, 1);
        try {
          reports.push(await a.step(steps, STEP_TIMEOUT_MS, () => ({ role: run.roles[a.actor], lastOp: run.lastOp(a.actor) })));
        } finally {
          if (serves) Atomics.store(run.mem.i32, stop, 0);
        }
      }
      onRound?.({ round, steps: reports, outcomes: Object.fromEntries(Object.entries(run.outcomeTotals()).filter(([, v]) => v > 0)) });
    }
  } finally {
    await Promise.all(actors.map((a) => a.close()));
  }
  return run.check([]);
}
