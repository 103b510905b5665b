import { describe, expect, it } from 'vitest';
import { EINVAL, ENOBUFS, ENOENT, MemraceError } from '../src/errors.js';
import { Ring, RingZcData } from '../src/dpdk/ring.js';
import {
  HT_HEAD, HT_HTD_MAX, HT_RTS_HEAD, HT_SLEEP_FLAG, HT_TAIL, RING_F_EXACT_SZ, RING_F_MP_HTS_ENQ, RING_F_MC_RTS_DEQ, RING_F_SC_DEQ, R_PROD, R_SLOTS,
  VARIANT_PLAIN_TAIL, VARIANT_REORDER, ringFlags,
} from '../src/dpdk/ring_layout.js';
import { RteError } from '../src/dpdk/rte_errno.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_ring's API at its boundary values, in process (lib/ring/rte_ring.c, rte_ring_elem.h,
 * rte_ring_peek.h, rte_ring_peek_zc.h): rte_ring_init's checks and what it stores, the
 * return codes and free_space/available of each call, peek and zero-copy, the element
 * copy of esize > 4 across the wrap, rte_ring_count's clamp, the audit and the dump.
 */
function ring(count: number, flags: number, opts: { esize?: number; variant?: number } = {}, mem?: (sab: SharedArrayBuffer) => AtomicsMem) {
  const arena = Arena.create(1 << 16);
  const plain = new AtomicsMem(arena.sab);
  const r = Ring.create(arena, plain, 'r', count, flags, opts);
  return { arena, plain, r, mine: mem ? new Ring(mem(arena.sab), r.ref) : r };
}

const err = (f: () => unknown): RteError => {
  try {
    f();
  } catch (e) {
    return e as RteError;
  }
  throw new Error('did not throw');
};

describe('rte_ring_init checks (-EINVAL)', () => {
  it('count: a power of two from 2 to RING_SZ_MASK, else EINVAL naming the field', () => {
    for (const c of [0, -4, 1.5, 1, 3, 0x80000000]) {
      const e = err(() => Ring.checkCount(c, 0, 'size'));
      expect(e).toBeInstanceOf(RteError);
      expect([e.errno, e.message.startsWith('size: ')]).toEqual([EINVAL, true]);
      expect(e.message).toContain(Ring.COUNT_ALLOWED);
    }
    expect(err(() => Ring.checkCount(0, 0)).message).toContain('count: 0 is not a positive integer');
    expect(err(() => Ring.checkCount(1, 0)).message).toContain('count: 1 is not a power of two from 2 to 2^30');
    expect(() => Ring.checkCount(2, 0)).not.toThrow();
    expect(() => Ring.checkCount(0x40000000, 0)).not.toThrow();
  });

  it('with EXACT_SZ any count from 1 to RING_SZ_MASK / 2', () => {
    expect(() => Ring.checkCount(1, RING_F_EXACT_SZ)).not.toThrow();
    expect(() => Ring.checkCount(0x3fffffff, RING_F_EXACT_SZ)).not.toThrow();
    expect(err(() => Ring.checkCount(0x40000000, RING_F_EXACT_SZ)).message).toContain('count: 1073741824 is too large with EXACT_SZ');
    expect(err(() => Ring.checkCount(0, RING_F_EXACT_SZ)).message).toContain('count: 0 is not a positive integer');
  });

  it('esize: a positive multiple of 4', () => {
    for (const s of [0, -4, 6, 4.5]) {
      const e = err(() => Ring.checkCount(16, 0, 'count', s));
      expect(e.errno).toBe(EINVAL);
      expect(e.message).toContain(`esize: ${s} is not a multiple of 4`);
      expect(e.message).toContain('a positive multiple of 4 bytes');
    }
    expect(() => Ring.checkCount(16, 0, 'count', 8)).not.toThrow();
  });

  it('flags: no bit outside RING_F_MASK, one sync mode a side', () => {
    for (const f of [0x80, -1, 0.5]) {
      const e = err(() => Ring.checkFlags(f));
      expect(e.errno).toBe(EINVAL);
      expect(e.message).toContain('flags: 0x');
      expect(e.message).toContain('has bits outside RING_F_MASK');
      expect(e.message).toContain('RING_F_SP_ENQ 0x1, SC_DEQ 0x2, EXACT_SZ 0x4, MP_RTS_ENQ 0x8, MC_RTS_DEQ 0x10, MP_HTS_ENQ 0x20, MC_HTS_DEQ 0x40');
    }
    const two = err(() => Ring.checkFlags(RING_F_SC_DEQ | RING_F_MC_RTS_DEQ));
    expect(two.message).toContain('flags: 0x12 asks for two sync modes on one side');
    expect(two.message).toContain('at most one of SP/MP_RTS/MP_HTS and one of SC/MC_RTS/MC_HTS');
    expect(() => Ring.checkFlags(0x7f & ~0x18 & ~0x41)).not.toThrow();
  });

  it('ringFlags names each mode by its own bit', () => {
    expect(ringFlags('MT_HTS', 'SC')).toBe(RING_F_MP_HTS_ENQ | RING_F_SC_DEQ);
    expect(ringFlags('MP', 'MT_RTS', true)).toBe(RING_F_MC_RTS_DEQ | RING_F_EXACT_SZ);
  });
});

