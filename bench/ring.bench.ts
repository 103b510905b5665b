import { Ring } from '../src/dpdk/ring.js';
import { ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { cpus } from 'node:os';
import { measurePairs } from './pair.js';
import { measureSync } from './tiny.js';
import type { BenchSuite, Measurement } from './suite.js';
import { clockGHz, dpdkNote } from './dpdk-ring-perf.js';

const LOOP = 1024;

/** One tinybench case: 32 rounds of enqueue_bulk + dequeue_bulk of `n` objects on `ring`. */
function bulkCase(name: string, ring: Ring, n: number, objs: Int32Array, out: Int32Array) {
  return {
    name,
    opsPerCall: 32 * n,
    note: 'per object',
    fn: () => {
      for (let i = 0; i < 32; i++) {
        ring.enqueue_bulk(objs, n);
        ring.dequeue_bulk(out, n);
      }
    },
  };
}

export const ringSuite: BenchSuite = {
  name: 'ring',
  summary: 'rte_ring against ringbuf.js, single-object and lock-based queues, Atomics.add, and the Mem port',
  async run({ quick, log }) {
    const arena = Arena.create(1 << 20);
    const mem = new AtomicsMem(arena.sab);
    const ring = Ring.create(arena, mem, 'bench', 1024, ringFlags('MP', 'MC'));
    const spsc = Ring.create(arena, mem, 'bench-spsc', 1024, ringFlags('SP', 'SC'));
    const counter = arena.allocWords('bench.counter', 1024);
    const i32 = arena.i32;
    const objs = Int32Array.from({ length: 32 }, (_, i) => i);
    const out = new Int32Array(32);
    let sink = 0;
    log('single-thread loops (tinybench)');
    const single = await measureSync(
      [
        { name: 'Atomics.add, uncontended', opsPerCall: LOOP, fn: () => { for (let i = 0; i < LOOP; i++) Atomics.add(i32, counter, 1); } },
        bulkCase('MP/MC bulk-32 enqueue+dequeue, one thread', ring, 32, objs, out),
        { name: 'raw Atomics load+add loop', opsPerCall: LOOP, fn: () => { for (let i = 0; i < LOOP; i++) sink += Atomics.load(i32, counter + (i & 255)) + Atomics.add(i32, counter + 512, 1); } },
        { name: 'Mem port load+add loop', opsPerCall: LOOP, fn: () => { for (let i = 0; i < LOOP; i++) sink += mem.load(counter + (i & 255)) + mem.add(counter + 512, 1); } },
        bulkCase('MP/MC bulk-8 enqueue+dequeue, one thread', ring, 8, objs, out),
        bulkCase('SP/SC bulk-32 enqueue+dequeue, one thread', spsc, 32, objs, out),
        bulkCase('SP/SC bulk-8 enqueue+dequeue, one thread', spsc, 8, objs, out),
      ],
      quick,
    );
    void sink;
    const objects = quick ? 200_000 : 8_000_000;
    const runs = quick ? 1 : 5;
    const pair = await measurePairs(
      ([
        ['rte_ring SP/SC burst-32, 2 workers', 'spsc', 'per object', 32],
        ['ringbuf.js push/pop 32, 2 workers', 'ringbuf', 'per object (npm SPSC ring)', 32],
        ['rte_ring MP/MC bulk-32, 2 workers', 'mpmc-bulk', 'per object', 32],
        ['rte_ring MP/MC single-object, 2 workers', 'mpmc-single', 'per object', 32],
        ['array queue behind the spinlock, 2 workers', 'lock', 'one object per lock hold', 32],
        ['rte_ring SP/SC burst-8, 2 workers', 'spsc', 'per object', 8],
        ['rte_ring MP/MC bulk-8, 2 workers', 'mpmc-bulk', 'per object', 8],
      ] as const).map(([name, queue, note, bulk]) => ({
        name,
        note,
        params: { queue, objects: queue === 'lock' || queue === 'mpmc-single' ? objects / 8 : objects, warmup: objects / 4, bulk },
      })),
      runs,
      log,
    );
    const [add, bulk1, raw, port, mpmc8x1, spsc32x1, spsc8x1] = single;
    const [spscPair, ringbuf, mpmc, mpmcSingle, lock, spsc8, mpmc8] = pair;
    // DPDK's ring_perf_autotest beside each ring figure, converted at this machine's clock.
    const ghz = clockGHz();
    const anchored: Array<[Measurement, 'SP/SC' | 'MP/MC', number, 'one thread' | '2 workers']> = [
      [bulk1, 'MP/MC', 32, 'one thread'], [mpmc8x1, 'MP/MC', 8, 'one thread'],
      [spsc32x1, 'SP/SC', 32, 'one thread'], [spsc8x1, 'SP/SC', 8, 'one thread'],
      [spscPair, 'SP/SC', 32, '2 workers'], [spsc8, 'SP/SC', 8, '2 workers'],
      [mpmc, 'MP/MC', 32, '2 workers'], [mpmc8, 'MP/MC', 8, '2 workers'],
    ];
    for (const [m, mode, bulk, place] of anchored) m.note = dpdkNote(mode, bulk, place, m, ghz);
    return {
      suite: 'ring',
      cpus: cpus().length,
      measurements: [...single, ...pair],
      targets: [
        { name: 'SP/SC ring vs ringbuf.js (throughput)', ratio: spscPair.opsPerSec / ringbuf.opsPerSec, bound: 1.0 },
        { name: 'MP/MC bulk-32 vs single-object (throughput, 2 workers)', ratio: mpmc.opsPerSec / mpmcSingle.opsPerSec, bound: 1.0 },
        { name: 'MP/MC bulk-32 vs lock-based queue (throughput, 2 workers)', ratio: mpmc.opsPerSec / lock.opsPerSec, bound: 5 },
        { name: 'bulk-32 object cost / Atomics.add, one thread', ratio: bulk1.nsPerOp / add.nsPerOp, bound: 0.5, atMost: true },
        { name: 'bulk-32 object cost / Atomics.add, 2 workers', ratio: mpmc.nsPerOp / add.nsPerOp, bound: 1.5, atMost: true },
        { name: 'Mem port / raw Atomics (time per loop)', ratio: port.nsPerOp / raw.nsPerOp, bound: 1.1, atMost: true },
      ],
    };
  },
};
