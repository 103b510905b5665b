import type { ArenaLayout } from '../shm/arena.js';
import type { Params } from '../lab/params.js';
import type { ControlLayout } from './control.js';
import type { HistoryRef } from '../lab/history/recorder.js';

/** Which Mem port an actor binds: raw Atomics, or the deterministic scheduler's turn-taking port. */
export type PortKind = 'atomics' | 'scheduled';

/** Everything an actor needs to re-attach and run, as plain data (the buffer stays shared). */
export interface ActorTask {
  sab: SharedArrayBuffer;
  layout: ArenaLayout;
  control: ControlLayout;
  scenario: string;
  params: Params;
  state: unknown;
  actor: number;
  roles: string[];
  seed: number;
  opBudget: number;
  grades: string[];
  port: PortKind;
  /** Word index of the scheduler's block (port 'scheduled' only). */
  sched: number;
  /** Where the actor records its operations' history (`--check linearizable`); absent when off. */
  history?: HistoryRef;
}

export interface ActorReturn {
  actor: number;
  result: unknown;
}
