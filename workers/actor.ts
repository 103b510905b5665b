import { Arena } from '../src/shm/arena.js';
import { AtomicsMem, type Mem } from '../src/shm/mem.js';
import { C_LONGEST_GAP_MS, C_STATE, S_CRASHED, S_DONE, S_READY, S_RUNNING, counterWord } from '../src/shm/counters.js';
import { ActorContext } from '../src/runtime/context.js';
import { GO, READY } from '../src/runtime/control.js';
import { Rng } from '../src/runtime/rng.js';
import type { ActorReturn, ActorTask } from '../src/runtime/task.js';
import { HistoryRecorder } from '../src/lab/history/recorder.js';
import { resolveScenario } from '../src/scenarios/index.js';
import { PortAbort, bindPort } from '../src/runtime/ports.js';
// Registers the 'scheduled' port, so a deterministic run's tasks bind it in this worker.
import '../src/lab/det/port.js';
import { interposer, runtimeRanges } from '../src/lab/det/interpose.js';

/**
 * One actor on a pool thread: attach to the image, wait at the start barrier, run the role,
 * leave the state word saying how it ended. The main thread's watchdog reads that word.
 */
export default async function runActor(task: ActorTask): Promise<ActorReturn> {
  const arena = Arena.attach(task.sab, task.layout);
  const mem: Mem = bindPort(task, new AtomicsMem(task.sab));
  // Under the scheduler, the role's own Atomics calls are scheduling points too (interpose.ts).
  const interposed = task.port === 'scheduled' ? interposer(mem, task.sab, runtimeRanges(task.layout)) : null;
  const scenario = await resolveScenario(task.scenario);
  const roleName = task.roles[task.actor];
  const role = scenario.roles[roleName];
  const i32 = arena.i32;
  const c = task.control;
  const stateWord = counterWord(c, task.actor, C_STATE);
  const ctx = new ActorContext(
    interposed?.mem ?? mem, arena, c, task.actor, roleName, task.roles, task.params, task.state,
    new Rng((task.seed ^ Math.imul(task.actor + 1, 0x9e3779b1)) >>> 0), task.opBudget, task.grades,
  );
  if (task.history) ctx.history = new HistoryRecorder(i32, task.history, task.actor);
  Atomics.store(i32, stateWord, S_READY);
  Atomics.add(i32, c.control + READY, 1);
  Atomics.notify(i32, c.control + READY);
  // Wait at the barrier with a timeout: the main thread may give up on a slow start and stop.
  while (Atomics.load(i32, c.control + GO) === 0) Atomics.wait(i32, c.control + GO, 0, 50);
  Atomics.store(i32, stateWord, S_RUNNING);
  try {
    let result: unknown;
    interposed?.install();
    try {
      result = role(ctx);
    } finally {
      interposed?.restore();
      if (interposed) i32[counterWord(c, task.actor, C_LONGEST_GAP_MS)] = Math.min(2 ** 31 - 1, Math.round(interposed.longestGapMs()));
    }
    mem.retire?.(false);
    Atomics.store(i32, stateWord, S_DONE);
    return { actor: task.actor, result: result ?? null };
  } catch (err) {
    // The scheduler ended the run on purpose (a deadlock, a stale actor, a forbidden
    // outcome): its block in the image says why; the actor just leaves.
    if (err instanceof PortAbort) {
      Atomics.store(i32, stateWord, S_DONE);
      return { actor: task.actor, result: null };
    }
    mem.retire?.(true);
    Atomics.store(i32, stateWord, S_CRASHED);
    throw err;
  }
}
