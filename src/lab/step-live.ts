import { STOP } from '../runtime/control.js';
import { LiveActor } from '../runtime/live.js';
import type { StepReport } from '../runtime/live-api.js';
import type { CheckResult } from './scenario.js';
import type { StepRound } from './step.js';
import { prepareRun } from './stress.js';
import { resolveScenario } from '../scenarios/index.js';

/** A live step that does not return within this is reported as a hang. */
const STEP_TIMEOUT_MS = 10_000;

/**
 * `memrace step --live`: every actor is a worker thread of its own, driven through comlink;
 * each round lets each actor in turn run a few operations on real threads and the real
 * `Atomics`, the others stopped between their steps. A role returns when its step is spent
 * or it cannot progress alone, so this suits actors that do not wait for each other (the
 * ring); an actor that waits for another is reported hung after STEP_TIMEOUT_MS, naming
 * where it waited. A serving actor (Scenario.serves) is stepped with the stop flag up, so
 * it does what it does on the way out and returns. The oracles run on the image at the end.
 */
export async function stepLive(scenarioName: string, values: Record<string, unknown>, rounds: number, steps: number, onRound?: (r: StepRound) => void): Promise<CheckResult> {
  await resolveScenario(scenarioName);
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
