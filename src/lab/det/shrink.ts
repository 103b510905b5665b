import type { Piscina } from 'piscina';
import type { Decision, DetFailure, DetOptions, DetRun, IterationPlan } from './engine.js';
import { runScheduled } from './engine.js';
import type { ScheduleFile } from './schedule.js';

/** A shrunk schedule's plan: its decisions forced, then the holder goes on (no preemption). */
export const SHRUNK_PLAN: IterationPlan = { strategy: 'dfs', seed: 0 };

/** Runs the shrinker may spend, and time: a failure is reported even when shrinking is cut short. */
const MAX_RUNS = 300;
const MAX_MS = 20_000;

/** A choice that is not the default: a context switch the schedule asks for. */
const deviates = (d: Decision) => d.chosen !== d.dflt;
/** A switch away from an actor that could go on. */
const preempts = (d: Decision) => d.holderCould && d.chosen !== d.dflt;

export const preemptions = (ds: readonly Decision[]) => ds.reduce((n, d) => n + (preempts(d) ? 1 : 0), 0);

/** What must stay the same for a shrunk run to be the same failure: the forbidden outcome, the broken oracles, the kind. */
export function failureKey(f: DetFailure | null): string | null {
  if (!f) return null;
  if (f.kind === 'forbidden') return f.message;
  if (f.kind === 'oracle') return `oracle ${[...f.message.matchAll(/oracle ([^:]+):/g)].map((m) => m[1]).join(',')}`;
  return f.kind;
}

/** The run's parameters and plan as the schedule header holds them. */
const rerun = (head: ScheduleFile, forced: number[], det: DetOptions, pool: Piscina) =>
  runScheduled(head.scenario, head.params, { ...SHRUNK_PLAN, forced }, { ...det, lenient: true }, pool);

/** The run with no preemption at all (the holder goes on until it blocks or ends; a spinner yields). */
export function sequentialRun(head: ScheduleFile, det: DetOptions, pool: Piscina): Promise<DetRun> {
  return rerun(head, [], det, pool);
}

export interface Shrunk {
  run: DetRun;
  fromPreemptions: number;
  preemptions: number;
}

/**
 * Minimise a failing schedule: fewest preemptions first, then fewest decisions. Delta
 * debugging over the schedule's context switches: drop a chunk of them (each chosen actor
 * becomes the default one), keep the choices up to the last switch kept, let the holder go on
 * after it; when the same failure comes back with fewer preemptions (or as many and fewer
 * decisions), that run is the new schedule and the chunks start over from halves.
 */
export async function shrink(head: ScheduleFile, found: DetRun, det: DetOptions, pool: Piscina): Promise<Shrunk> {
  const key = failureKey(found.failure);
  const t0 = performance.now();
  let cur = found;
  let runs = 0;
  const better = (r: DetRun) => {
    if (failureKey(r.failure) !== key) return false;
    const p = preemptions(r.decisions);
    const q = preemptions(cur.decisions);
    return p < q || (p === q && r.decisions.length < cur.decisions.length);
  };
  const budgetLeft = () => runs < MAX_RUNS && performance.now() - t0 < MAX_MS;
  outer: while (budgetLeft()) {
    const switches = cur.decisions.flatMap((d, k) => (deviates(d) ? [k] : []));
    for (let size = Math.max(1, Math.ceil(switches.length / 2)); ; size = Math.ceil(size / 2)) {
      for (let from = switches.length - size; from > -size && budgetLeft(); from -= size) {
        const drop = new Set(switches.slice(Math.max(0, from), from + size));
        const last = switches.filter((k) => !drop.has(k)).at(-1) ?? -1;
        const forced = cur.decisions.slice(0, last + 1).map((d, k) => (drop.has(k) ? d.dflt : d.chosen));
        runs++;
        const r = await rerun(head, forced, det, pool);
        if (better(r)) {
          cur = r;
          continue outer;
        }
      }
      if (size === 1) break outer;
    }
  }
  return { run: cur, fromPreemptions: preemptions(found.decisions), preemptions: preemptions(cur.decisions) };
}
