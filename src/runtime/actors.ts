import { Piscina } from 'piscina';
import { C_STATE, S_CRASHED, STATE_NAMES, counterWord, lastOpName } from '../shm/counters.js';
import { SpinLock } from '../shm/spinlock.js';
import type { Mem } from '../shm/mem.js';
import { GO, READY, STOP } from './control.js';
import { workerFile } from './paths.js';
import type { ActorReturn, ActorTask } from './task.js';

/** A crashed or hung actor: which one, its role, what it was doing, and why we gave up on it. */
export interface ActorFailureReport {
  actor: number;
  role: string;
  kind: 'crashed' | 'hung';
  lastOp: string;
  state: string;
  message: string;
}

export interface BatchOptions {
  /** One task per actor; `task.actor` is its index. */
  tasks: ActorTask[];
  /** The main thread's view of the image (for reading counters and locks). */
  mem: Mem;
  opNames: readonly string[];
  /** Raise the stop flag after this long (0: run until every actor's op budget is spent). */
  durationMs: number;
  /**
   * The whole batch ends by this, counted from the call, whatever the actors do: the stop
   * flag goes up `graceMs` before it, and whoever has not returned by it is declared hung.
   */
  timeBudgetMs: number;
  /** How long a stopped actor may take to return before it is declared hung (at most half the budget). */
  graceMs: number;
  /** Named lock words, so a dead actor's held locks can be reported. */
  locks?: ReadonlyArray<{ name: string; word: number }>;
  /**
   * Run on this pool (exactly tasks.length threads, atomics 'disabled') and leave it open:
   * the deterministic engine runs thousands of short batches. A hung actor still destroys it.
   */
  pool?: Piscina;
  /** Called about every 100 ms with the elapsed time; return true to stop early. */
  onTick?: (elapsedMs: number) => boolean | void;
}

export interface BatchResult {
  results: unknown[];
  failures: ActorFailureReport[];
  elapsedMs: number;
  stoppedEarly: boolean;
  /** Locks still held at the end, with their holder. */
  heldLocks: Array<{ name: string; holder: number }>;
}

const STARTUP_MS = 30_000;
const TICK_MS = 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A pool of exactly `threads` actor threads. atomics 'disabled': an idle pool thread must keep
 * its event loop free, and each actor is a single long task.
 */
export function actorPool(threads: number): Piscina {
  return new Piscina({
    filename: workerFile('actor'),
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    atomics: 'disabled',
    concurrentTasksPerWorker: 1,
  });
}

/**
 * Run one batch of actors on a piscina pool of exactly that many threads: start them
 * together behind a barrier, stop them by the flag in the image, and never hang: a crashed
 * actor stops the others and is reported; one that does not return within the grace after
 * the stop is reported hung and its thread terminated.
 */
export async function runActors(opts: BatchOptions): Promise<BatchResult> {
  const { tasks, mem } = opts;
  const n = tasks.length;
  const control = tasks[0].control;
  const i32 = mem.i32;
  const pool = opts.pool ?? actorPool(n);
  const results: unknown[] = new Array(n).fill(null);
  const settled = new Array<boolean>(n).fill(false);
  // Resolves when the last actor settles, so a short batch ends at once, not at the next tick.
  let allSettled!: () => void;
  const done = new Promise<void>((r) => (allSettled = r));
  let nSettled = 0;
  const settle = (a: number) => {
    settled[a] = true;
    if (++nSettled === n) allSettled();
  };
  const failures: ActorFailureReport[] = [];
  const role = (a: number) => tasks[a].roles[a];
  const lastOp = (a: number) => lastOpName(i32, control, a, opts.opNames);
  const stateOf = (a: number) => STATE_NAMES[i32[counterWord(control, a, C_STATE)]] ?? 'unknown';
  const stop = () => {
    Atomics.store(i32, control.control + STOP, 1);
    Atomics.notify(i32, control.control + STOP);
  };
  for (const t of tasks) {
    pool.run(t).then(
      (r: ActorReturn) => {
        results[t.actor] = r.result;
        settle(t.actor);
      },
      (err: unknown) => {
        // After a hang is reported, destroy() rejects the task: that is our doing, not a crash.
        if (settled[t.actor]) return;
        settle(t.actor);
        Atomics.store(i32, counterWord(control, t.actor, C_STATE), S_CRASHED);
        const e = err instanceof Error ? err : new Error(String(err));
        failures.push({ actor: t.actor, role: role(t.actor), kind: 'crashed', lastOp: lastOp(t.actor), state: 'crashed', message: e.message });
        stop();
      },
    );
  }

  const t0 = performance.now();
  const graceMs = Math.min(opts.graceMs, opts.timeBudgetMs / 2);
  const stopBy = t0 + opts.timeBudgetMs - graceMs;
  let stoppedEarly = false;
  let stopAt = -1;
  // The barrier: every actor attached, or one crashed on the way.
  while (Atomics.load(i32, control.control + READY) < n && failures.length === 0) {
    if (performance.now() - t0 > STARTUP_MS || performance.now() >= stopBy) break;
    // Woken by the arriving actor's notify (a reused pool's threads arrive in well under a
    // millisecond), with a timeout for the startup and failure checks.
    const seen = Atomics.load(i32, control.control + READY);
    const w = Atomics.waitAsync(i32, control.control + READY, seen, 2);
    if (w.async) await w.value;
  }
  const start = performance.now();
  Atomics.store(i32, control.control + GO, 1);
  Atomics.notify(i32, control.control + GO);
  if (failures.length) stopAt = start;

  for (;;) {
    await Promise.race([sleep(stopAt < 0 ? TICK_MS : 10), done]);
    const elapsed = performance.now() - start;
    if (settled.every(Boolean)) break;
    if (stopAt < 0) {
      const early = opts.onTick?.(elapsed) === true;
      if (early || (opts.durationMs > 0 && elapsed >= opts.durationMs) || performance.now() >= stopBy) {
        stoppedEarly = early || (opts.durationMs === 0 || elapsed < opts.durationMs);
        stop();
        stopAt = performance.now();
      }
    } else if (performance.now() - stopAt > graceMs) {
      for (let a = 0; a < n; a++) {
        if (settled[a]) continue;
        settled[a] = true;
        failures.push({
          actor: a, role: role(a), kind: 'hung', lastOp: lastOp(a), state: stateOf(a),
          message: `did not return within ${Math.round(graceMs)} ms of the stop flag`,
        });
      }
      break;
    }
  }
  const elapsedMs = Math.min(performance.now() - start, stopAt < 0 ? Infinity : stopAt - start + graceMs);
  opts.onTick?.(elapsedMs);
  // destroy() terminates any thread still running: a hung actor never keeps the process alive.
  if (!opts.pool || failures.some((f) => f.kind === 'hung')) await pool.destroy();
  const heldLocks = (opts.locks ?? [])
    .map((l) => ({ name: l.name, holder: SpinLock.holder(mem, l.word) }))
    .filter((l) => l.holder >= 0);
  return { results, failures, elapsedMs, stoppedEarly, heldLocks };
}
