/** What an actor reports after a step (memrace step, scheduled or live). */
export interface StepReport {
  actor: number;
  role: string;
  /** Ops this actor has done in all, and in this step. */
  ops: number;
  stepOps: number;
  lastOp: string;
}

/** The API a live actor's worker exposes through comlink. */
export interface LiveActorApi {
  attach(task: import('./task.js').ActorTask): void | Promise<void>;
  /** Run the role until it has done `n` more ops or cannot progress alone. */
  step(n: number): StepReport;
}
