import { EEXIST, EINVAL, ENOENT } from '../errors.js';
import { set_rte_errno } from './rte_errno.js';

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

/**
 * rte_mempool_event_callback_register: 0; -EEXIST for a (func, user_data) pair already
 * registered; -EINVAL for a NULL func. Sets rte_errno to the negated result (0 on success).
 */
export function rte_mempool_event_callback_register<P>(func: MempoolEventCallback<P> | null, user_data: unknown): number {
  let ret = 0;
  if (func === null) ret = -EINVAL;
  else if (callbacks.some((c) => c.func === func && c.user_data === user_data)) ret = -EEXIST;
  else callbacks.push({ func: func as MempoolEventCallback<never>, user_data });
  set_rte_errno(-ret);
  return ret;
}

/** rte_mempool_event_callback_unregister: 0, or -ENOENT when that pair is not registered (NULL has no special meaning); sets rte_errno likewise. */
export function rte_mempool_event_callback_unregister<P>(func: MempoolEventCallback<P>, user_data: unknown): number {
  const i = callbacks.findIndex((c) => c.func === func && c.user_data === user_data);
  if (i >= 0) callbacks.splice(i, 1);
  const ret = i < 0 ? -ENOENT : 0;
  set_rte_errno(-ret);
  return ret;
}

/**
 * mempool_event_callback_invoke: RTE_TAILQ_FOREACH_SAFE over the list, the next entry
 * taken before each call. So a callback may unregister itself; one registered during the
 * walk lands at the tail and is called in this walk unless the caller was the last entry
 * (test_mempool_events_safety relies on both). A callback that unregisters the entry after
 * its own is a use after free in DPDK; here that entry is still called.
 */
export function mempoolEventInvoke<P>(event: number, mp: P): void {
  let c = callbacks[0];
  while (c !== undefined) {
    const next = callbacks[callbacks.indexOf(c) + 1];
    (c.func as MempoolEventCallback<P>)(event, mp, c.user_data);
    c = next;
  }
}
