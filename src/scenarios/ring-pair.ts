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
type P = Params & { queue: Kind; objects: number; bulk: number };

interface PairState {
  ring: RingRef;
  ringbuf: SharedArrayBuffer;
  /** The lock-based queue: lock word, head, tail (each on its own line), then the slots. */
  lockq: number;
  slots: number;
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

function produce(ctx: ActorContext<P, PairState>): Span {
  const { mem, state: s, params: p } = ctx;
  const n = p.objects;
  const bulk = p.bulk;
  const buf = Int32Array.from({ length: bulk }, (_, i) => i);
  const t0 = now();
  let sent = 0;
  let spins = 0;
  if (p.queue === 'ringbuf') {
    const rb = new RingBuffer(s.ringbuf, Int32Array);
    while (sent < n) {
      const k = rb.push(buf, Math.min(bulk, n - sent));
      sent += k;
      if (k === 0 && (++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  } else if (p.queue === 'lock') {
    const q = new LockQueue(mem, s.lockq, s.slots, ctx.actor);
    while (sent < n) {
      if (q.push(sent)) sent++;
      else if ((++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  } else {
    const ring = new Ring(mem, s.ring);
    const single = p.queue === 'mpmc-single';
    while (sent < n) {
      const k = single ? (ring.enqueue(sent) === 0 ? 1 : 0) : ring.enqueue_burst(buf, Math.min(bulk, n - sent));
      sent += k;
      if (k === 0 && (++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  }
  ctx.done(sent);
  return { t0, t1: now() };
}

function consume(ctx: ActorContext<P, PairState>): Span {
  const { mem, state: s, params: p } = ctx;
  const n = p.objects;
  const bulk = p.bulk;
  const buf = new Int32Array(bulk);
  const t0 = now();
  let got = 0;
  let spins = 0;
  if (p.queue === 'ringbuf') {
    const rb = new RingBuffer(s.ringbuf, Int32Array);
    while (got < n) {
      const k = rb.pop(buf, bulk);
      got += k;
      if (k === 0 && (++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  } else if (p.queue === 'lock') {
    const q = new LockQueue(mem, s.lockq, s.slots, ctx.actor);
    while (got < n) {
      if (q.pop() >= 0) got++;
      else if ((++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  } else {
    const ring = new Ring(mem, s.ring);
    const single = p.queue === 'mpmc-single';
    while (got < n) {
      const k = single ? (ring.dequeue(buf) === 0 ? 1 : 0) : ring.dequeue_burst(buf, bulk);
      got += k;
      if (k === 0 && (++spins & 1023) === 0 && ctx.stopFlag()) break;
    }
  }
  ctx.done(got);
  return { t0, t1: now() };
}

export const ringPair = defineScenario<P, PairState>({
  name: 'ring-pair',
  summary: 'benchmark helper: one producer and one consumer move N values through one queue kind',
  subsystem: 'dpdk',
  hidden: true,
  omit: ['workers', 'duration', 'ops'],
  params: [
    { name: 'queue', type: 'choice', default: 'mpmc-bulk', choices: QUEUE_KINDS, help: 'queue under test' },
    { name: 'objects', type: 'int', default: 1_000_000, min: 1, help: 'values to move' },
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
    };
  },
  roles: { producer: produce, consumer: consume },
  check: () => ({ oracles: [] }),
});
