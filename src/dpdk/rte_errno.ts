import { ConfigError } from '../errors.js';

/**
 * rte_errno: per thread in DPDK (a per-lcore variable), per worker here (each worker has
 * its own copy of this module). The C-style entry points (rte_ring_create,
 * rte_mempool_create, ...) return null and set it; the TypeScript API throws an RteError,
 * which carries the same errno.
 */
let errno = 0;

export function rte_errno(): number {
  return errno;
}

export function set_rte_errno(e: number): void {
  errno = e;
}

/** A creation refused as DPDK refuses it: a ConfigError that also says which errno DPDK sets. */
export class RteError extends ConfigError {
  constructor(
    readonly errno: number,
    field: string,
    problem: string,
    allowed: string,
  ) {
    super(field, problem, allowed);
  }
}

/** Run a throwing constructor the C way: its result, or null with rte_errno set from the RteError. */
export function orNull<T>(make: () => T): T | null {
  try {
    return make();
  } catch (e) {
    if (e instanceof RteError) {
      errno = e.errno;
      return null;
    }
    throw e;
  }
}

/** Run a throwing call the C way for a function that returns an int: its result, or DPDK's -errno from the RteError. */
export function orNegErrno(call: () => number): number {
  try {
    return call();
  } catch (e) {
    if (e instanceof RteError) return -e.errno;
    throw e;
  }
}