describe('rte_ring_get_memsize_elem and what rte_ring_init stores', () => {
  it('size is count, or with EXACT_SZ the power of two above count; slots of esize bytes', () => {
    expect(Ring.memsize(16, 0)).toBe((R_SLOTS + 16) * 4);
    expect(Ring.memsize(16, RING_F_EXACT_SZ)).toBe((R_SLOTS + 32) * 4);
    expect(Ring.memsize(15, RING_F_EXACT_SZ)).toBe((R_SLOTS + 16) * 4);
    expect(Ring.memsize(16, 0, 8)).toBe((R_SLOTS + 32) * 4);
  });

  it('capacity is size - 1, or count with EXACT_SZ; RTS htd_max is capacity / 8 on both sides', () => {
    const a = ring(64, ringFlags('MT_RTS', 'MT_RTS'));
    expect([a.r.get_size(), a.r.mask, a.r.get_capacity(), a.r.flags]).toEqual([64, 63, 63, ringFlags('MT_RTS', 'MT_RTS')]);
    expect(a.plain.load(a.r.ref.base + R_PROD + HT_HTD_MAX)).toBe(7);
    expect(a.plain.load(a.r.cons.side + HT_HTD_MAX)).toBe(7);
    const b = ring(17, ringFlags('MT_RTS', 'MT_RTS', true));
    expect([b.r.get_size(), b.r.get_capacity()]).toEqual([32, 17]);
    expect(b.plain.load(b.r.prod.side + HT_HTD_MAX)).toBe(2);
  });

  it('a ring freed leaves the list; its name can be used again; a second free does nothing', () => {
    const { arena, plain, r } = ring(16, 0);
    expect(Ring.lookup(arena, plain, 'r')?.ref.base).toBe(r.ref.base);
    r.free(arena);
    r.free(arena);
    expect(Ring.lookup(arena, plain, 'r')).toBeNull();
    expect(Ring.create(arena, plain, 'r', 16, 0).name).toBe('r');
  });
});

