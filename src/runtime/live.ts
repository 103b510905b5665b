import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { ActorFailure } from '../errors.js';
import { nodeEndpoint } from './endpoint.js';
import type { LiveActorApi, StepReport } from './live-api.js';
import { workerFile } from './paths.js';
import type { ActorTask } from './task.js';

/**
 * An actor on its own worker thread, driven from the main thread through a comlink proxy:
 * `step(n)` lets it run n operations and reports where it stopped. Several live actors
 * stepped in turn give a coarse, reproducible interleaving that a person can follow.
 */
export class LiveActor {
  private constructor(
    private readonly worker: Worker,
    private readonly proxy: Comlink.Remote<LiveActorApi>,
    readonly actor: number,
  ) {}

  static async start(task: ActorTask): Promise<LiveActor> {
    const worker = new Worker(workerFile('live'), { workerData: null });
    const proxy = Comlink.wrap<LiveActorApi>(nodeEndpoint(worker));
    await proxy.attach(task);
    return new LiveActor(worker, proxy, task.actor);
  }

  /**
   * Run n operations. A step that does not come back within `timeoutMs` is a hang: the
   * thread is terminated and the failure names the actor, its role and its last operation.
   */
  async step(n: number, timeoutMs: number, describe: () => { role: string; lastOp: string }): Promise<StepReport> {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const d = describe();
        void this.worker.terminate();
        reject(new ActorFailure('E_ACTOR_HUNG', this.actor, d.role, d.lastOp, `a step of ${n} operations did not return within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.proxy.step(n), hung]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Release the proxy and end the thread: a live actor never outlives its session. */
  async close(): Promise<void> {
    this.proxy[Comlink.releaseProxy]();
    await this.worker.terminate();
  }
}
