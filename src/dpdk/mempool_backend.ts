/** Contention counters of one handle's backend operations. */
export interface OpsStats {
  casRetries: number;
  spins: number;
  waits: number;
}

/**
 * struct rte_mempool_ops: the backend (the "common pool") behind the caches. Both calls are
 * all or nothing, as DPDK's drivers are: enqueue 0 or -ENOBUFS, dequeue 0 or -ENOENT.
 */
export interface MempoolOps {
  enqueue_bulk(objs: Int32Array, n: number, off: number): number;
  dequeue_bulk(out: Int32Array, n: number, off: number): number;
  get_count(): number;
  /** Every object the backend holds; quiescent audits only. */
  forEach(fn: (obj: number) => void): void;
  readonly stats: OpsStats;
}
