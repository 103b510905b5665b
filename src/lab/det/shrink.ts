import type { Piscina } from 'piscina';
import type { Decision, DetFailure, DetOptions, DetRun, IterationPlan } from './engine.js';
import { runScheduled } from './engine.js';
import type { ScheduleFile } from './schedule.js';

/** A shrunk schedule's plan: its decisions forced, then the holder goes on (no preemption). */
export const SHRUNK_PLAN: IterationPlan = { strategy: 'dfs', seed: 0 };

/** Runs the shrinker may spend, and time: a failure is reported even when shrinking is cut short. */
const MAX_RUNS = 300;
const MAX_MS = 20_000;
/** A run is not started with less time than this left (its actors need a grace to see the stop). */
export const MIN_RUN_MS = 1000;

/** A choice that is not the default: a context switch the schedule asks for. */
const deviates = (d: Decision) => d.chosen !== d.dflt;
/** Choosing `alt` at d is a preemption (1): a switch away from an actor that could go on. DFS's bound counts these too. */
export const preemptionCost = (d: Decision, alt: number = d.chosen): number => (d.holderCould && alt !== d.dflt ? 1 : 0);

export const preemptions = (ds: readonly Decision[]) => ds.reduce((n, d) => n + preemptionCost(d), 0);
/** Context switches a schedule asks for (preemptions, and picks other than the default when the holder cannot go). */
export const switches = (ds: readonly Decision[]) => ds.reduce((n, d) => n + (deviates(d) ? 1 : 0), 0);

/** A schedule's size, compared in this order: preemptions, then switches, then decisions. */
export interface ScheduleSize {
  decisions: number;
  switches: number;
  preemptions: number;
}

export const sizeOf = (ds: readonly Decision[]): ScheduleSize => ({ decisions: ds.length, switches: switches(ds), preemptions: preemptions(ds) });
const smaller = (a: ScheduleSize, b: ScheduleSize) => (a.preemptions - b.preemptions || a.switches - b.switches || a.decisions - b.decisions) < 0;

/** What must stay the same for a shrunk run to be the same failure: the forbidden outcome, the broken oracles, the kind. */
export function failureKey(f: DetFailure | null): string | null {
  if (!f) return null;
  if (f.kind === 'forbidden') return f.message;
  if (f.kind === 'oracle') return `oracle ${[...f.message.matchAll(/oracle ([^:]+):/g)].map((m) => m[1]).join(',')}`;
  return f.kind;
}

/** The run's parameters and plan as the schedule header holds them. */
const rerun = (head: ScheduleFile, forced: number[], det: DetOptions, pool: Piscina) =>
  runScheduled(head.scenarioFile ?? head.scenario, head.params, { ...SHRUNK_PLAN, forced }, { ...det, lenient: true }, pool);

/** The run with no preemption at all (the holder goes on until it blocks or ends; a spinner yields). */
export function sequentialRun(head: ScheduleFile, det: DetOptions, pool: Piscina): Promise<DetRun> {
  return rerun(head, [], det, pool);
}

export interface Shrunk {
  run: DetRun;
  from: ScheduleSize;
  to: ScheduleSize;
  /** Runs the shrinker made. */
  runs: number;
}

/** One rerun of the shrinker: a schedule's forced choices (the holder goes on after them), and the time it may take. */
export type Rerun = (forced: number[], timeBudgetMs: number) => Promise<DetRun>;

/**
 * Minimise a failing schedule: fewest preemptions first, then fewest switches, then fewest
 * decisions. Delta
 * debugging over the schedule's context switches: drop a chunk of them (each chosen actor
 * becomes the default one), keep the choices up to the last switch kept, let the holder go on
 * after it; when the same failure comes back from a smaller schedule, that run is the new one and the chunks start over from halves.
 * `left` is the time the caller has left (explore's --time-budget): no run outlasts it.
 */
export function shrink(head: ScheduleFile, found: DetRun, det: DetOptions, pool: Piscina, left: () => number = () => Infinity): Promise<Shrunk> {
  return shrinkBy((forced, timeBudgetMs) => rerun(head, forced, { ...det, timeBudgetMs }, pool), found, det.timeBudgetMs, left);
}

/** shrink() over any way to rerun a schedule: each run gets at most `timeBudgetMs`, and no more than is left. */
export async function shrinkBy(run: Rerun, found: DetRun, timeBudgetMs: number, left: () => number = () => Infinity): Promise<Shrunk> {
  const key = failureKey(found.failure);
  const t0 = performance.now();
  const until = () => Math.min(MAX_MS - (performance.now() - t0), left());
  let cur = found;
  let runs = 0;
  const better = (r: DetRun) => failureKey(r.failure) === key && smaller(sizeOf(r.decisions), sizeOf(cur.decisions));
  const budgetLeft = () => runs < MAX_RUNS && until() >= MIN_RUN_MS;
  // Chunks of the switches, from all of them down to one; a success keeps the chunk size
  // (the schedule changed, its switches are listed again), a failure halves it.
  for (let size = Infinity; budgetLeft(); ) {
    const at = cur.decisions.flatMap((d, k) => (deviates(d) ? [k] : []));
    size = Math.min(size, at.length);
    if (size === 0) break;
    let improved = false;
    for (let from = at.length - size; from > -size && budgetLeft() && !improved; from -= size) {
      const drop = new Set(at.slice(Math.max(0, from), from + size));
      const last = at.filter((k) => !drop.has(k)).at(-1) ?? -1;
      const forced = cur.decisions.slice(0, last + 1).map((d, k) => (drop.has(k) ? d.dflt : d.chosen));
      runs++;
      // A run the time cuts short has no failure: never better.
      const r = await run(forced, Math.min(timeBudgetMs, until()));
      if (better(r)) {
        cur = r;
        improved = true;
      }
    }
    if (!improved) {
      if (size === 1) break;
      size = Math.ceil(size / 2);
    }
  }
  return { run: cur, from: sizeOf(found.decisions), to: sizeOf(cur.decisions), runs };
}
