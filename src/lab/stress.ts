import {
  C_CAS_RETRIES, C_CUSTOM, C_FORBIDDEN, C_OPS, C_SPINS, C_WAITS, LAT_BUCKETS, counterWord, histogramPercentile,
} from '../shm/counters.js';
import { runActors } from '../runtime/actors.js';
import { Machine, type MachineOptions } from '../runtime/machine.js';
import { findScenario, resolveScenario } from '../scenarios/index.js';
import { resolveScenarioParams } from './engine-params.js';
import { type CheckName, STRESS_HISTORY_WORDS, checkRunHistory } from './history/oracle.js';
import { variantSpec } from './scenario.js';
import { type ActorReport, type LatencySummary, type Report, envInfo, verdictOf } from './report.js';

export interface Progress {
  elapsedMs: number;
  durationMs: number;
  totalOps: number;
  forbidden: number;
}

export interface StressOptions {
  /** A built-in scenario's name, or a path to a scenario file (.mjs, .js, .ts). */
  scenario: string;
  /** Raw parameter values (CLI strings or typed), validated against the scenario. */
  params?: Record<string, unknown>;
  /** End as soon as any actor counts a forbidden outcome (broken-variant hunts). */
  stopOnForbidden?: boolean;
  /** The whole run ends by this, counted from the call, reporting what completed (default: duration + 30 s). */
  timeBudgetMs?: number;
  onProgress?: (p: Progress) => void;
  /** `linearizable`: record every operation and check the history against the scenario's spec. */
  check?: CheckName;
  /** Aborting it stops the actors at the next tick; the oracles still check what completed. */
  signal?: AbortSignal;
}

/** How long the stress engine's history check may search before it says unknown. */
const HISTORY_CHECK_MS = 60_000;

/**
 * Validate the raw parameters against the scenario and build its machine: everything up to
 * starting actors, shared by the stress and deterministic engines and `memrace step`.
 */
export function prepareRun(scenarioName: string, raw: Record<string, unknown>, opts: MachineOptions = {}): Machine {
  const scenario = findScenario(scenarioName);
  return new Machine(scenario, resolveScenarioParams(scenario, raw), opts);
}

function latencyOf(hist: ArrayLike<number>): LatencySummary {
  let samples = 0;
  let max = 0;
  for (let i = 0; i < hist.length; i++) {
    samples += hist[i];
    if (hist[i]) max = 2 ** (i + 1);
  }
  return {
    p50: histogramPercentile(hist, 0.5),
    p90: histogramPercentile(hist, 0.9),
    p99: histogramPercentile(hist, 0.99),
    max,
    samples,
  };
}

/**
 * The stress engine: N real workers hammer the scenario's structures for a duration or an
 * op budget, then the oracles examine the image.
 */
export async function runStress(opts: StressOptions): Promise<Report> {
  const spec = await resolveScenario(opts.scenario);
  const variant = variantSpec(spec, opts.params?.variant);
  // A variant whose bug only the history shows records it unless the caller chose.
  const historyCheck = opts.check ?? variant?.check;
  const run = prepareRun(opts.scenario, opts.params ?? {}, historyCheck ? { history: { words: STRESS_HISTORY_WORDS } } : {});
  const { scenario, params, mem, control, roles } = run;
  const durationMs = (params.ops as number) > 0 ? 0 : (params.duration as number);
  const timeBudgetMs = opts.timeBudgetMs ?? (durationMs || 60_000) + 30_000;
  const startedAt = new Date().toISOString();
  const batch = await runActors({
    tasks: run.tasks,
    mem,
    opNames: scenario.opNames,
    locks: scenario.locks?.(run.state),
    durationMs,
    timeBudgetMs,
    // Time for stopped actors to return: the slack the budget leaves past the duration, at least
    // a second (a quarter of a short budget), at most five.
    graceMs: Math.min(5000, Math.max(Math.min(1000, timeBudgetMs / 4), timeBudgetMs - durationMs)),
    onTick: (elapsedMs) => {
      const forbidden = run.sum(C_FORBIDDEN);
      opts.onProgress?.({ elapsedMs, durationMs, totalOps: run.sum(C_OPS), forbidden });
      return opts.signal?.aborted === true || (opts.stopOnForbidden === true && forbidden > 0);
    },
  });
  const check = batch.failures.length ? { oracles: [], notes: ['oracles skipped: an actor failed, the image is not quiescent'] } : run.check(batch.results);
  if (historyCheck && !batch.failures.length) {
    const h = checkRunHistory(run, HISTORY_CHECK_MS);
    if (h.oracle) check.oracles.push(h.oracle);
    (check.notes ??= []).push(h.note);
  }
  const outcomes = run.outcomeCounts(check.outcomes);
  const secs = batch.elapsedMs / 1000;
  const allLat = new Array<number>(LAT_BUCKETS).fill(0);
  const perActor: ActorReport[] = roles.map((role, a) => {
    const slot = counterWord(control, a, 0);
    const hist = mem.i32.subarray(control.latency + a * LAT_BUCKETS, control.latency + (a + 1) * LAT_BUCKETS);
    hist.forEach((v, i) => (allLat[i] += v));
    // Unsigned: a long run on many cores passes 2^31 operations per actor.
    const ops = mem.i32[slot + C_OPS] >>> 0;
    return {
      actor: a,
      role,
      ops,
      opsPerSec: secs > 0 ? ops / secs : 0,
      casRetries: mem.i32[slot + C_CAS_RETRIES] >>> 0,
      spins: mem.i32[slot + C_SPINS] >>> 0,
      waits: mem.i32[slot + C_WAITS] >>> 0,
      latencyNs: latencyOf(hist),
      latencyHist: Array.from(hist),
      counters: Object.fromEntries(scenario.counters.map((name, k) => [name, mem.i32[slot + C_CUSTOM + k] >>> 0])),
    };
  });
  const totalOps = perActor.reduce((s, a) => s + a.ops, 0);
  const report: Report = {
    scenario: scenario.name,
    variant: params.variant as string,
    params,
    seed: params.seed as number,
    workers: roles.length,
    roles,
    durationMs: Math.round(batch.elapsedMs),
    totalOps,
    opsPerSec: secs > 0 ? totalOps / secs : 0,
    perActor,
    actorResults: batch.results,
    latencyNs: latencyOf(allLat),
    latencyHist: allLat,
    oracles: check.oracles,
    outcomes,
    failures: batch.failures,
    heldLocks: batch.heldLocks,
    notes: check.notes ?? [],
    stoppedEarly: batch.stoppedEarly,
    ...(opts.signal?.aborted ? { interrupted: true } : {}),
    verdict: 'pass',
    ...(variant?.blind ? { blind: variant.blind } : {}),
    env: envInfo(),
    startedAt,
  };
  report.verdict = verdictOf(report);
  return report;
}
