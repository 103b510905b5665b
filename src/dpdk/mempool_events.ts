import { EEXIST, ENOENT } from '../errors.js';

/** enum rte_mempool_event. */
export const RTE_MEMPOOL_EVENT_READY = 0;
export const RTE_MEMPOOL_EVENT_DESTROY = 1;

/** rte_mempool_event_callback: the pool is passed as whatever handle fired the event. */
export type MempoolEventCallback<P> = (event: number, mp: P, user_data: unknown) => void;

/**
 * The mempool event callbacks of this thread. DPDK keeps them per process (function
 * pointers do not cross processes); a worker is the closest thing here, so each worker
 * has its own list and sees the events of the pools it creates and frees.
 */
const callbacks: Array<{ func: MempoolEventCallback<never>; user_data: unknown }> = [];

/** rte_mempool_event_callback_register: 0, or -EEXIST for a (func, user_data) pair already registered. */
export function rte_mempool_event_callback_register<P>(func: MempoolEventCallback<P>, user_data: unknown): number {
  if (callbacks.some((c) => c.func === func && c.user_data === user_data)) return -EEXIST;
  callbacks.push({ func: func as MempoolEventCallback<never>, user_data });
  return 0;
}

/** rte_mempool_event_callback_unregister: 0, or -ENOENT when that pair is not registered (NULL has no special meaning). */
export function rte_mempool_event_callback_unregister<P>(func: MempoolEventCallback<P>, user_data: unknown): number {
  const i = callbacks.findIndex((c) => c.func === func && c.user_data === user_data);
  if (i < 0) return -ENOENT;
  callbacks.splice(i, 1);
  return 0;
}

/** mempool_event_callback_invoke: every callback, on a copy of the list (a callback may unregister itself). */
export function mempoolEventInvoke<P>(event: number, mp: P): void {
  for (const c of [...callbacks]) (c.func as MempoolEventCallback<P>)(event, mp, c.user_data);
}
