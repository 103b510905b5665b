import { Arena } from '../shm/arena.js';
import { AtomicsMem } from '../shm/mem.js';
import {
  C_CAS_RETRIES, C_CUSTOM, C_FORBIDDEN, C_OPS, C_SPINS, C_WAITS, LAT_BUCKETS, SLOT_WORDS, histogramPercentile,
} from '../shm/counters.js';
import { allocControl, controlBytes, type ControlLayout } from '../runtime/control.js';
import { runActors } from '../runtime/actors.js';
import type { ActorTask, PortKind } from '../runtime/task.js';
import { findScenario } from '../scenarios/index.js';
import { resolveScenarioParams } from './engine-params.js';
import type { Params } from './params.js';
import { type ActorReport, type LatencySummary, type OutcomeCount, type Report, envInfo, verdictOf } from './report.js';
import type { CheckResult, Scenario } from './scenario.js';

export interface Progress {
  elapsedMs: number;
  durationMs: number;
  totalOps: number;
  forbidden: number;
}

export interface StressOptions {
  scenario: string;
  /** Raw parameter values (CLI strings or typed), validated against the scenario. */
  params?: Record<string, unknown>;
  /** End as soon as any actor counts a forbidden outcome (broken-variant hunts). */
  stopOnForbidden?: boolean;
  /** The whole run ends by this, counted from the call, reporting what completed (default: duration + 30 s). */
  timeBudgetMs?: number;
  onProgress?: (p: Progress) => void;
}

/** A built image with its actors' tasks, before anything runs: shared by the stress and deterministic engines. */
export interface PreparedRun {
  scenario: Scenario;
  params: Params;
  arena: Arena;
  mem: AtomicsMem;
  control: ControlLayout;
  roles: string[];
  state: unknown;
  tasks: ActorTask[];
}

/**
 * Validate, lay out the image, run the scenario's setup: everything up to starting actors.
 * `extraBytes` (a count, or a function of the actor count) is room for the engine's own regions;
 * `sched` is the scheduler block's word index, or a function that carves it from the image
 * (given the actor count) once the scenario's regions are laid out, so traces can name them.
 */
export function prepareRun(
  scenarioName: string,
  raw: Record<string, unknown>,
  port: PortKind = 'atomics',
  extraBytes: number | ((actors: number) => number) = 0,
  sched: number | ((arena: Arena, actors: number) => number) = -1,
): PreparedRun {
  const scenario = findScenario(scenarioName);
  const params = resolveScenarioParams(scenario, raw);
  const roles = scenario.actors(params);
  const bytes = scenario.imageBytes(params) + controlBytes(roles.length, scenario.outcomes.length) +
    (typeof extraBytes === 'function' ? extraBytes(roles.length) : extraBytes) + 4096;
  const arena = Arena.create(bytes);
  const mem = new AtomicsMem(arena.sab);
  const control = allocControl(arena, roles.length, scenario.outcomes.length);
  const state = scenario.setup(arena, mem, params, roles);
  const schedWord = typeof sched === 'function' ? sched(arena, roles.length) : sched;
  const tasks: ActorTask[] = roles.map((_, actor) => ({
    sab: arena.sab,
    layout: arena.layout(),
    control,
    scenario: scenario.name,
    params,
    state,
    actor,
    roles,
    seed: params.seed as number,
    opBudget: params.ops as number,
    grades: scenario.outcomes.map((o) => o.grade),
    port,
    sched: schedWord,
  }));
  return { scenario, params, arena, mem, control, roles, state, tasks };
}

/** The name of a word in a run's image: the scenario's own, else the arena's region and offset. */
export function wordName(run: PreparedRun, word: number): string {
  if (word < 0) return '';
  return run.scenario.wordName?.(run.state, word) ?? run.arena.nameOf(word);
}

/** Sum of one runtime counter over every actor. */
export function sumCounter(run: PreparedRun, field: number): number {
  let s = 0;
  for (let a = 0; a < run.roles.length; a++) s += Atomics.load(run.mem.i32, run.control.counters + a * SLOT_WORDS + field);
  return s;
}

/** Outcome counts by id, summed over actors. */
export function outcomeTotals(run: PreparedRun): Record<string, number> {
  const out: Record<string, number> = {};
  const { control, scenario, mem } = run;
  scenario.outcomes.forEach((o, k) => {
    let s = 0;
    for (let a = 0; a < run.roles.length; a++) s += Atomics.load(mem.i32, control.outcomes + a * control.outcomeStride + k);
    out[o.id] = s;
  });
  return out;
}

/** Run the scenario's oracles on the quiescent image. */
export function checkRun(run: PreparedRun, results: readonly unknown[]): CheckResult {
  const { scenario, mem, control } = run;
  return scenario.check({
    arena: run.arena,
    mem,
    params: run.params,
    state: run.state,
    roles: run.roles,
    results,
    outcomes: outcomeTotals(run),
    counter: (a, name) => {
      const k = scenario.counters.indexOf(name);
      if (k < 0) throw new Error(`scenario ${scenario.name} has no counter '${name}'`);
      return mem.i32[control.counters + a * SLOT_WORDS + C_CUSTOM + k];
    },
  });
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
  const run = prepareRun(opts.scenario, opts.params ?? {});
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
      const forbidden = sumCounter(run, C_FORBIDDEN);
      opts.onProgress?.({ elapsedMs, durationMs, totalOps: sumCounter(run, C_OPS), forbidden });
      return opts.stopOnForbidden === true && forbidden > 0;
    },
  });
  const check = batch.failures.length ? { oracles: [], notes: ['oracles skipped: an actor failed, the image is not quiescent'] } : checkRun(run, batch.results);
  const totals = outcomeTotals(run);
  for (const [k, v] of Object.entries(check.outcomes ?? {})) totals[k] = (totals[k] ?? 0) + v;
  const outcomes: OutcomeCount[] = scenario.outcomes.map((o) => ({ outcome: o.id, grade: o.grade, count: totals[o.id] ?? 0, description: o.description }));
  const secs = batch.elapsedMs / 1000;
  const allLat = new Array<number>(LAT_BUCKETS).fill(0);
  const perActor: ActorReport[] = roles.map((role, a) => {
    const slot = control.counters + a * SLOT_WORDS;
    const hist = mem.i32.subarray(control.latency + a * LAT_BUCKETS, control.latency + (a + 1) * LAT_BUCKETS);
    hist.forEach((v, i) => (allLat[i] += v));
    const ops = mem.i32[slot + C_OPS];
    return {
      actor: a,
      role,
      ops,
      opsPerSec: secs > 0 ? ops / secs : 0,
      casRetries: mem.i32[slot + C_CAS_RETRIES],
      spins: mem.i32[slot + C_SPINS],
      waits: mem.i32[slot + C_WAITS],
      latencyNs: latencyOf(hist),
      latencyHist: Array.from(hist),
      counters: Object.fromEntries(scenario.counters.map((name, k) => [name, mem.i32[slot + C_CUSTOM + k]])),
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
    verdict: 'pass',
    env: envInfo(),
    startedAt,
  };
  report.verdict = verdictOf(report);
  return report;
}
