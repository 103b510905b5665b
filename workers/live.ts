import { parentPort } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { lastOpName } from '../src/shm/counters.js';
import { ActorContext } from '../src/runtime/context.js';
import { nodeEndpoint } from '../src/runtime/endpoint.js';
import type { LiveActorApi, StepReport } from '../src/runtime/live-api.js';
import { Rng } from '../src/runtime/rng.js';
import type { ActorTask } from '../src/runtime/task.js';
import type { Scenario } from '../src/lab/scenario.js';
import { resolveScenario } from '../src/scenarios/index.js';

/**
 * A live actor: one worker thread whose role the main thread runs a step at a time through
 * comlink. Between steps the role has returned, so the thread's event loop is free to
 * answer the next call.
 */
let ctx: ActorContext | undefined;
let scenario: Scenario | undefined;

const api: LiveActorApi = {
  async attach(task: ActorTask) {
    const arena = Arena.attach(task.sab, task.layout);
    scenario = await resolveScenario(task.scenario);
    ctx = new ActorContext(
      new AtomicsMem(task.sab), arena, task.control, task.actor, task.roles[task.actor], task.roles, task.params, task.state,
      new Rng((task.seed ^ Math.imul(task.actor + 1, 0x9e3779b1)) >>> 0), 0, task.grades, true,
    );
    ctx.grant(0);
  },
  step(n: number): StepReport {
    if (!ctx || !scenario) throw new Error('live actor: step before attach');
    const before = ctx.opsDone;
    ctx.grant(n);
    scenario.roles[ctx.role](ctx);
    const lastOp = lastOpName(ctx.i32, ctx.control, ctx.actor, scenario.opNames);
    return { actor: ctx.actor, role: ctx.role, ops: ctx.opsDone, stepOps: ctx.opsDone - before, lastOp };
  },
};

if (!parentPort) throw new Error('workers/live.js must run as a worker thread');
Comlink.expose(api, nodeEndpoint(parentPort));
