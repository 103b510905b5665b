import { describe, expect, it } from 'vitest';
import { Ring } from '../src/dpdk/ring.js';
import { VARIANT_NO_TAIL_WAIT, ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_ring's MP/MC tail wait (__rte_ring_update_tail: `rte_wait_until_equal_32(&ht->tail,
 * old_val, ...)`), in process: thread A is preempted between its head CAS and its tail
 * store; thread B reserves after it and finishes its copy. B must wait for A's tail before
 * publishing its own, or the other side reads A's slots before A wrote them. A spin in
 * B is seen as its first `pause()`, which throws here instead of spinning for ever.
 */
class Waited extends Error {}

class Preempt extends AtomicsMem {
  hook: (() => void) | null = null;
  override compareExchange(i: number, expected: number, replacement: number): number {
    const got = super.compareExchange(i, expected, replacement);
    const h = this.hook;
    if (h && got === expected) {
      this.hook = null;
      h();
    }
    return got;
  }
  override pause(): void {
    throw new Waited();
  }
}

class Spinner extends AtomicsMem {
  override pause(): void {
    throw new Waited();
  }
}

/** Spins for free, then throws where it would sleep on the tail word. */
class Patient extends AtomicsMem {
  slept: Array<[number, number]> = [];
  override waitFlagged(i: number, expected: number): 'ok' | 'not-equal' | 'timed-out' {
    this.slept.push([i, expected]);
    throw new Waited();
  }
}

function rings(prod: 'MP' | 'SP', cons: 'MC' | 'SC', variant = 0) {
  const arena = Arena.create(1 << 16);
  const plain = new AtomicsMem(arena.sab);
  const r = Ring.create(arena, plain, 'r', 64, ringFlags(prod, cons), { variant });
  const preempt = new Preempt(arena.sab);
  const patient = new Patient(arena.sab);
  return { r, preempt, patient, a: new Ring(preempt, r.ref), b: new Ring(new Spinner(arena.sab), r.ref), c: new Ring(patient, r.ref) };
}

const drain = (r: Ring) => {
  const out = new Int32Array(16);
  return Array.from(out.subarray(0, r.dequeue_burst(out, 16)));
};

describe('rte_ring MP/MC: a thread that reserved after a preempted one waits for its tail', () => {
  it('MP enqueue: B spins on the tail A has not published; the consumer sees A\'s pair only, whole', () => {
    const { r, preempt, a, b } = rings('MP', 'MC');
    preempt.hook = () => {
      expect(() => b.enqueue_bulk(Int32Array.of(3, 4), 2)).toThrow(Waited);
      expect(r.count()).toBe(0); // nothing published yet
    };
    expect(a.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
    expect(preempt.hook).toBeNull();
    expect(b.stats.spins).toBe(1);
    expect(drain(r)).toEqual([1, 2]);
  });

  it('MC dequeue: B spins on the consumer tail A has not published; the producer cannot reuse A\'s slots yet', () => {
    const { r, preempt, a, b } = rings('MP', 'MC');
    expect(r.enqueue_bulk(Int32Array.of(1, 2, 3, 4), 4)).toBe(4);
    const consTail = () => r.free_count();
    const before = consTail();
    preempt.hook = () => {
      expect(() => b.dequeue_bulk(new Int32Array(2), 2)).toThrow(Waited);
      expect(consTail()).toBe(before);
    };
    const out = new Int32Array(2);
    expect(a.dequeue_bulk(out, 2)).toBe(2);
    expect(Array.from(out)).toEqual([1, 2]);
    expect(b.stats.spins).toBe(1);
    expect(consTail()).toBe(before + 2);
  });

  it('the no-tail-wait variant publishes past A: the consumer is handed A\'s slots before A wrote them', () => {
    const { r, preempt, a, b } = rings('MP', 'MC', VARIANT_NO_TAIL_WAIT);
    preempt.hook = () => {
      expect(b.enqueue_bulk(Int32Array.of(3, 4), 2)).toBe(2);
      expect(r.count()).toBe(4);
      const out = new Int32Array(4);
      expect(r.dequeue_bulk(out, 4)).toBe(4);
      expect(Array.from(out)).toEqual([0, 0, 3, 4]); // A's slots, still unwritten
    };
    expect(a.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
  });

  it('spins 256 times (SPIN_LIMIT), then sleeps on the tail word while it still reads what the last look saw', () => {
    const { r, preempt, patient, a, c } = rings('MP', 'MC');
    preempt.hook = () => {
      expect(() => c.enqueue_bulk(Int32Array.of(3, 4), 2)).toThrow(Waited);
    };
    expect(a.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
    expect([c.stats.spins, c.stats.waits]).toEqual([256, 1]);
    expect(patient.slept).toHaveLength(1);
    expect(patient.slept[0][1]).toBe(0); // the tail A had not moved yet
    expect(r.count()).toBe(2);
  });

  it('SP/SC never wait: a single producer publishes at once', () => {
    const { r, b } = rings('SP', 'SC');
    expect(b.enqueue_bulk(Int32Array.of(5), 1)).toBe(1);
    expect([b.stats.spins, r.count()]).toEqual([0, 1]);
  });
});