describe('enqueue and dequeue: return codes, free_space, available', () => {
  it('rte_ring_enqueue is 0 until the ring is full, then -ENOBUFS; rte_ring_dequeue 0, then -ENOENT', () => {
    const { r } = ring(4, ringFlags('MP', 'MC'));
    for (let i = 0; i < 3; i++) expect(r.enqueue(i + 10)).toBe(0);
    expect(r.full()).toBe(true);
    expect(r.enqueue(13)).toBe(-ENOBUFS);
    const out = new Int32Array(1);
    for (let i = 0; i < 3; i++) {
      expect(r.dequeue(out)).toBe(0);
      expect(out[0]).toBe(i + 10);
    }
    expect(r.dequeue(out)).toBe(-ENOENT);
    expect(r.empty()).toBe(true);
  });

  it('a ring of esize 8 copies whole elements across the wrap, none past n', () => {
    const { r } = ring(4, ringFlags('SP', 'SC'), { esize: 8 });
    const out = new Int32Array(8).fill(-1);
    expect(r.enqueue_bulk(Int32Array.of(1, 2, 3, 4), 2)).toBe(2);
    expect(r.dequeue_bulk(out, 2)).toBe(2);
    // head at 2 of 4: three elements wrap; the slot after them (the oldest free) is not written.
    expect(r.enqueue_bulk(Int32Array.of(5, 6, 7, 8, 9, 10, 11, 12), 3)).toBe(3);
    expect(r.free_space).toBe(0);
    out.fill(-1);
    expect(r.dequeue_burst(out, 3)).toBe(3);
    expect(r.available).toBe(0);
    expect([...out]).toEqual([5, 6, 7, 8, 9, 10, -1, -1]);
    expect(r.enqueue_elem(Int32Array.of(0, 21, 22), 1)).toBe(0);
    expect(r.dequeue(out, 5)).toBe(0);
    expect([...out.subarray(4)]).toEqual([9, 21, 22, -1]);
  });

  it('the reorder variant (broken on purpose) copies a burst out last-first', () => {
    const { r } = ring(8, ringFlags('SP', 'SC'), { variant: VARIANT_REORDER });
    r.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
    const out = new Int32Array(3);
    expect(r.dequeue_bulk(out, 3)).toBe(3);
    expect([...out]).toEqual([3, 2, 1]);
  });

  it('rte_ring_count clamps to the capacity; the audit flags a count past it, and not a full ring', () => {
    const { plain, r } = ring(4, ringFlags('SP', 'SC'));
    r.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
    expect([r.count(), r.free_count()]).toEqual([3, 0]);
    expect(r.audit()).toEqual([]);
    plain.store(r.prod.tailWord, 9);
    plain.store(r.prod.side + HT_HEAD, 9);
    expect([r.count(), r.free_count()]).toEqual([3, 0]);
    expect(r.audit()).toEqual([{ message: 'count 9 exceeds capacity 3 (a tail moved backwards or past the other side)', where: 'ring r' }]);
    plain.store(r.cons.side + HT_HEAD, 1);
    expect(r.audit().map((v) => v.message)).toContain('cons.head 1 != cons.tail 0 with no operation in flight');
  });

  it('rte_ring_dump', () => {
    const { r } = ring(8, ringFlags('MT_HTS', 'SC'));
    r.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
    r.dequeue_bulk(new Int32Array(1), 1);
    expect(r.dump()).toBe([
      `ring <r>@${r.ref.base * 4}`, '  flags=22', '  size=8', '  capacity=7', '  ct=1', '  ch=1', '  pt=3', '  ph=3', '  used=2', '  avail=5',
      '  prod sync=MT_HTS cons sync=ST',
    ].join('\n'));
  });

  it('an RTS head reads its position, not its count', () => {
    const { r } = ring(16, ringFlags('MT_RTS', 'MT_RTS'));
    r.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
    r.enqueue_bulk(Int32Array.of(4), 1);
    expect([r.prod.head(), r.prod.tail()]).toEqual([4, 4]);
  });
});

describe('peek (rte_ring_peek.h), SP/SC and HTS', () => {
  for (const [mode, flags] of [['SP/SC', ringFlags('SP', 'SC')], ['HTS', ringFlags('MT_HTS', 'MT_HTS')]] as const) {
    it(`${mode}: enqueue start reserves, finish publishes at most what was reserved`, () => {
      const { r } = ring(8, flags);
      expect(r.enqueue_bulk_start(8)).toBe(0);
      expect(r.free_space).toBe(7);
      expect(r.enqueue_bulk_start(3)).toBe(3);
      expect(r.free_space).toBe(4);
      expect([r.prod.head() - r.prod.tail(), r.count()]).toEqual([3, 0]);
      r.enqueue_finish(Int32Array.of(1, 2, 3), 2);
      expect([r.count(), r.prod.head(), r.prod.tail()]).toEqual([2, 2, 2]);
      expect(r.enqueue_burst_start(9)).toBe(5);
      expect(r.free_space).toBe(0);
      // Finishing more than was reserved publishes nothing.
      r.enqueue_finish(Int32Array.of(9, 9, 9, 9, 9, 9), 6);
      expect([r.count(), r.prod.head()]).toEqual([2, 2]);
      expect(r.audit()).toEqual([]);
    });

    it(`${mode}: dequeue start copies out without removing; finish removes n, 0 puts them all back`, () => {
      const { r } = ring(8, flags);
      r.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
      const out = new Int32Array(4);
      expect(r.dequeue_bulk_start(out, 4)).toBe(0);
      expect(r.available).toBe(3);
      r.dequeue_finish(0);
      expect(r.dequeue_bulk_start(out, 2)).toBe(2);
      expect(r.available).toBe(1);
      expect([...out.subarray(0, 2)]).toEqual([1, 2]);
      r.dequeue_finish(0);
      expect(r.count()).toBe(3);
      expect(r.dequeue_burst_start(out, 4, 1)).toBe(3);
      expect(r.available).toBe(0);
      expect([...out]).toEqual([1, 1, 2, 3]);
      r.dequeue_finish(1);
      expect(r.count()).toBe(2);
      expect(r.audit()).toEqual([]);
    });
  }

  it('peek on an MP or MC side is a usage error naming the call and the mode', () => {
    const { r } = ring(8, ringFlags('MP', 'MC'));
    const msg = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(MemraceError);
        return (e as Error).message;
      }
      return '';
    };
    expect(msg(() => r.enqueue_bulk_start(1))).toBe("enqueue_bulk_start needs a SP or MT_HTS producer side; this ring's is MT");
    expect(msg(() => r.enqueue_burst_start(1))).toContain('enqueue_burst_start needs');
    expect(msg(() => r.enqueue_finish(new Int32Array(1), 1))).toContain('enqueue_finish needs');
    expect(msg(() => r.dequeue_bulk_start(new Int32Array(1), 1))).toBe("dequeue_bulk_start needs a SC or MT_HTS consumer side; this ring's is MT");
    expect(msg(() => r.dequeue_burst_start(new Int32Array(1), 1))).toContain('dequeue_burst_start needs');
    expect(msg(() => r.dequeue_finish(1))).toContain('dequeue_finish needs');
    expect(msg(() => r.enqueue_zc_bulk_start(1, new RingZcData()))).toContain('zero-copy needs');
  });
});

