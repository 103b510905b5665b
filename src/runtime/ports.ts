import type { Mem } from '../shm/mem.js';
import type { ActorTask } from './task.js';

/**
 * The port an actor's task asks for. The stress engine binds raw Atomics; the deterministic
 * engine (when present) registers a binder for 'scheduled'.
 */
const binders: Partial<Record<ActorTask['port'], (task: ActorTask, raw: Mem) => Mem>> = {};

/**
 * Thrown by a port to end its actor on purpose (the deterministic engine ended the run: a
 * deadlock, a stale actor, a forbidden outcome). The worker returns normally: not a crash.
 */
export class PortAbort extends Error {
  constructor(readonly status: string) {
    super(`the scheduler ended the run (${status})`);
    this.name = 'PortAbort';
  }
}

export function registerPort(kind: ActorTask['port'], bind: (task: ActorTask, raw: Mem) => Mem): void {
  binders[kind] = bind;
}

export function bindPort(task: ActorTask, raw: Mem): Mem {
  if (task.port === 'atomics') return raw;
  const bind = binders[task.port];
  if (!bind) throw new Error(`no '${task.port}' port is registered in this worker`);
  return bind(task, raw);
}
