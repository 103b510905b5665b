import { describe, expect, it } from 'vitest';
import { ENOBUFS, ENOENT } from '../src/errors.js';
import { LfStack, StdStack, lfStackAlloc, stackAlloc } from '../src/dpdk/mempool_stack.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The `stack` and `lf_stack` mempool drivers (drivers/mempool/stack, lib/stack), in process:
 * the std stack's lock is held around every access to its length and slots (rte_stack_std
 * takes s->lock in push and pop, both the full and the short return), and the lf stack's
 * counts and lists at their bounds.
 */
class Spun extends Error {}

/** A spin on a held lock is its first pause(): thrown, so a test sees that the call waited. */
class NoSpin extends AtomicsMem {
  override pause(): void {
    throw new Spun();
  }
}

const OWNER = 3;

function std(size: number, unlocked = false) {
  const arena = Arena.create(1 << 14);
  const mem = new NoSpin(arena.sab);
  const base = stackAlloc(arena, mem, 'MP_s', size);
  return { mem, s: new StdStack(mem, base, OWNER, unlocked) };
}

function lf(size: number) {
  const arena = Arena.create(1 << 14);
  const mem = new NoSpin(arena.sab);
  return new LfStack(mem, lfStackAlloc(arena, mem, 'MP_l', size));
}

describe('stack driver (rte_stack_std): the lock', () => {
  const calls = [
    ['push that fits', (s: StdStack) => s.enqueue_bulk(Int32Array.of(1, 2), 2, 0), 0],
    ['push past the size (-ENOBUFS)', (s: StdStack) => s.enqueue_bulk(new Int32Array(5), 5, 0), -ENOBUFS],
    ['pop of what is there', (s: StdStack) => s.dequeue_bulk(new Int32Array(1), 1, 0), 0],
    ['pop of more than is there (-ENOENT)', (s: StdStack) => s.dequeue_bulk(new Int32Array(3), 3, 0), -ENOENT],
  ] as const;

  it.each(calls)('%s waits while another lcore holds the lock', (_, call) => {
    const { mem, s } = std(4);
    s.enqueue_bulk(Int32Array.of(7, 8), 2, 0);
    mem.store(s.lockWord, 9 + 1);
    expect(() => call(s)).toThrow(Spun);
    expect(s.get_count()).toBe(2);
  });

  it.each(calls)('%s leaves the lock free, with its return code', (_, call, rc) => {
    const { mem, s } = std(4);
    s.enqueue_bulk(Int32Array.of(7, 8), 2, 0);
    expect(call(s)).toBe(rc);
    expect(mem.load(s.lockWord)).toBe(0);
  });

  it('the unlocked variant (broken on purpose) never looks at the lock', () => {
    const { mem, s } = std(4, true);
    mem.store(s.lockWord, 9 + 1);
    expect(s.enqueue_bulk(Int32Array.of(1, 2, 3), 3, 0)).toBe(0);
    expect(s.enqueue_bulk(Int32Array.of(4, 5), 2, 0)).toBe(-ENOBUFS);
    expect(s.dequeue_bulk(new Int32Array(4), 4, 0)).toBe(-ENOENT);
    expect(s.dequeue_bulk(new Int32Array(3), 3, 0)).toBe(0);
    expect(mem.load(s.lockWord)).toBe(9 + 1);
  });

  it('fills to exactly its size, LIFO, and empties to exactly 0', () => {
    const { s } = std(4);
    expect(s.enqueue_bulk(Int32Array.of(1, 2, 3), 3, 0)).toBe(0);
    expect(s.enqueue_bulk(Int32Array.of(0, 4), 1, 1)).toBe(0);
    expect(s.get_count()).toBe(4);
    expect(s.enqueue_bulk(Int32Array.of(5), 1, 0)).toBe(-ENOBUFS);
    const seen: number[] = [];
    s.forEach((o) => seen.push(o));
    expect(seen).toEqual([1, 2, 3, 4]);
    const out = new Int32Array(5);
    expect(s.dequeue_bulk(out, 3, 1)).toBe(0);
    expect([...out]).toEqual([0, 4, 3, 2, 0]);
    expect(s.dequeue_bulk(out, 2, 0)).toBe(-ENOENT);
    expect(s.dequeue_bulk(out, 1, 0)).toBe(0);
    expect(out[0]).toBe(1);
    expect(s.get_count()).toBe(0);
    expect(s.stats).toEqual({ casRetries: 0, spins: 0, waits: 0 });
  });
});

describe('lf_stack driver (rte_stack_lf)', () => {
  it('takes exactly its size, pops the last pushed first, and refuses one more each way', () => {
    const s = lf(4);
    expect(s.enqueue_bulk(Int32Array.of(1, 2, 3), 3, 0)).toBe(0);
    expect(s.enqueue_bulk(Int32Array.of(9, 4), 1, 1)).toBe(0);
    expect(s.get_count()).toBe(4);
    expect(s.enqueue_bulk(Int32Array.of(5), 1, 0)).toBe(-ENOBUFS);
    const seen: number[] = [];
    s.forEach((o) => seen.push(o));
    expect(seen).toEqual([4, 3, 2, 1]);
    const out = new Int32Array(5);
    expect(s.dequeue_bulk(out, 5, 0)).toBe(-ENOENT);
    expect(s.dequeue_bulk(out, 3, 1)).toBe(0);
    expect([...out]).toEqual([0, 4, 3, 2, 0]);
    expect(s.get_count()).toBe(1);
    // The freed nodes are reused: three more fit, a fourth does not.
    expect(s.enqueue_bulk(Int32Array.of(6, 7, 8), 3, 0)).toBe(0);
    expect(s.enqueue_bulk(Int32Array.of(5), 1, 0)).toBe(-ENOBUFS);
    expect(s.dequeue_bulk(out, 4, 0)).toBe(0);
    expect([...out.subarray(0, 4)]).toEqual([8, 7, 6, 1]);
    expect(s.get_count()).toBe(0);
    expect(s.stats).toEqual({ casRetries: 0, spins: 0, waits: 0 });
  });

  it('an empty lf stack of size 0 refuses both ways', () => {
    const s = lf(0);
    expect(s.enqueue_bulk(Int32Array.of(1), 1, 0)).toBe(-ENOBUFS);
    expect(s.dequeue_bulk(new Int32Array(1), 1, 0)).toBe(-ENOENT);
    const seen: number[] = [];
    s.forEach((o) => seen.push(o));
    expect(seen).toEqual([]);
  });
});
