import { RingBuffer } from 'ringbuf.js';
import { Ring, type RingRef } from '../dpdk/ring.js';
import { ringFlags } from '../dpdk/ring_layout.js';
import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import { SpinLock } from '../shm/spinlock.js';
import type { ActorContext } from '../runtime/context.js';
import type { Mem } from '../shm/mem.js';

/**
 * For benchmarks: one producer and one consumer move `objects` 32-bit values through one
 * queue. Each actor returns the wall-clock span of its loop, so throughput is measured
 * from the first start to the last end, not from the pool's start-up.
 */
export const QUEUE_KINDS = ['spsc', 'ringbuf', 'mpmc-bulk', 'mpmc-single', 'lock'] as const;
type Kind = (typeof QUEUE_KINDS)[number];
type P = Params & { queue: Kind; objects: number; warmup: number; bulk: number };

interface PairState {
  ring: RingRef;
  ringbuf: SharedArrayBuffer;
  /** The lock-based queue: lock word, head, tail (each on its own line), then the slots. */
  lockq: number;
  slots: number;
  /** Actors that finished their warm-up. */
  barrier: number;
}

const LOCKQ_HEAD = 16;
const LOCKQ_TAIL = 32;
const LOCKQ_DATA = 48;

export interface Span {
  t0: number;
  t1: number;
}

const now = () => performance.timeOrigin + performance.now();

/** A FIFO of 32-bit values in an array behind the spinlock: the naive design rings replace. */
class LockQueue {
  private readonly lock: SpinLock;
  constructor(
    private readonly mem: Mem,
    private readonly base: number,
    private readonly slots: number,
    private readonly owner: number,
  ) {
    this.lock = new SpinLock(mem, base);
  }
  push(v: number): boolean {
    const { mem, base } = this;
    this.lock.lock(this.owner);
    const head = mem.read(base + LOCKQ_HEAD);
    const tail = mem.read(base + LOCKQ_TAIL);
    const ok = tail - head < this.slots;
    if (ok) {
      mem.write(base + LOCKQ_DATA + (tail % this.slots), v);
      mem.write(base + LOCKQ_TAIL, tail + 1);
    }
    this.lock.unlock();
    return ok;
  }
  pop(): number {
    const { mem, base } = this;
    this.lock.lock(this.owner);
    const head = mem.read(base + LOCKQ_HEAD);
    const tail = mem.read(base + LOCKQ_TAIL);
    let v = -1;
    if (tail !== head) {
      v = mem.read(base + LOCKQ_DATA + (head % this.slots));
      mem.write(base + LOCKQ_HEAD, head + 1);
    }
    this.lock.unlock();
    return v;
  }
}

/** One call's worth of work: moves up to k values through `buf`, returns how many moved. */
type Step = (k: number) => number;

/**
 * Move n values with `step`, `bulk` at most per call; a full (empty) queue is polled again
 * at once, as DPDK's lcores do, with a look at the stop flag every 1024 empty polls.
 */
function pump(ctx: ActorContext<P, PairState>, step: Step, n: number): number {
  const bulk = ctx.params.bulk;
  let moved = 0;
  let spins = 0;
  while (moved < n) {
    const k = step(n - moved < bulk ? n - moved : bulk);
    moved += k;
    if (k === 0 && (++spins & 1023) === 0 && ctx.stopFlag()) break;
  }
  return moved;
}

/** Both actors wait here after the warm-up, so the timed loops start together. */
function meet(ctx: ActorContext<P, PairState>): void {
  const { mem, state } = ctx;
  mem.add(state.barrier, 1);
  let spins = 0;
  while (mem.load(state.barrier) < 2) if ((++spins & 1023) === 0 && ctx.stopFlag()) return;
}

/**
 * Warm up, meet, then time `objects` values. The warm-up (`warmup` values, the same for
 * every queue kind) lets V8 compile both loops before the clock starts: measured cold, a
 * 4M-value run spent most of its time before the optimizing compiler had finished, so the
 * figure was the JIT's more than the queue's (a queue of smaller functions won).
 */
