import { describe, expect, it } from 'vitest';
import { Ring } from '../src/dpdk/ring.js';
import { ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * Another thread's whole operation run just before this thread's k-th CAS: the
 * interleaving every multi-thread sync mode must survive, in-process, so the CAS's answer
 * is checked by a unit test (and by mutation testing, which cannot see worker threads).
 */
class CasInterrupt extends AtomicsMem {
  k = 0;
  hook: () => void = () => {};
  private before(): void {
    if (--this.k === 0) this.hook();
  }
  override compareExchange(i: number, expected: number, replacement: number): number {
    this.before();
    return super.compareExchange(i, expected, replacement);
  }
  override compareExchange64(i: number, expected: bigint, replacement: bigint): bigint {
    this.before();
    return super.compareExchange64(i, expected, replacement);
  }
}

function pair(flags: number) {
  const arena = Arena.create(1 << 16);
  const plain = new AtomicsMem(arena.sab);
  // 64 slots: RTS lets a head run htd_max = capacity / 8 ahead of the tail, room for the second thread's pair.
  const other = Ring.create(arena, plain, 'r', 64, flags);
  const mine = new CasInterrupt(arena.sab);
  return { mine, me: new Ring(mine, other.ref), other };
}

const drain = (r: Ring) => {
  const out = new Int32Array(16);
  return Array.from(out.subarray(0, r.dequeue_burst(out, 16)));
};

describe('rte_ring: another thread\'s whole operation between this thread\'s reads and its CAS', () => {
  // The CASes of one enqueue: MP's head; RTS's head, then its tail; HTS's head-and-tail word.
  for (const [mode, k] of [['MP', 1], ['MT_RTS', 1], ['MT_RTS', 2], ['MT_HTS', 1]] as const) {
    {
      it(`${mode} enqueue: a second producer enqueues before CAS #${k}; both pairs arrive whole, each in its order`, () => {
        const { mine, me, other } = pair(ringFlags(mode, 'MC'));
        mine.k = k;
        let ran = false;
        mine.hook = () => {
          ran = true;
          expect(other.enqueue_bulk(Int32Array.of(3, 4), 2)).toBe(2);
        };
        expect(me.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
        expect(ran).toBe(true);
        // The CAS that lost to the other producer was retried, once.
        expect(me.stats.casRetries).toBe(1);
        expect(other.count()).toBe(4);
        const got = drain(other);
        expect([...got].sort()).toEqual([1, 2, 3, 4]);
        expect(got.indexOf(1)).toBeLessThan(got.indexOf(2));
        expect(got.indexOf(3)).toBeLessThan(got.indexOf(4));
        expect(other.audit()).toEqual([]);
      });
    }
  }

  for (const [mode, k] of [['MC', 1], ['MT_RTS', 1], ['MT_RTS', 2], ['MT_HTS', 1]] as const) {
    {
      it(`${mode} dequeue: a second consumer dequeues before CAS #${k}; each object goes to exactly one of them, in order`, () => {
        const { mine, me, other } = pair(ringFlags('MP', mode));
        expect(other.enqueue_bulk(Int32Array.of(1, 2, 3, 4), 4)).toBe(4);
        let theirs: number[] = [];
        mine.k = k;
        mine.hook = () => {
          const out = new Int32Array(2);
          expect(other.dequeue_bulk(out, 2)).toBe(2);
          theirs = Array.from(out);
        };
        const out = new Int32Array(2);
        expect(me.dequeue_bulk(out, 2)).toBe(2);
        expect(theirs).toHaveLength(2);
        expect(me.stats.casRetries).toBe(1);
        const all = [...theirs, ...out];
        expect(all.sort()).toEqual([1, 2, 3, 4]);
        expect(out[0]).toBeLessThan(out[1]);
        expect(other.count()).toBe(0);
        expect(other.audit()).toEqual([]);
      });
    }
  }
});
