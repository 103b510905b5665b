import { SpinLock, Violations, defineScenario, dpdk } from 'memrace';

/**
 * app/test/test_mempool.c, test_mempool_sp_sc (DPDK 26.07) on two lcore workers: a pool
 * created with NO_CACHE_ALIGN | SP_PUT | SC_GET (so its backend is ring_sp_sc) and found by
 * rte_mempool_lookup; test_mempool_single_consumer (lcore 1) gets objects into the free
 * entries of scsp_obj_table[MAX_KEEP] while test_mempool_single_producer (lcore 0) puts
 * them back from it, the table under scsp_spinlock. rte_mempool_from_obj must name the pool
 * for every object the producer puts; at the end the pool and the table hold every object
 * once. Upstream runs each side for a fraction of a second; here for the run's duration or
 * op budget.
 */
const MAX_KEEP = 16;
const MEMPOOL_SIZE = 4 * (MAX_KEEP + 512) - 1;
const MEMPOOL_ELT_SIZE = 2048;
const FLAGS = dpdk.RTE_MEMPOOL_F_NO_CACHE_ALIGN | dpdk.RTE_MEMPOOL_F_SP_PUT | dpdk.RTE_MEMPOOL_F_SC_GET;

export default defineScenario({
  name: 'test_mempool_sp_sc',
  subsystem: 'dpdk',
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'an object got by the consumer was put back by the producer' },
    { id: 'foreign', grade: 'FORBIDDEN', description: 'rte_mempool_from_obj named another pool (test_mempool_single_producer: "obj not owned by this mempool")' },
  ],
  counters: ['got', 'put'],
  imageBytes: () => Math.ceil((MEMPOOL_SIZE * (MEMPOOL_ELT_SIZE + 64)) / 4096) * 4096 + (2 << 20),
  actors: () => ['producer', 'consumer'],
  setup(arena, mem) {
    const mp = dpdk.rte_mempool_create(arena, mem, 'test_mempool_sp_sc', MEMPOOL_SIZE, MEMPOOL_ELT_SIZE, 0, 0, null, -1, FLAGS, { max_lcore: 2 });
    return { ref: mp.ref, ops: mp.ops_name, lock: arena.allocWords('scsp_spinlock', 1), table: arena.allocWords('scsp_obj_table', MAX_KEEP), done: arena.allocWords('consumer_done', 1) };
  },
  roles: {
    producer(ctx) {
      const { mem, arena, state: s } = ctx;
      const mp = dpdk.rte_mempool_lookup(arena, mem, 'test_mempool_sp_sc', 0);
      const lock = new SpinLock(mem, s.lock);
      for (;;) {
        let i = 0;
        let obj = 0;
        lock.lock(ctx.actor);
        for (; i < MAX_KEEP; i++) if ((obj = mem.load(s.table + i)) !== 0) break;
        lock.unlock();
        if (i >= MAX_KEEP) {
          if (mem.load(s.done) !== 0) break;
          continue;
        }
        if (dpdk.Mempool.from_obj(mem, obj) !== mp.base) ctx.outcome(1);
        mp.put(obj);
        lock.lock(ctx.actor);
        mem.store(s.table + i, 0);
        lock.unlock();
        ctx.count(1);
        ctx.outcome(0);
        ctx.done(1);
      }
    },
    consumer(ctx) {
      const { mem, arena, state: s } = ctx;
      const mp = dpdk.rte_mempool_lookup(arena, mem, 'test_mempool_sp_sc', 1);
      const lock = new SpinLock(mem, s.lock);
      const out = new Int32Array(1);
      while (!ctx.stopped()) {
        let i = 0;
        lock.lock(ctx.actor);
        for (; i < MAX_KEEP; i++) if (mem.load(s.table + i) === 0) break;
        lock.unlock();
        if (i >= MAX_KEEP) continue;
        if (mp.get(out) < 0) break;
        lock.lock(ctx.actor);
        mem.store(s.table + i, out[0]);
        lock.unlock();
        ctx.count(0);
        ctx.done(1);
      }
      mem.store(s.done, 1);
    },
  },
  check({ mem, arena, state: s }) {
    const mp = dpdk.rte_mempool_lookup(arena, mem, 'test_mempool_sp_sc');
    const found = new Violations();
    if (s.ops !== 'ring_sp_sc') found.add(`the backend is ${s.ops}, not ring_sp_sc`);
    const held = Array.from({ length: MAX_KEEP }, (_, i) => mem.load(s.table + i)).filter((o) => o !== 0).length;
    for (const v of mp.conservation(held)) found.add(v.message);
    for (const v of mp.audit()) found.add(v.message);
    return { oracles: [found.result('every object once: pool + table = size')] };
  },
});