describe('zero copy (rte_ring_peek_zc.h)', () => {
  it('a reservation across the wrap: n1 slots from slot1, the rest from slot2 (the start)', () => {
    const { r, plain } = ring(8, ringFlags('SP', 'SC'), { esize: 8 });
    r.enqueue_bulk(new Int32Array(12), 6);
    r.dequeue_bulk(new Int32Array(12), 6);
    const zcd = new RingZcData();
    expect(r.enqueue_zc_bulk_start(8, zcd)).toBe(0);
    expect(r.free_space).toBe(7);
    r.enqueue_zc_finish(0);
    expect(r.enqueue_zc_burst_start(4, zcd)).toBe(4);
    expect(r.free_space).toBe(3);
    expect([zcd.n1, zcd.slot1, zcd.slot2]).toEqual([2, r.slots + 6 * 2, r.slots]);
    expect([zcd.slot(0, 2), zcd.slot(1, 2), zcd.slot(2, 2), zcd.slot(3, 2)]).toEqual([r.slots + 12, r.slots + 14, r.slots, r.slots + 2]);
    for (let i = 0; i < 4; i++) plain.store(zcd.slot(i, 2), 100 + i);
    r.enqueue_zc_finish(4);
    const d = new RingZcData();
    expect(r.dequeue_zc_bulk_start(5, d)).toBe(0);
    expect(r.available).toBe(4);
    r.dequeue_zc_finish(0);
    expect(r.dequeue_zc_burst_start(5, d)).toBe(4);
    expect(r.available).toBe(0);
    expect([0, 1, 2, 3].map((i) => plain.load(d.slot(i, 2)))).toEqual([100, 101, 102, 103]);
    r.dequeue_zc_finish(4);
    expect(r.empty()).toBe(true);
  });
});

describe('tail publication and sleepers', () => {
  class Recording extends AtomicsMem {
    stores = new Set<number>();
    writes = new Set<number>();
    override store(i: number, v: number): void {
      this.stores.add(i);
      super.store(i, v);
    }
    override write(i: number, v: number): void {
      this.writes.add(i);
      super.write(i, v);
    }
  }
  const rec = (x: Ring) => (x as unknown as { mem: Recording }).mem;

  for (const mode of ['SP', 'MP'] as const) {
    it(`${mode}: the tail is published with an atomic store (release), never a plain write; the plain-tail variant writes it`, () => {
      const ok = ring(8, ringFlags(mode, 'SC'), {}, (sab) => new Recording(sab));
      ok.mine.enqueue_bulk(Int32Array.of(1), 1);
      expect(rec(ok.mine).stores.has(ok.r.prod.tailWord)).toBe(true);
      expect(rec(ok.mine).writes.has(ok.r.prod.tailWord)).toBe(false);
      const bad = ring(8, ringFlags(mode, 'SC'), { variant: VARIANT_PLAIN_TAIL }, (sab) => new Recording(sab));
      bad.mine.enqueue_bulk(Int32Array.of(1), 1);
      expect(rec(bad.mine).writes.has(bad.r.prod.tailWord)).toBe(true);
      expect(rec(bad.mine).stores.has(bad.r.prod.tailWord)).toBe(false);
      expect(bad.r.count()).toBe(1);
    });
  }

  for (const mode of ['SP', 'MP'] as const) {
    it(`${mode} on the straight path: a publication lowers the flag a sleeper on the tail raised (and wakes it)`, () => {
      const { r, plain } = ring(8, ringFlags(mode, 'SC'));
      expect(r.prod.sleepFlagWord).toBe(r.prod.side + HT_SLEEP_FLAG);
      plain.store(r.prod.sleepFlagWord, 1);
      r.enqueue_bulk(Int32Array.of(1), 1);
      expect(plain.load(r.prod.sleepFlagWord)).toBe(0);
      expect(plain.load(r.prod.side + HT_TAIL)).toBe(1);
    });
  }
});

