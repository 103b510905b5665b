import { ActorFailure } from '../errors.js';
import { runActors } from '../runtime/actors.js';
import { C_OPS, counterWord } from '../shm/counters.js';
import { A_BASE, A_DONE, A_WORDS, H_FOCUS, H_NACTORS, H_PAUSE, H_STATUS, H_TARGET, R_STATE, ST_ABORTED, ST_RUNNING } from './det/block.js';
import { raiseStop } from './det/decide.js';
import { type DetFailure, concludeScheduled, prepareScheduled } from './det/engine.js';
import type { OracleResult } from './scenario.js';
import type { StepReport } from '../runtime/live-api.js';
import { resolveScenario } from '../scenarios/index.js';

/** A step that does not come back within this is reported as a hang. */
const STEP_TIMEOUT_MS = 10_000;
/** The run may last this long in all: the steps' own timeouts end it long before. */
const RUN_BUDGET_MS = 24 * 3600_000;

export interface StepRound {
  round: number;
  steps: StepReport[];
  /** Outcome counts after the round, those above zero. */
  outcomes: Record<string, number>;
}

export interface StepResult {
  oracles: OracleResult[];
  notes: string[];
  /** A deadlock or a crash that ended the run (the oracles are then not run). */
  failure: DetFailure | null;
}

/**
 * `memrace step`: the scenario's actors run under the deterministic scheduler, and each round
 * lets each actor in turn make a step of a few operations, the others running only while it
 * cannot go on (it waits for them, or spins on them): every scenario can be stepped, those whose
 * actors wait for each other (a TLB shootdown's acknowledgements, a pipeline's stages) too. The
 * holder of the turn pauses between steps, so the image is still while a round is reported.
 * After the last round the stop flag goes up and the run ends fair (round-robin); the oracles
 * run on the image at the end.
 */
export async function stepScenario(scenarioName: string, values: Record<string, unknown>, rounds: number, steps: number, onRound?: (r: StepRound) => void): Promise<StepResult> {
  await resolveScenario(scenarioName);
  const plan = { strategy: 'random' as const, seed: 0 };
  const opts = { stepBudget: 0, opBudget: 0, stopOnForbidden: false, timeBudgetMs: RUN_BUDGET_MS, stepping: steps };
  const { run, base, shape } = prepareScheduled(scenarioName, values, plan, opts);
  const i32 = run.mem.i32;
  const n = i32[base + H_NACTORS];
  const opsOf = (a: number) => i32[counterWord(run.control, a, C_OPS)];
  let hung = false;
  const batch = runActors({ tasks: run.tasks, mem: run.mem, opNames: run.scenario.opNames, durationMs: 0, timeBudgetMs: RUN_BUDGET_MS, graceMs: 2000, onTick: () => hung });
  let hang: ActorFailure | null = null;
  let running = true;
  for (let round = 1; round <= rounds && running; round++) {
    const reports: StepReport[] = [];
    for (let a = 0; a < n && running; a++) {
      const before = opsOf(a);
      // The first step was set up with the run: actor 0, `steps` ops from none.
      if (round > 1 || a > 0) {
        if (i32[base + A_BASE + a * A_WORDS + R_STATE] !== A_DONE) resume(i32, base, a, before + steps);
      }
      const seen = await paused(i32, base);
      if (seen === 'hung') {
        hang = new ActorFailure('E_ACTOR_HUNG', a, run.roles[a], run.lastOp(a), `a step of ${steps} operations did not return within ${STEP_TIMEOUT_MS} ms`);
        Atomics.compareExchange(i32, base + H_STATUS, ST_RUNNING, ST_ABORTED);
        hung = true;
      }
      running = seen === 'paused';
      reports.push({ actor: a, role: run.roles[a], ops: opsOf(a), stepOps: opsOf(a) - before, lastOp: run.lastOp(a) });
    }
    onRound?.({ round, steps: reports, outcomes: Object.fromEntries(Object.entries(run.outcomeTotals()).filter(([, v]) => v > 0)) });
  }
  if (running) {
    // The holder is paused: nobody else touches the block, so the main thread may.
    raiseStop(i32, base, n);
    resume(i32, base, -1, 0);
  }
  const result = concludeScheduled(run, base, shape, await batch, plan, opts, null);
  if (hang) throw hang;
  return { oracles: result.oracles, notes: result.notes, failure: result.failure };
}

/** Set the next step (focus -1: none, the run goes on round-robin) and let the paused holder go. */
function resume(i32: Int32Array, base: number, focus: number, target: number): void {
  i32[base + H_FOCUS] = focus;
  i32[base + H_TARGET] = target;
  Atomics.store(i32, base + H_PAUSE, 0);
  Atomics.notify(i32, base + H_PAUSE);
}

/** Wait until the step is made (the holder pauses), the run ends, or the step times out. */
async function paused(i32: Int32Array, base: number): Promise<'paused' | 'ended' | 'hung'> {
  const until = performance.now() + STEP_TIMEOUT_MS;
  for (;;) {
    if (Atomics.load(i32, base + H_PAUSE) === 1) return 'paused';
    if (Atomics.load(i32, base + H_STATUS) !== ST_RUNNING) return 'ended';
    if (performance.now() > until) return 'hung';
    const w = Atomics.waitAsync(i32, base + H_PAUSE, 0, 20);
    if (w.async) await w.value;
  }
}
