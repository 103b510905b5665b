/**
 * memrace as a library: the shared image (Arena, the Mem port, SpinLock), the DPDK ring,
 * mempool and mbuf at the top level, each subsystem as a namespace (`dpdk`, `kernel`,
 * `paging`, `ruby`) and as its own subpath (`memrace/dpdk`, `memrace/kernel`,
 * `memrace/paging`, `memrace/ruby`, `memrace/lab`), and the stress engine.
 *
 * @module memrace
 */
export { Arena, CACHE_LINE } from './shm/arena.js';
export { AtomicsMem } from './shm/mem.js';
export type { Mem } from './shm/mem.js';
export { SpinLock, LockStats } from './shm/spinlock.js';
export { Ring, RingZcData } from './dpdk/ring.js';
export * from './dpdk/ring_layout.js';
export { runStress, prepareRun } from './lab/stress.js';
export { Machine } from './runtime/machine.js';
export type { Report } from './lab/report.js';
export { defineScenario, Violations, violationCount } from './lab/scenario.js';
export type {
  Scenario, ScenarioSpec, Subsystem, OracleResult, Violation, Grade, OutcomeSpec, VariantSpec, CannotShow, CheckContext, CheckResult, RoleFn,
} from './lab/scenario.js';
export type { ActorContext } from './runtime/context.js';
export type { Rng } from './runtime/rng.js';
export type { ParamSpec, ParamValue, Params } from './lab/params.js';
export { scenarios, findScenario } from './scenarios/index.js';
export * from './errors.js';
export { Mempool } from './dpdk/mempool.js';
export { arenaMemory, type MemChunk, type PoolMemoryProvider } from './dpdk/mempool_memory.js';
export { nodeMemory } from './dpdk/mempool_pages.js';
export { MempoolCache } from './dpdk/mempool_cache.js';
export { Pktmbuf } from './dpdk/mbuf.js';
export * as dpdk from './dpdk/index.js';
export * as kernel from './kernel/index.js';
export * as paging from './paging/index.js';
export * as ruby from './ruby/index.js';