describe('RTS and HTS wait for the threads of their own side', () => {
  class Waited extends Error {}
  /** Spins for free; throws where it would sleep. */
  class Patient extends AtomicsMem {
    override waitFlagged(): 'ok' | 'not-equal' | 'timed-out' {
      throw new Waited();
    }
  }

  it('HTS: an enqueue waits while another producer\'s operation is in flight (head != tail), 256 spins then a sleep', () => {
    const { r, mine } = ring(8, ringFlags('MT_HTS', 'MT_HTS'), {}, (sab) => new Patient(sab));
    expect(r.enqueue_bulk_start(2)).toBe(2);
    expect(() => mine.enqueue_bulk(Int32Array.of(5), 1)).toThrow(Waited);
    expect([mine.stats.spins, mine.stats.waits]).toEqual([256, 1]);
    r.enqueue_finish(Int32Array.of(1, 2), 2);
    expect(mine.enqueue_bulk(Int32Array.of(5), 1)).toBe(1);
    expect(r.count()).toBe(3);
  });

  it('RTS: a producer more than htd_max ahead of the tail waits; at exactly htd_max it goes on', () => {
    const { r, plain, mine } = ring(64, ringFlags('MT_RTS', 'MC'), {}, (sab) => new Patient(sab));
    const headI = (r.prod.side + HT_RTS_HEAD) >> 1;
    // Seven reservations in flight of one slot each: head at 7 (count 7), tail at 0 (count 0).
    plain.store64(headI, (7n << 32n) | 7n);
    expect([r.prod.head(), r.prod.tail()]).toEqual([7, 0]);
    expect(mine.enqueue_bulk(Int32Array.of(5), 1)).toBe(1);
    // Now eight ahead: more than htd_max = 63 / 8 = 7.
    expect(() => mine.enqueue_bulk(Int32Array.of(6), 1)).toThrow(Waited);
    expect([mine.stats.spins, mine.stats.waits]).toEqual([256, 1]);
  });
});

describe('RTS: only the last of the threads in flight moves the tail (__rte_ring_rts_update_tail)', () => {
  /** Runs `hook` just before this port's k-th 64-bit CAS. */
  class BeforeCas extends AtomicsMem {
    k = 0;
    hook: () => void = () => {};
    override compareExchange64(i: number, expected: bigint, replacement: bigint): bigint {
      if (--this.k === 0) this.hook();
      return super.compareExchange64(i, expected, replacement);
    }
  }

  it('a producer that reserved after this one and finished first only counts itself: nothing is published until this one finishes', () => {
    const { r, mine } = ring(64, ringFlags('MT_RTS', 'MC'), {}, (sab) => new BeforeCas(sab));
    const port = (mine as unknown as { mem: BeforeCas }).mem;
    port.k = 2;
    let seen = -1;
    port.hook = () => {
      expect(r.enqueue_bulk(Int32Array.of(3, 4), 2)).toBe(2);
      seen = r.count();
    };
    expect(mine.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
    expect(seen).toBe(0);
    expect(r.count()).toBe(4);
    expect([r.prod.head(), r.prod.tail()]).toEqual([4, 4]);
  });
});

describe('idle sleeps (not in DPDK: worker threads share cores)', () => {
  class Sleeps extends AtomicsMem {
    slept: Array<[number, number, number]> = [];
    override waitFlagged(i: number, expected: number, flag: number): 'ok' | 'not-equal' | 'timed-out' {
      this.slept.push([i, expected, flag]);
      return 'not-equal';
    }
  }

  it('an idle producer sleeps on the consumer tail as its last enqueue read it; an idle consumer on the producer tail', () => {
    const { r, mine } = ring(4, ringFlags('MP', 'MC'), {}, (sab) => new Sleeps(sab));
    const port = (mine as unknown as { mem: Sleeps }).mem;
    mine.enqueue_bulk(Int32Array.of(1, 2, 3), 3);
    r.dequeue_bulk(new Int32Array(2), 2);
    expect(mine.enqueue_bulk(Int32Array.of(4, 5, 6), 3)).toBe(0);
    mine.sleepUntilDequeued();
    expect(port.slept).toEqual([[r.cons.tailWord, 2, r.cons.sleepFlagWord]]);
    r.dequeue_bulk(new Int32Array(1), 1);
    expect(mine.dequeue_bulk(new Int32Array(1), 1)).toBe(0);
    mine.sleepUntilEnqueued();
    expect(port.slept[1]).toEqual([r.prod.tailWord, 3, r.prod.sleepFlagWord]);
  });
});