function timed(ctx: ActorContext<P, PairState>, step: Step): Span {
  pump(ctx, step, Math.min(ctx.params.warmup, ctx.params.objects));
  meet(ctx);
  const t0 = now();
  ctx.done(pump(ctx, step, ctx.params.objects));
  return { t0, t1: now() };
}

function produce(ctx: ActorContext<P, PairState>): Span {
  const { mem, state: s, params: p } = ctx;
  const buf = Int32Array.from({ length: p.bulk }, (_, i) => i);
  if (p.queue === 'ringbuf') {
    const rb = new RingBuffer(s.ringbuf, Int32Array);
    return timed(ctx, (k) => rb.push(buf, k));
  }
  if (p.queue === 'lock') {
    const q = new LockQueue(mem, s.lockq, s.slots, ctx.actor);
    let v = 0;
    return timed(ctx, () => (q.push(v) ? (v++, 1) : 0));
  }
  const ring = new Ring(mem, s.ring);
  if (p.queue === 'mpmc-single') {
    let v = 0;
    return timed(ctx, () => (ring.enqueue(v) === 0 ? (v++, 1) : 0));
  }
  return timed(ctx, (k) => ring.enqueue_burst(buf, k));
}

function consume(ctx: ActorContext<P, PairState>): Span {
  const { mem, state: s, params: p } = ctx;
  const buf = new Int32Array(p.bulk);
  if (p.queue === 'ringbuf') {
    const rb = new RingBuffer(s.ringbuf, Int32Array);
    return timed(ctx, (k) => rb.pop(buf, k));
  }
  if (p.queue === 'lock') {
    const q = new LockQueue(mem, s.lockq, s.slots, ctx.actor);
    return timed(ctx, () => (q.pop() >= 0 ? 1 : 0));
  }
  const ring = new Ring(mem, s.ring);
  if (p.queue === 'mpmc-single') return timed(ctx, () => (ring.dequeue(buf) === 0 ? 1 : 0));
  return timed(ctx, (k) => ring.dequeue_burst(buf, k));
}

export const ringPair = defineScenario<P, PairState>({
  name: 'ring-pair',
  summary: 'benchmark helper: one producer and one consumer move N values through one queue kind',
  subsystem: 'dpdk',
  hidden: true,
  omit: ['workers', 'duration', 'ops'],
  params: [
    { name: 'queue', type: 'choice', default: 'mpmc-bulk', choices: QUEUE_KINDS, help: 'queue under test' },
    { name: 'objects', type: 'int', default: 1_000_000, min: 1, help: 'values to move, timed' },
    { name: 'warmup', type: 'int', default: 1_000_000, min: 0, help: 'values moved before the clock starts' },
    { name: 'bulk', type: 'int', default: 32, min: 1, max: 1024, help: 'values per call' },
    { name: 'count', type: 'int', default: 1024, min: 2, max: 1 << 20, help: 'queue slots' },
  ],
  variants: [{ name: 'correct', summary: 'as shipped' }],
  outcomes: [],
  counters: [],
  opNames: ['start'],
  imageBytes: (p) => Ring.memsize(p.count as number, 0) + (p.count as number) * 4 + 4096,
  actors: () => ['producer', 'consumer'],
  setup(arena, mem, p) {
    const single = p.queue === 'spsc';
    const ring = Ring.create(arena, mem, 'pair', p.count as number, single ? ringFlags('SP', 'SC') : ringFlags('MP', 'MC'));
    return {
      ring: ring.ref,
      ringbuf: RingBuffer.getStorageForCapacity(p.count as number, Int32Array),
      lockq: arena.allocWords('lockq', LOCKQ_DATA + (p.count as number)),
      slots: p.count as number,
      barrier: arena.allocWords('pair.barrier', 1),
    };
  },
  roles: { producer: produce, consumer: consume },
  check: () => ({ oracles: [] }),
});
